/** Reads of the profile store: a person's fragments and events, by identity or by identity cluster. */
import { type SqlExecutor, hot } from '../store/db.js';
import { chunks } from '../shared/chunks.js';
import type { IdentityKey } from '../identity/graph.store.js';

/** A stored fragment row. */
export interface FragmentRow {
  dataset_id: string;
  primary_ns: string;
  primary_id: string;
  data: string;
  ingested_at: number;
}

/** A stored event row, as a page reads it (the stored JSON stays text until someone needs its fields). */
export interface EventRow {
  dataset_id: string;
  event_id: string;
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
    `SELECT f.dataset_id, f.primary_ns, f.primary_id, f.data, f.ingested_at FROM fragments f WHERE f.tenant_id = ? AND ${w.sql} ORDER BY f.primary_ns, f.primary_id, f.dataset_id`,
    [tenantId, ...w.params],
  );
}

/**
 * A person under a `pdg` policy in one read: every member of the identity's cluster, in arrival order, and the
 * fragments whose primary identity is one of them. Empty when the graph has not seen the identity.
 */
export async function clusterFragmentsOf(db: SqlExecutor, tenantId: number, key: IdentityKey): Promise<ClusterFragments> {
  const person: ClusterFragments = { members: [], fragments: [] };
  for (const row of await db.values<MemberRow>(CLUSTER_FRAGMENTS, [tenantId, tenantId, key.ns, key.id])) addMemberRow(person, row);
  return person;
}

/** A cluster's members in arrival order and the fragments whose primary identity is one of them. */
export interface ClusterFragments {
  readonly members: IdentityKey[];
  readonly fragments: FragmentRow[];
}

/** A member with one of its fragments (or none): namespace, id, dataset, data, ingested at. */
type MemberRow = [string, string, string | null, string | null, number | null];

/** Folds a (member, fragment) row in (seq, member, dataset) order into its person. */
function addMemberRow(person: ClusterFragments, [ns, id, datasetId, data, at]: MemberRow): void {
  const last = person.members[person.members.length - 1];
  if (last === undefined || last.ns !== ns || last.id !== id) person.members.push({ ns, id });
  if (datasetId !== null) person.fragments.push({ dataset_id: datasetId, primary_ns: ns, primary_id: id, data: data!, ingested_at: Number(at) });
}

/**
 * Members and fragments of many clusters, each as `clusterFragmentsOf` reads one; without `withData` the fragments'
 * data is left empty (what a graph change moved needs only their keys).
 */
export async function fragmentsOfClusters(tx: SqlExecutor, tenantId: number, clusters: readonly string[], withData = true): Promise<Map<string, ClusterFragments>> {
  const out = new Map<string, ClusterFragments>();
  for (const slice of chunks(clusters, 100)) {
    const rows = await tx.values<[string, ...MemberRow]>(
      `SELECT m.cluster_id, m.ns, m.id, f.dataset_id, ${withData ? 'f.data' : "''"}, f.ingested_at FROM identities m
       LEFT JOIN fragments f ON f.tenant_id = m.tenant_id AND f.primary_ns = m.ns AND f.primary_id = m.id
       WHERE m.tenant_id = ? AND m.cluster_id IN (${slice.map(() => '?').join(', ')})
       ORDER BY m.cluster_id, m.seq, m.ns, m.id, f.dataset_id`,
      [tenantId, ...slice],
    );
    for (const [cluster, ...row] of rows) {
      let person = out.get(cluster);
      if (!person) out.set(cluster, (person = { members: [], fragments: [] }));
      addMemberRow(person, row);
    }
  }
  return out;
}

// Members come from the cluster index and each member's fragments from the (tenant, primary identity) index; the
// cluster is a scalar subquery on the identity's primary key, so neither planner's choice depends on statistics.
const CLUSTER_FRAGMENTS = hot(`SELECT m.ns, m.id, f.dataset_id, f.data, f.ingested_at
  FROM identities m
  LEFT JOIN fragments f ON f.tenant_id = m.tenant_id AND f.primary_ns = m.ns AND f.primary_id = m.id
  WHERE m.tenant_id = ? AND m.cluster_id = (SELECT cluster_id FROM identities WHERE tenant_id = ? AND ns = ? AND id = ?)
  ORDER BY m.seq, m.ns, m.id, f.dataset_id`);

/** Whether a person has any event at all (a profile may consist of events only). */
export async function hasEvents(db: SqlExecutor, tenantId: number, scope: Scope): Promise<boolean> {
  const w = where(scope, 'e');
  return (await db.get(`SELECT 1 AS x FROM events e WHERE e.tenant_id = ? AND ${w.sql} LIMIT 1`, [tenantId, ...w.params])) !== undefined;
}

/** A position in the (timestamp, dataset, _id) order events are paged in. */
export type EventCursor = readonly [number, string, string];

/**
 * Up to `limit` events of a person in (timestamp, dataset, _id) order after `after`, within [startTime, endTime) and
 * the given datasets. Each identity reads at most `limit` rows straight from its page-order index, and the database
 * merges those runs (its collation decides ties, as the page cursor does), so a page costs at most `limit` rows per
 * identity however many events the person has.
 */
export async function eventsOf(
  db: SqlExecutor,
  tenantId: number,
  scope: Scope,
  q: { startTime?: number; endTime?: number; descending: boolean; after?: EventCursor; limit: number; datasets?: readonly string[] },
): Promise<EventRow[]> {
  if (scope.keys.length === 0 || (q.datasets && q.datasets.length === 0)) return [];
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
  const arm = `SELECT dataset_id, event_id, ts, data, ingested_at FROM events WHERE ${clauses.join(' AND ')} ${order}`;
  const args = (k: IdentityKey) => [tenantId, k.ns, k.id, ...extra, q.limit];
  // A page is many rows: read them as arrays, which the drivers build far faster than objects.
  const read = async (sql: string, params: (string | number)[]) =>
    (await db.values<[string, string, number, string, number]>(sql, params)).map(([d, e, ts, data, at]) => ({ dataset_id: d, event_id: e, ts: Number(ts), data, ingested_at: Number(at) }));
  if (scope.keys.length === 1) return read(arm, args(scope.keys[0]!));
  // Most people's events sit under one or two of their identities (a device id, a CRM id): find which, so the
  // merge of runs (a sort of whole rows) happens only when more than one identity has any.
  const exists = scope.keys.map(() => 'SELECT CAST(? AS INTEGER) AS i WHERE EXISTS (SELECT 1 FROM events WHERE tenant_id = ? AND primary_ns = ? AND primary_id = ?)').join(' UNION ALL ');
  const found = await db.all<{ i: number }>(exists, scope.keys.flatMap((k, i) => [i, tenantId, k.ns, k.id]));
  const keys = found.map((r) => scope.keys[Number(r.i)]!);
  if (keys.length <= 1) return keys.length === 0 ? [] : read(arm, args(keys[0]!));
  const sql = keys.map((_, i) => `SELECT * FROM (${arm}) AS a${i}`).join(' UNION ALL ');
  return read(`${sql} ${order}`, [...keys.flatMap(args), q.limit]);
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
