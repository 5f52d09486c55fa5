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
function where(scope: Scope, alias: string): { join: string; sql: string; params: (string | number)[] } {
  const values = scope.keys.map(() => '(?, ?)').join(', ');
  return { join: '', sql: `(${alias}.primary_ns, ${alias}.primary_id) IN (VALUES ${values})`, params: scope.keys.flatMap((k) => [k.ns, k.id]) };
}

/** The fragments of a person. */
export async function fragmentsOf(db: SqlExecutor, tenantId: number, scope: Scope): Promise<FragmentRow[]> {
  const w = where(scope, 'f');
  return db.all<FragmentRow>(
    `SELECT f.dataset_id, f.primary_ns, f.primary_id, f.data, f.ingested_at FROM fragments f ${w.join} WHERE f.tenant_id = ? AND ${w.sql}`,
    [tenantId, ...w.params],
  );
}

/** Whether a person has any event at all (a profile may consist of events only). */
export async function hasEvents(db: SqlExecutor, tenantId: number, scope: Scope): Promise<boolean> {
  const w = where(scope, 'e');
  return (await db.get(`SELECT 1 AS x FROM events e ${w.join} WHERE e.tenant_id = ? AND ${w.sql} LIMIT 1`, [tenantId, ...w.params])) !== undefined;
}

/** A position in the (timestamp, dataset, _id) order events are paged in. */
export type EventCursor = readonly [number, string, string];

/** Up to `limit` events of a person in time order after `after`, within [startTime, endTime) and the given datasets. */
export async function eventsOf(
  db: SqlExecutor,
  tenantId: number,
  scope: Scope,
  q: { startTime?: number; endTime?: number; descending: boolean; after?: EventCursor; limit: number; datasets?: readonly string[] },
): Promise<EventRow[]> {
  const w = where(scope, 'e');
  const clauses = [`e.tenant_id = ?`, w.sql];
  const params: (string | number)[] = [tenantId, ...w.params];
  if (q.startTime !== undefined) clauses.push('e.ts >= ?'), params.push(q.startTime);
  if (q.endTime !== undefined) clauses.push('e.ts < ?'), params.push(q.endTime);
  if (q.datasets) {
    if (q.datasets.length === 0) return [];
    clauses.push(`e.dataset_id IN (${q.datasets.map(() => '?').join(', ')})`);
    params.push(...q.datasets);
  }
  if (q.after) {
    clauses.push(`(e.ts, e.dataset_id, e.event_id) ${q.descending ? '<' : '>'} (?, ?, ?)`);
    params.push(...q.after);
  }
  const dir = q.descending ? 'DESC' : 'ASC';
  return db.all<EventRow>(
    `SELECT e.dataset_id, e.event_id, e.primary_ns, e.primary_id, e.ts, e.data, e.ingested_at FROM events e ${w.join}
     WHERE ${clauses.join(' AND ')} ORDER BY e.ts ${dir}, e.dataset_id ${dir}, e.event_id ${dir} LIMIT ?`,
    [...params, q.limit],
  );
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
