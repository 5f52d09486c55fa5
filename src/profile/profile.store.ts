/** Reads of the profile store: a person's fragments and events, by identity or by identity cluster. */
import type { SqlExecutor } from '../store/db.js';
import type { IdentityKey } from '../identity/graph.store.js';

/** A stored fragment row. */
export interface FragmentRow {
  dataset_id: string;
  primary_ns: string;
  primary_id: string;
  data: string;
  ingested_at: number;
}

/** A stored event row. */
export interface EventRow {
  dataset_id: string;
  event_id: string;
  primary_ns: string;
  primary_id: string;
  ts: number;
  data: string;
  ingested_at: number;
}

/** Where a person's records are: the identities whose records count (one under `none`, the cluster's under `pdg`). */
export interface Scope {
  readonly keys: readonly IdentityKey[];
}

/**
 * A row-value IN list (the graph caps it at 50 identities), which both planners answer from the
 * (tenant, primary identity) index; a join through the cluster, or ORs, let SQLite scan the whole sandbox instead.
 */
function where(scope: Scope, alias: string): { sql: string; params: (string | number)[] } {
  const values = scope.keys.map(() => '(?, ?)').join(', ');
  return { sql: `(${alias}.primary_ns, ${alias}.primary_id) IN (VALUES ${values})`, params: scope.keys.flatMap((k) => [k.ns, k.id]) };
}

/** The fragments of a person. */
export async function fragmentsOf(db: SqlExecutor, tenantId: number, scope: Scope): Promise<FragmentRow[]> {
  const w = where(scope, 'f');
  return db.all<FragmentRow>(
    `SELECT f.dataset_id, f.primary_ns, f.primary_id, f.data, f.ingested_at FROM fragments f WHERE f.tenant_id = ? AND ${w.sql}`,
    [tenantId, ...w.params],
  );
}

/** Whether a person has any event at all (a profile may consist of events only). */
export async function hasEvents(db: SqlExecutor, tenantId: number, scope: Scope): Promise<boolean> {
  const w = where(scope, 'e');
  return (await db.get(`SELECT 1 AS x FROM events e WHERE e.tenant_id = ? AND ${w.sql} LIMIT 1`, [tenantId, ...w.params])) !== undefined;
}

/** A position in the (timestamp, dataset, _id) order events are paged in. */
export type EventCursor = readonly [number, string, string];

/**
 * Up to `limit` events of a person in (timestamp, dataset, _id) order after `after`, within [startTime, endTime) and
 * the given datasets. The order is always the database's (its collation decides ties, as the page cursor does). One
 * identity reads its page straight from the index in order; several read the page's keys first (a sort of small
 * rows), then those rows' stored JSON.
 */
export async function eventsOf(
  db: SqlExecutor,
  tenantId: number,
  scope: Scope,
  q: { startTime?: number; endTime?: number; descending: boolean; after?: EventCursor; limit: number; datasets?: readonly string[] },
): Promise<EventRow[]> {
  if (q.datasets && q.datasets.length === 0) return [];
  const clauses = ['tenant_id = ?', 'primary_ns = ?', 'primary_id = ?'];
  const extra: (string | number)[] = [];
  if (q.startTime !== undefined) clauses.push('ts >= ?'), extra.push(q.startTime);
  if (q.endTime !== undefined) clauses.push('ts < ?'), extra.push(q.endTime);
  if (q.datasets) {
    clauses.push(`dataset_id IN (${q.datasets.map(() => '?').join(', ')})`);
    extra.push(...q.datasets);
  }
  if (q.after) {
    clauses.push(`(ts, dataset_id, event_id) ${q.descending ? '<' : '>'} (?, ?, ?)`);
    extra.push(...q.after);
  }
  const dir = q.descending ? 'DESC' : 'ASC';
  const order = `ORDER BY ts ${dir}, dataset_id ${dir}, event_id ${dir} LIMIT ?`;
  const columns = 'dataset_id, event_id, primary_ns, primary_id, ts, data, ingested_at';
  if (scope.keys.length === 1) {
    const k = scope.keys[0]!;
    return db.all<EventRow>(`SELECT ${columns} FROM events WHERE ${clauses.join(' AND ')} ${order}`, [tenantId, k.ns, k.id, ...extra, q.limit]);
  }
  const w = where(scope, 'e');
  const many = ['e.tenant_id = ?', w.sql, ...clauses.slice(3)];
  const keys = await db.all<{ dataset_id: string; event_id: string }>(
    `SELECT dataset_id, event_id FROM events e WHERE ${many.join(' AND ')} ${order}`,
    [tenantId, ...w.params, ...extra, q.limit],
  );
  if (keys.length === 0) return [];
  const rows = await db.all<EventRow>(
    `SELECT ${columns} FROM events WHERE tenant_id = ? AND (dataset_id, event_id) IN (VALUES ${keys.map(() => '(?, ?)').join(', ')})`,
    [tenantId, ...keys.flatMap((k) => [k.dataset_id, k.event_id])],
  );
  const byKey = new Map(rows.map((r) => [`${r.dataset_id}\u0000${r.event_id}`, r]));
  return keys.map((k) => byKey.get(`${k.dataset_id}\u0000${k.event_id}`)).filter((r): r is EventRow => r !== undefined);
}


/** Deletes a person's fragments, their identity rows and events; returns how many records went. */
export async function deletePerson(tx: SqlExecutor, tenantId: number, keys: readonly IdentityKey[]): Promise<number> {
  let n = 0;
  for (const k of keys) {
    n += (await tx.run('DELETE FROM fragments WHERE tenant_id = ? AND primary_ns = ? AND primary_id = ?', [tenantId, k.ns, k.id])).changes;
    await tx.run('DELETE FROM record_identities WHERE tenant_id = ? AND primary_ns = ? AND primary_id = ?', [tenantId, k.ns, k.id]);
    n += (await tx.run('DELETE FROM events WHERE tenant_id = ? AND primary_ns = ? AND primary_id = ?', [tenantId, k.ns, k.id])).changes;
  }
  return n;
}
