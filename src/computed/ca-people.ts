/** Reads for evaluation: people's events by cluster (one statement a page) and new events by id. */
import { type SqlExecutor, rowsStatement } from '../store/db.js';
import { chunks } from '../shared/chunks.js';
import type { IdentityKey } from '../identity/graph.store.js';
import type { PersonEvent } from './ca-engine.js';

const PAGE = 200;

/** Which fields of each event to read, in a store's JSON path dialect; absent: the whole event. */
export interface EventFields {
  readonly dialect: 'sqlite' | 'postgres';
  readonly paths: readonly string[];
}

/** `a.b` as SQLite's quoted JSON path (`$."a"."b"`), bound as a parameter like the PostgreSQL form. */
const sqlitePath = (p: string) => `$${p.split('.').map((s) => `."${s.replace(/"/g, '\\"')}"`).join('')}`;

/** The select-list expression that extracts `fields` as one JSON array text, and its parameters. */
function extraction(fields: EventFields): { sql: string; params: string[]; join: string } {
  // A single path would come back bare rather than in an array.
  const paths = fields.paths.length > 1 ? fields.paths : [...fields.paths, '_id'];
  if (fields.dialect === 'sqlite') return { sql: `json_extract(e.data, ${paths.map(() => '?').join(', ')})`, params: paths.map(sqlitePath), join: '' };
  return { sql: `jsonb_build_array(${paths.map(() => "x.j #> string_to_array(?, '.')").join(', ')})::text`, params: [...paths], join: ' CROSS JOIN LATERAL (SELECT e.data::jsonb AS j) AS x' };
}

/** The event holding only the extracted fields, nested as in the record. */
function partial(paths: readonly string[], values: readonly unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  paths.forEach((p, i) => {
    const v = values[i];
    if (v === null || v === undefined) return;
    const names = p.split('.');
    let node = out;
    for (const n of names.slice(0, -1)) node = (node[n] ??= {}) as Record<string, unknown>;
    node[names[names.length - 1]!] = v;
  });
  return out;
}

/**
 * The events of each person (all members' events) at or after `since` (null: all), parsed: whole, or with `fields`
 * only the fields the definitions read (extracted by the store, so far less is parsed and kept). The join walks the
 * cluster index to the members and each member's time index to its events.
 */
export async function eventsOfClusters(tx: SqlExecutor, tenantId: number, clusters: readonly string[], since: number | null, fields?: EventFields): Promise<Map<string, PersonEvent[]>> {
  const out = new Map<string, PersonEvent[]>();
  const x = fields ? extraction(fields) : { sql: 'e.data', params: [], join: '' };
  for (const slice of chunks(clusters, PAGE)) {
    const rows = await tx.values<[string, string, string, number, number, string]>(
      // CROSS JOIN keeps SQLite's join order (members first): left to choose, it may walk the sandbox's events.
      `SELECT m.cluster_id, e.dataset_id, e.event_id, e.ts, e.ingested_at, ${x.sql} FROM identities m CROSS JOIN events e${x.join}
       WHERE m.tenant_id = ? AND m.cluster_id IN (${slice.map(() => '?').join(', ')})
         AND e.tenant_id = m.tenant_id AND e.primary_ns = m.ns AND e.primary_id = m.id${since === null ? '' : ' AND e.ts >= ?'}`,
      [...x.params, tenantId, ...slice, ...(since === null ? [] : [since])],
    );
    for (const [cluster, datasetId, eventId, ts, ingestedAt, data] of rows) {
      let list = out.get(cluster);
      if (!list) out.set(cluster, (list = []));
      const parsed = JSON.parse(data) as unknown;
      list.push({ ts: Number(ts), key: `${datasetId}\u0000${eventId}`, ingestedAt: Number(ingestedAt), data: fields ? partial(fields.paths, parsed as unknown[]) : parsed });
    }
  }
  return out;
}

/** A newly stored event and the identity it was stored under. */
export interface FreshEvent extends PersonEvent {
  readonly primary: IdentityKey;
}

const EVENTS_BY_ID = rowsStatement(
  'SELECT dataset_id, event_id, primary_ns, primary_id, ts, ingested_at, data FROM events WHERE tenant_id = ? AND (dataset_id, event_id) IN (@rows)',
  ['text', 'text'],
);

/** The events named by change entries (those since deleted are simply not found). */
export async function eventsById(tx: SqlExecutor, tenantId: number, ids: ReadonlyMap<string, ReadonlySet<string>>): Promise<FreshEvent[]> {
  const refs: Array<[string, string]> = [];
  for (const [datasetId, events] of ids) for (const e of events) refs.push([datasetId, e]);
  if (refs.length === 0) return [];
  const rows = await tx.valuesRows<[string, string, string, string, number, number, string]>(EVENTS_BY_ID, [tenantId], refs);
  return rows.map(([datasetId, eventId, ns, id, ts, ingestedAt, data]) => ({
    ts: Number(ts),
    key: `${datasetId}\u0000${eventId}`,
    ingestedAt: Number(ingestedAt),
    data: JSON.parse(data) as unknown,
    primary: { ns, id },
  }));
}
