/** The profile-store writes of one transaction: fragment upserts with their identity rows, idempotent event inserts. */
import { type SqlExecutor, hot } from '../store/db.js';
import type { WritableRecord } from './prepare.js';
import { chunks } from '../shared/chunks.js';

/** What a write did: fragments written and events newly stored (replayed `_id`s are not counted twice). */
export interface WriteCounts {
  fragments: number;
  eventsInserted: number;
  eventsDuplicate: number;
}

const UPSERT_FRAGMENTS = 'INSERT INTO fragments (tenant_id, dataset_id, primary_ns, primary_id, batch_id, data, ingested_at) VALUES';
const ON_FRAGMENT_CONFLICT = `ON CONFLICT (tenant_id, dataset_id, primary_ns, primary_id)
  DO UPDATE SET batch_id = excluded.batch_id, data = excluded.data, ingested_at = excluded.ingested_at`;
// Run once per fragment: prepared once per connection on PostgreSQL rather than planned per call.
const CLEAR_IDENTITIES = hot('DELETE FROM record_identities WHERE tenant_id = ? AND dataset_id = ? AND primary_ns = ? AND primary_id = ?');
const INSERT_IDENTITIES = 'INSERT INTO record_identities (tenant_id, ns, id, dataset_id, primary_ns, primary_id) VALUES';
const INSERT_EVENTS = 'INSERT INTO events (tenant_id, dataset_id, event_id, primary_ns, primary_id, ts, batch_id, data, ingested_at) VALUES';
/** Rows per multi-row statement, inside both backends' bound-parameter limits. */
const ROWS = 300;


const tuple = (n: number) => `(${Array.from({ length: n }, () => '?').join(', ')})`;

/** Writes prepared records inside the caller's transaction. */
export async function writeRecords(
  tx: SqlExecutor,
  tenantId: number,
  records: readonly WritableRecord[],
  batchId: string | null,
  now: number,
): Promise<WriteCounts> {
  const counts: WriteCounts = { fragments: 0, eventsInserted: 0, eventsDuplicate: 0 };
  const ordered = inLockOrder(records);
  // Rows are written many to a statement: one round trip per chunk instead of per record.
  for (const slice of chunks(ordered.filter((r) => r.kind === 'event'), ROWS)) {
    const result = await tx.run(
      `${INSERT_EVENTS} ${slice.map(() => tuple(9)).join(', ')} ON CONFLICT (tenant_id, dataset_id, event_id) DO NOTHING`,
      slice.flatMap((r) => [tenantId, r.datasetId, r.eventId!, r.primary.ns, r.primary.id, r.ts!, batchId, r.text, now]),
    );
    counts.eventsInserted += result.changes;
    counts.eventsDuplicate += slice.length - result.changes;
  }
  const fragments = ordered.filter((r) => r.kind === 'fragment');
  for (const slice of chunks(fragments, ROWS)) {
    await tx.run(`${UPSERT_FRAGMENTS} ${slice.map(() => tuple(7)).join(', ')} ${ON_FRAGMENT_CONFLICT}`, slice.flatMap((r) => [tenantId, r.datasetId, r.primary.ns, r.primary.id, batchId, r.text, now]));
    // A record replaces its fragment whole, so its identity rows are replaced too. One delete per fragment: a
    // multi-row form is either a join on a VALUES list (which PostgreSQL, its statistics lagging, may hash against the
    // whole table) or a long OR (which it takes milliseconds to plan).
    for (const r of slice) await tx.run(CLEAR_IDENTITIES, [tenantId, r.datasetId, r.primary.ns, r.primary.id]);
    counts.fragments += slice.length;
  }
  const rows = fragments.flatMap((r) => r.identities.map((i) => [tenantId, i.namespace, i.id, r.datasetId, r.primary.ns, r.primary.id] as const));
  for (const slice of chunks(rows, ROWS)) await tx.run(`${INSERT_IDENTITIES} ${slice.map(() => tuple(6)).join(', ')} ON CONFLICT DO NOTHING`, slice.flat());
  return counts;
}

const keyOf = (r: WritableRecord) =>
  r.kind === 'fragment' ? `f\u0000${r.datasetId}\u0000${r.primary.ns}\u0000${r.primary.id}` : `e\u0000${r.datasetId}\u0000${r.eventId}`;

/**
 * One write per row key (the last record for a fragment wins, as it would written in order), in key order: concurrent
 * transactions then take row locks in the same order and cannot deadlock each other.
 */
function inLockOrder(records: readonly WritableRecord[]): WritableRecord[] {
  const last = new Map<string, WritableRecord>();
  for (const r of records) {
    const key = keyOf(r);
    // Events keep their first occurrence: a replayed _id is a duplicate, never an update.
    if (r.kind === 'event' && last.has(key)) continue;
    last.set(key, r);
  }
  return [...last.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}
