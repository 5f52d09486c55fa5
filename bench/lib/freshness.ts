/** The ingest scenario's freshness measures: merged views timed from acknowledgement, and the change feed's lag histogram. */
import Database from 'better-sqlite3';
import pg from 'pg';
import { join } from 'node:path';
import { crmRecord, person } from '../../src/cli/demo/people.js';
import type { Setup } from '../http.bench.js';

/** Reads one number from the service's store (the bench opens it beside the server, read-only on SQLite). */
export async function scalar(s: Setup, sql: string, params: unknown[] = []): Promise<number> {
  if (s.server.databaseUrl) {
    const client = new pg.Client({ connectionString: s.server.databaseUrl });
    await client.connect();
    const r = await client.query(sql.replace(/\?/g, (_, i: number) => `$${sql.slice(0, i).split('?').length}`), params);
    await client.end();
    return Number(Object.values(r.rows[0] ?? {})[0] ?? 0);
  }
  const db = new Database(join(s.server.dataDir, 'profile.db'), { readonly: true });
  const row = db.prepare(sql).get(...params) as Record<string, unknown> | undefined;
  db.close();
  return Number(Object.values(row ?? {})[0] ?? 0);
}

/** Waits until the materialized-profile consumer has applied every change-feed entry recorded so far. */
export async function feedCaughtUp(s: Setup): Promise<void> {
  const last = await scalar(s, 'SELECT COALESCE(MAX(seq), 0) AS n FROM changes');
  for (let i = 0; i < 600; i++) {
    const left = await scalar(s, "SELECT COUNT(*) AS n FROM changes WHERE seq <= ? AND (xid, seq) > (SELECT xid, seq FROM change_offsets WHERE consumer = 'profile-views')", [last]);
    if (left === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the change feed did not catch up within a minute');
}

/** The change-feed lag histogram of /metrics (entries of one effect, or all): cumulative counts by upper bound (seconds). */
export async function lagBuckets(s: Setup, effect?: 'effective' | 'none'): Promise<Map<number, number>> {
  const text = await (await fetch(`${s.server.url}/metrics`)).text();
  const out = new Map<number, number>();
  for (const m of text.matchAll(/^rtprofile_change_feed_lag_seconds_bucket\{([^}]*)\} (\d+)/gm)) {
    const labels = m[1]!;
    if (effect && !labels.includes(`effect="${effect}"`)) continue;
    const le = /le="([^"]+)"/.exec(labels)![1]!;
    const bound = le === '+Inf' ? Infinity : Number(le);
    out.set(bound, (out.get(bound) ?? 0) + Number(m[2]));
  }
  return out;
}

/** One streaming message, as AEP's single-message endpoint takes it. */
async function sendOne(s: Setup, datasetId: string, schemaId: string, entity: Record<string, unknown>): Promise<void> {
  const schemaRef = { id: schemaId, contentType: 'application/vnd.adobe.xed-full+json;version=1' };
  const res = await fetch(`${s.server.url}/collection/${s.ids.inletId}`, {
    method: 'POST',
    headers: { ...s.server.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ header: { schemaRef, imsOrgId: s.server.headers['x-gw-ims-org-id'], datasetId, source: { name: 'bench' } }, body: { xdmMeta: { schemaRef }, xdmEntity: entity } }),
  });
  if (res.status !== 200) throw new Error(`side stream: ${res.status} ${await res.text()}`);
}

/** Reads whether the materialized view of an identity's person holds a given identity (the bench's own connection). */
async function viewProbe(s: Setup): Promise<{ holds(ns: string, id: string, member: string): Promise<boolean>; close(): Promise<void> }> {
  // Keyed by the sandbox, as the service's own lookup is, so each probe is two primary-key reads.
  const tenant = await scalar(s, 'SELECT tenant_id AS n FROM datasets WHERE id = ?', [s.ids.crm]);
  const sql = `SELECT identities FROM profile_views WHERE tenant_id = ? AND view_key = (SELECT cluster_id FROM identities WHERE tenant_id = ? AND ns = ? AND id = ?)`;
  if (s.server.databaseUrl) {
    const client = new pg.Client({ connectionString: s.server.databaseUrl });
    await client.connect();
    const text = sql.replace(/\?/g, (_, i: number) => `$${sql.slice(0, i).split('?').length}`);
    return {
      holds: async (ns, id, member) => (await client.query(text, [tenant, tenant, ns, id])).rows.some((r) => String(r.identities).includes(member)),
      close: () => client.end(),
    };
  }
  const db = new Database(join(s.server.dataDir, 'profile.db'), { readonly: true });
  const stmt = db.prepare(sql);
  return {
    holds: async (ns, id, member) => (stmt.all(tenant, tenant, ns, id) as Array<{ identities: string }>).some((r) => r.identities.includes(member)),
    close: async () => void db.close(),
  };
}

/**
 * While `running`, every 20 ms: a CRM person and a web visitor, each a profile of its own, then an event that shows
 * them to be one person. The merge happens without a fragment write, so the merged view is dropped and rebuilt by
 * the change-feed consumer. Returns, per person, the ms from the event's acknowledgement to the rebuilt view holding
 * both (read on the bench's own connection, every millisecond).
 */
export async function mergeStream(s: Setup, running: () => boolean, base: number): Promise<number[]> {
  const probe = await viewProbe(s);
  const fresh: number[] = [];
  try {
    for (let n = 0; running(); n++) {
      const p = person(base + n);
      await sendOne(s, s.ids.crm, s.ids.profileSchema, crmRecord(p, s.ids.tenant));
      await sendOne(s, s.ids.webProfile, s.ids.profileSchema, { identityMap: { ECID: [{ id: p.ecid, primary: true }] }, person: { name: { firstName: `visitor-${p.n}` } } });
      await sendOne(s, s.ids.web, s.ids.eventSchema, { _id: `merge-${p.n}`, timestamp: new Date().toISOString(), eventType: 'web.webpagedetails.pageViews', identityMap: { ECID: [{ id: p.ecid, primary: true }], Email: [{ id: p.email }] } });
      const acked = performance.now();
      while (!(await probe.holds('ECID', p.ecid, p.crmId))) {
        if (performance.now() - acked > 30_000) throw new Error(`the merged view of ${p.ecid} was not rebuilt within 30 s`);
        await new Promise((r) => setTimeout(r, 1));
      }
      fresh.push(performance.now() - acked);
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await probe.close();
  }
  return fresh;
}

/** The 99th percentile (ms) of the lags observed between two readings, interpolated within its bucket as Prometheus does. */
export function lagP99(before: Map<number, number>, after: Map<number, number>): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  if (total === 0) return 0;
  const rank = 0.99 * total;
  let lower = 0;
  let below = 0;
  for (const le of bounds) {
    const count = (after.get(le) ?? 0) - (before.get(le) ?? 0);
    if (count >= rank) return le === Infinity ? lower * 1000 : (lower + ((le - lower) * (rank - below)) / Math.max(count - below, 1)) * 1000;
    lower = le;
    below = count;
  }
  return Infinity;
}
