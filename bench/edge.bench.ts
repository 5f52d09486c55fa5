/** Edge projections: lookups on an edge node (SQLite, Redis), hub write → edge copy under ingest load, and catch-up after a restart. */
import { deepStrictEqual } from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { crmRecord, person } from '../src/cli/demo/people.js';
import type { EdgeRow } from '../src/edge/edge.js';
import { type BenchRow, median, row } from './lib/stats.js';
import { p99 } from './lib/probe.js';
import { type EdgeNode, createEdgeProjection, edgeReaches, projectorSettled, rawApplyRate, startBenchRedis, startEdgeNode } from './lib/edge.js';
import { type Runs, type Setup, type Sizes, importBatch, lines, loadPeople, measure, measureCeiling, rateRow } from './http.bench.js';
import { ingest } from './ingest.bench.js';
import { sandbox } from './computed.bench.js';

const SELECTOR = 'person.name,identityMap,segmentMembership';
const NAMESPACES = ['email', 'CRMID', 'Phone', 'ECID'] as const;
/** The person whose name the freshness probe keeps changing, and the first of the people loaded for the catch-up. */
const PROBE = 4_000_001;
const CATCH_UP_BASE = 3_000_000;

type Answer = { status: number; entity: Record<string, any> | undefined; text: string; edge: string | null };

/** One profile lookup by identity (on the hub or an edge), with the sandbox's headers. */
async function lookup(url: string, s: Setup, ns: string, id: string): Promise<Answer> {
  const res = await fetch(`${url}/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityIdNS=${ns}&entityId=${encodeURIComponent(id)}`, { headers: s.server.headers });
  const text = await res.text();
  const entity = res.status === 200 ? (Object.values(JSON.parse(text) as Record<string, { entity: Record<string, any> }>)[0]?.entity) : undefined;
  return { status: res.status, entity, text, edge: res.headers.get('x-rtprofile-edge') };
}

const idOf = (n: number, ns: (typeof NAMESPACES)[number]) => {
  const p = person(n);
  return ns === 'email' ? p.email : ns === 'CRMID' ? p.crmId : ns === 'Phone' ? p.phone : p.ecid;
};

/** What the selector keeps of a hub entity. */
function projected(entity: Record<string, any>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (entity.person?.name !== undefined) out.person = { name: entity.person.name };
  for (const k of ['identityMap', 'segmentMembership']) if (entity[k] !== undefined) out[k] = entity[k];
  return out;
}

/** Fails the run unless the edge answers each of `ns` for these people from what it holds, with the hub's entity reduced to the selector. */
async function verify(s: Setup, edge: EdgeNode, people: readonly number[], namespaces: readonly (typeof NAMESPACES)[number][] = NAMESPACES): Promise<void> {
  for (const n of people) {
    const hub = await lookup(s.server.url, s, 'email', person(n).email);
    if (hub.status !== 200) throw new Error(`edge bench: the hub answered ${hub.status} for person ${n}`);
    for (const ns of namespaces) {
      const got = await lookup(edge.url, s, ns, idOf(n, ns));
      if (got.status !== 200 || !got.edge?.startsWith('OR1; hit;')) throw new Error(`edge bench: person ${n} by ${ns}: ${got.status} (${got.edge}) ${got.text.slice(0, 300)}`);
      try {
        deepStrictEqual(got.entity, projected(hub.entity!));
      } catch {
        throw new Error(`edge bench: wrong answer for person ${n} by ${ns}: ${JSON.stringify(got.entity)} where the hub holds ${JSON.stringify(projected(hub.entity!))}`);
      }
    }
  }
}

const randomPeople = (people: number, count: number) => Array.from({ length: count }, () => 1 + Math.floor(Math.random() * people));

/** Starts an edge (Redis when `redisUrl` is given) and waits until it holds what the hub shipped; the seconds it took. */
async function syncedEdge(s: Setup, redisUrl?: string): Promise<{ edge: EdgeNode; seconds: number }> {
  const head = await projectorSettled(s);
  const edge = await startEdgeNode(s, redisUrl ? { redisUrl, redisPrefix: 'bench:' } : {});
  return { edge, seconds: ((await edgeReaches(edge, head)) - edge.spawnedAt) / 1000 };
}

/** The lookup load of the `lookup` scenario against an edge, its answers checked before and after. */
async function edgeRuns(s: Setup, z: Sizes, edge: EdgeNode, people: number, store: string): Promise<Runs> {
  await verify(s, edge, randomPeople(people, 25));
  const runs = await measure(edge, z, { url: edge.url, connections: 50, headers: s.server.headers, kind: 'lookup', people }, `edge lookup (${store})`);
  await verify(s, edge, randomPeople(people, 25));
  return runs;
}

/** Figure 1: lookups by a random identity on a SQLite edge and a Redis edge, against the bare Fastify lookup. */
async function lookups(s: Setup, z: Sizes, people: number, label: string): Promise<{ rows: BenchRow[]; edge: EdgeNode }> {
  const { edge, seconds } = await syncedEdge(s);
  const notes = (sync: number) => ({ 'edge synced from empty s': sync, 'target': 'ratio ≥ 0.8, ≤ 70 µs/req' });
  const name = (store: string) => `${label}edge lookup, ${store} edge, ${people.toLocaleString('en-US')} people, 50 connections (ceiling: bare Fastify row)`;
  try {
    const sqlite = await edgeRuns(s, z, edge, people, 'SQLite');
    // The ceiling serves the edge's own answer, byte for byte.
    const body = (await lookup(edge.url, s, 'email', person(1).email)).text;
    const ceiling = await measureCeiling(z, people, { profile: body, event: '{}' }, { connections: 50, path: '/p/{n}' });
    const sqliteRow = rateRow(name('SQLite'), sqlite, ceiling);
    const rows: BenchRow[] = [{ ...sqliteRow, notes: { ...sqliteRow.notes, ...notes(seconds), 'answer bytes': body.length } }];
    const redis = await startBenchRedis();
    if (!redis) {
      rows.push(row(name('Redis'), 'requests/s', [NaN], ceiling.rates, { skipped: 'redis-server not on PATH' }));
      return { rows, edge };
    }
    try {
      const onRedis = await syncedEdge(s, redis.url);
      try {
        const redisCpu = redis.cpuSeconds();
        const runs = await edgeRuns(s, z, onRedis.edge, people, 'Redis');
        // The store's own work is in redis-server, outside the edge's process: shown beside it.
        const requests = runs.rates.reduce((a, b) => a + b * z.seconds, 0);
        const r = rateRow(name('Redis'), runs, ceiling);
        rows.push({ ...r, notes: { ...r.notes, 'redis-server CPU µs/req': ((redis.cpuSeconds() - redisCpu) * 1e6) / requests, ...notes(onRedis.seconds) } });
      } finally {
        await onRedis.edge.stop();
      }
    } finally {
      await redis.stop();
    }
    return { rows, edge };
  } catch (err) {
    await edge.stop();
    throw err;
  }
}

/** One profile record through the streaming endpoint (acknowledged once stored). */
async function streamRecord(s: Setup, entity: Record<string, unknown>): Promise<void> {
  const schemaRef = { id: s.ids.profileSchema, contentType: 'application/vnd.adobe.xed-full+json;version=1' };
  const res = await fetch(`${s.server.url}/collection/${s.ids.inletId}`, {
    method: 'POST',
    headers: { ...s.server.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ header: { schemaRef, imsOrgId: s.server.headers['x-gw-ims-org-id'], datasetId: s.ids.crm, source: { name: 'edge-probe' } }, body: { xdmMeta: { schemaRef }, xdmEntity: entity } }),
  });
  if (res.status !== 200) throw new Error(`edge probe: ${res.status} ${await res.text()}`);
}

/**
 * Puts the probe person on the edge, then gives the probe: while `running`, every 20 ms, a new first name for the
 * person at the hub, then the edge polled every 2 ms until it answers with it from what it holds; the ms from each
 * write's acknowledgement.
 */
async function edgeProbe(s: Setup, edge: EdgeNode): Promise<(running: () => boolean) => Promise<number[]>> {
  const p = person(PROBE);
  const write = (k: number) => streamRecord(s, { ...crmRecord(p, s.ids.tenant), person: { name: { firstName: `probe-${k}`, lastName: 'Probe' } } });
  const shows = async (k: number) => {
    const got = await lookup(edge.url, s, 'CRMID', p.crmId);
    return got.entity?.person?.name?.firstName === `probe-${k}` && got.edge!.startsWith('OR1; hit;');
  };
  // The probe person reaches the edge through the stream first, so no lookup below is answered by a fetch from the hub.
  await write(0);
  await edgeReaches(edge, await projectorSettled(s));
  if (!(await shows(0))) throw new Error('edge probe: the probe person is not on the edge');
  return (running) => probeLoop(write, shows, running);
}

async function probeLoop(write: (k: number) => Promise<void>, shows: (k: number) => Promise<boolean>, running: () => boolean): Promise<number[]> {
  const out: number[] = [];
  for (let k = 1; running(); k++) {
    await write(k);
    const acked = performance.now();
    while (!(await shows(k))) {
      if (performance.now() - acked > 30_000) throw new Error(`edge probe: probe-${k} not on the edge within 30 s`);
      await new Promise((r) => setTimeout(r, 2));
    }
    out.push(performance.now() - acked);
    await new Promise((r) => setTimeout(r, 20));
  }
  return out;
}

/** Figure 2: hub write → edge copy current, under the ingest scenario's load. */
async function freshness(s: Setup, z: Sizes, edge: EdgeNode, quick: boolean, label: string): Promise<BenchRow[]> {
  const load: Sizes = quick ? z : { ...z, ingestMessages: Math.ceil(z.ingestMessages / 2) };
  const loop = await edgeProbe(s, edge);
  const shipped = await projectorSettled(s);
  const edgeCpu = edge.cpuSeconds();
  const started = performance.now();
  let running = true;
  const probe = loop(() => running);
  let ingested: BenchRow;
  try {
    ingested = (await ingest(s, load, label))[0]!;
  } finally {
    running = false;
  }
  const lags = await probe;
  const edgeBusy = (edge.cpuSeconds() - edgeCpu) / ((performance.now() - started) / 1000);
  const head = await projectorSettled(s);
  await edgeReaches(edge, head);
  const rowsShipped = head - shipped;
  return [
    row(`${label}hub write → edge copy current, p99, under streaming ingest of ${load.ingestMessages.toLocaleString('en-US')} messages (ceiling: none)`, 'ms', [p99(lags)], [NaN], {
      probes: lags.length,
      'median ms': median(lags.length ? lags : [NaN]),
      'max ms': lags.length ? Math.max(...lags) : NaN,
      target: 'p99 < 500 ms',
      'ingest messages/s': ingested.median,
      'hub CPU µs/message': Number(ingested.notes?.['server CPU µs/message'] ?? NaN),
      'rows shipped meanwhile': rowsShipped,
      'edge CPU % meanwhile (rows and the probe\'s polls)': 100 * edgeBusy,
    }),
  ];
}

/** `count` rows like the catch-up's (the edge's answer for its first person, with each person's identities). */
function syntheticRows(count: number, entity: string, sources: string): EdgeRow[] {
  const first = person(CATCH_UP_BASE + 1);
  return Array.from({ length: count }, (_, i) => {
    const p = person(CATCH_UP_BASE + 1 + i);
    return {
      seq: i + 1, tenantId: 1, projectionId: 'bench', personKey: `c${String(p.n).padStart(12, '0')}`,
      doc: { identities: [{ ns: 'crmid', id: p.crmId }, { ns: 'email', id: p.email }], entity: entity.replaceAll(first.crmId, p.crmId).replaceAll(first.email, p.email), sources, modifiedAt: Date.now(), policyId: 'bench' },
    };
  });
}

/**
 * Figure 3: the edge killed, `count` new people loaded at the hub (one CRM record each) and projected, then the edge
 * restarted on its folder and timed from its start until it holds the hub's head; against the raw apply rate.
 */
async function catchUp(s: Setup, edge: EdgeNode, count: number, quick: boolean, label: string): Promise<BenchRow[]> {
  await edge.stop('SIGKILL');
  try {
    return await behindAndBack(s, edge, count, quick, label);
  } finally {
    rmSync(edge.dataDir, { recursive: true, force: true });
  }
}

async function behindAndBack(s: Setup, edge: EdgeNode, count: number, quick: boolean, label: string): Promise<BenchRow[]> {
  const tenant = s.ids.tenant;
  for (let a = CATCH_UP_BASE + 1; a <= CATCH_UP_BASE + count; a += 100_000) {
    const b = Math.min(CATCH_UP_BASE + count, a + 99_999);
    await importBatch(s, s.ids.crm, lines(a, b, (n) => [crmRecord(person(n), tenant)]), 'json', b - a + 1);
  }
  const head = await projectorSettled(s);
  const restarted = await startEdgeNode(s, { dataDir: edge.dataDir });
  let rate: number;
  let fromListening: number;
  let cpuUs: number;
  let sample: Answer;
  try {
    const reached = await edgeReaches(restarted, head);
    rate = count / ((reached - restarted.spawnedAt) / 1000);
    fromListening = count / ((reached - restarted.listeningAt) / 1000);
    cpuUs = (restarted.cpuSeconds() * 1e6) / Math.max(head - restarted.from, 1);
    if (head - restarted.from < count) throw new Error(`catch-up: the edge resumed at ${restarted.from}, only ${head - restarted.from} rows behind ${head}, not ${count}`);
    await verify(s, restarted, [CATCH_UP_BASE + 1, CATCH_UP_BASE + count, ...randomPeople(count, 20).map((n) => CATCH_UP_BASE + n)], ['email', 'CRMID']);
    sample = await lookup(restarted.url, s, 'CRMID', person(CATCH_UP_BASE + 1).crmId);
  } finally {
    await restarted.stop();
  }
  const held = Object.values(JSON.parse(sample.text) as Record<string, { entity: unknown; sources: unknown }>)[0]!;
  const rows = syntheticRows(count, JSON.stringify(held.entity), JSON.stringify(held.sources));
  const ceiling: number[] = [];
  for (let i = 0; i < (quick ? 3 : 1); i++) ceiling.push(await rawApplyRate(rows));
  return [
    row(`${label}edge catch-up after missing ${count.toLocaleString('en-US')} changed profiles, from its start (ceiling: raw SqliteEdgeStore.apply)`, 'profiles/s', [rate], ceiling, {
      target: '≥ 20,000/s',
      'from listening profiles/s': fromListening,
      'start-up s': (restarted.listeningAt - restarted.spawnedAt) / 1000,
      'edge CPU µs/row': cpuUs,
      'rows behind': head - restarted.from,
    }),
  ];
}

/** The edge scenario's rows: in a sandbox of its own with a PROACTIVE projection to OR1. */
export async function runEdgeBench(hub: Setup, z: Sizes, label: string, quick: boolean): Promise<BenchRow[]> {
  const s = await sandbox(hub, 'edgebench');
  await createEdgeProjection(s, SELECTOR);
  await loadPeople(s, z.people);
  const { rows, edge } = await lookups(s, z, z.people, label);
  try {
    rows.push(...(await freshness(s, z, edge, quick, label)));
  } catch (err) {
    await edge.stop();
    throw err;
  }
  rows.push(...(await catchUp(s, edge, quick ? 10_000 : 100_000, quick, label)));
  return rows;
}
