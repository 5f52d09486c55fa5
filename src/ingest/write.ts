/** The profile-store writes of one transaction: fragment upserts with their identity rows, idempotent event inserts. */
import { type SqlExecutor, hot, rowsStatement } from '../store/db.js';
import type { WritableRecord } from './prepare.js';

/** What a write did: fragments written and events newly stored (replayed `_id`s are not counted twice). */
export interface WriteCounts {
  fragments: number;
  eventsInserted: number;
  eventsDuplicate: number;
}

/** The counts, and (when asked for) the events newly stored, by dataset (replays left out): derived state folds exactly these in. */
export interface WriteResult extends WriteCounts {
  newEvents?: Record<string, string[]>;
}

const UPSERT_FRAGMENTS = rowsStatement(
  `INSERT INTO fragments (tenant_id, dataset_id, primary_ns, primary_id, batch_id, data, ingested_at) @rows
   ON CONFLICT (tenant_id, dataset_id, primary_ns, primary_id) DO UPDATE SET batch_id = excluded.batch_id, data = excluded.data, ingested_at = excluded.ingested_at`,
  ['bigint', 'text', 'text', 'text', 'text', 'text', 'bigint'],
);
// Run once per fragment: prepared once per connection on PostgreSQL rather than planned per call.
const CLEAR_IDENTITIES = hot('DELETE FROM record_identities WHERE tenant_id = ? AND dataset_id = ? AND primary_ns = ? AND primary_id = ?');
const INSERT_IDENTITIES = rowsStatement(
  'INSERT INTO record_identities (tenant_id, ns, id, dataset_id, primary_ns, primary_id) @rows ON CONFLICT DO NOTHING',
  ['bigint', 'text', 'text', 'text', 'text', 'text'],
);
const EVENT_INSERT = 'INSERT INTO events (tenant_id, dataset_id, event_id, primary_ns, primary_id, ts, batch_id, data, ingested_at) @rows ON CONFLICT (tenant_id, dataset_id, event_id) DO NOTHING';
const EVENT_COLUMNS = ['bigint', 'text', 'text', 'text', 'text', 'bigint', 'text', 'text', 'bigint'] as const;
const INSERT_EVENTS = rowsStatement(EVENT_INSERT, EVENT_COLUMNS);
// Where something folds new events in (computed attributes), the insert says which ones it stored.
const INSERT_EVENTS_NAMED = rowsStatement(`${EVENT_INSERT} RETURNING dataset_id, event_id`, EVENT_COLUMNS);

/** Writes prepared records inside the caller's transaction. */
export async function writeRecords(
  tx: SqlExecutor,
  tenantId: number,
  records: readonly WritableRecord[],
  batchId: string | null,
  now: number,
  nameEvents = false,
): Promise<WriteResult> {
  const counts: WriteResult = { fragments: 0, eventsInserted: 0, eventsDuplicate: 0 };
  const ordered = inLockOrder(records);
  // Rows are written many to a statement: one round trip for all of them on PostgreSQL, a few chunks on SQLite.
  const events = ordered.filter((r) => r.kind === 'event');
  const rows = events.map((r) => [tenantId, r.datasetId, r.eventId!, r.primary.ns, r.primary.id, r.ts!, batchId, r.text, now]);
  if (nameEvents) {
    const newEvents: Record<string, string[]> = {};
    const inserted = await tx.valuesRows<[string, string]>(INSERT_EVENTS_NAMED, [], rows);
    for (const [datasetId, eventId] of inserted) (newEvents[datasetId] ??= []).push(eventId);
    counts.newEvents = newEvents;
    counts.eventsInserted = inserted.length;
  } else counts.eventsInserted = (await tx.runRows(INSERT_EVENTS, [], rows)).changes;
  counts.eventsDuplicate = events.length - counts.eventsInserted;
  const fragments = ordered.filter((r) => r.kind === 'fragment');
  await tx.runRows(UPSERT_FRAGMENTS, [], fragments.map((r) => [tenantId, r.datasetId, r.primary.ns, r.primary.id, batchId, r.text, now]));
  // A record replaces its fragment whole, so its identity rows are replaced too. One delete per fragment: a
  // multi-row form is either a join on a VALUES list (which PostgreSQL, its statistics lagging, may hash against the
  // whole table) or a long OR (which it takes milliseconds to plan).
  for (const r of fragments) await tx.run(CLEAR_IDENTITIES, [tenantId, r.datasetId, r.primary.ns, r.primary.id]);
  counts.fragments = fragments.length;
  await tx.runRows(INSERT_IDENTITIES, [], fragments.flatMap((r) => r.identities.map((i) => [tenantId, i.namespace, i.id, r.datasetId, r.primary.ns, r.primary.id])));
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
