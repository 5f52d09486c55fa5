/** Rows of materialized unified profiles, and the reads that rebuild them: by cluster, by identity, one statement each. */
import type { SqlExecutor } from '../store/db.js';
import type { IdentityKey } from '../identity/graph.store.js';
import type { FragmentRow } from './profile.store.js';

/** One materialized profile: the merged entity as JSON text, under one policy at one version, for one view key. */
export interface ViewRow {
  readonly policyId: string;
  readonly key: string;
  readonly version: number;
  /** `JSON.stringify` of the merged entity (without `identities`, which come from the live member list). */
  readonly entity: string;
  /** JSON array of the datasets the fragments came from, in merge order. */
  readonly sources: string;
  /** JSON array of `ns\0id` keys the merged identityMap marks primary. */
  readonly primaries: string;
  readonly modifiedAt: number;
}

/** A lookup's answer from the view table: the row (if any) and the person's members in arrival order. */
export interface ViewHit {
  readonly row: Omit<ViewRow, 'policyId' | 'key'> | undefined;
  readonly members: IdentityKey[];
}

/**
 * The view key of an identity under a `none` policy: 'i', the namespace's length, ':', namespace and id (unambiguous,
 * and free of NUL, which PostgreSQL text refuses). Cluster ids (pdg) always start with 'c', so the two never meet.
 */
export function identityViewKey(k: IdentityKey): string {
  return `i${k.ns.length}:${k.ns}${k.id}`;
}

/** Rows per multi-row statement, inside both backends' bound-parameter limits. */
const CHUNK = 300;

function* chunks<T>(all: readonly T[], size = CHUNK): Generator<readonly T[]> {
  for (let i = 0; i < all.length; i += size) yield all.slice(i, i + size);
}

const marks = (n: number, each: string) => Array.from({ length: n }, () => each).join(', ');

// The view row and the members of the identity's cluster in one statement: the scalar subquery on the identity's
// primary key gives both planners one plan, whatever the tables' statistics say.
const CLUSTER_VIEW = `SELECT 0 AS o, v.entity AS a, v.sources AS b, v.primaries AS c, v.version AS d, v.modified_at AS e
  FROM profile_views v
  WHERE v.tenant_id = ? AND v.policy_id = ? AND v.view_key = (SELECT cluster_id FROM identities WHERE tenant_id = ? AND ns = ? AND id = ?)
  UNION ALL
  SELECT 1, m.ns, m.id, NULL, m.seq, NULL FROM identities m
  WHERE m.tenant_id = ? AND m.cluster_id = (SELECT cluster_id FROM identities WHERE tenant_id = ? AND ns = ? AND id = ?)
  ORDER BY 1, 5, 2, 3`;

const IDENTITY_VIEW = 'SELECT entity, sources, primaries, version, modified_at FROM profile_views WHERE tenant_id = ? AND policy_id = ? AND view_key = ?';

type Cell = string | number | null;

/** The materialized profile of `key`'s person under a pdg policy, with the cluster's members; none when not in the graph. */
export async function readClusterView(db: SqlExecutor, tenantId: number, policyId: string, key: IdentityKey): Promise<ViewHit> {
  const rows = await db.values<[number, Cell, Cell, Cell, Cell, Cell]>(CLUSTER_VIEW, [tenantId, policyId, tenantId, key.ns, key.id, tenantId, tenantId, key.ns, key.id]);
  let row: ViewHit['row'];
  const members: IdentityKey[] = [];
  for (const [o, a, b, c, d, e] of rows) {
    if (Number(o) === 0) row = { entity: a as string, sources: b as string, primaries: c as string, version: Number(d), modifiedAt: Number(e) };
    else members.push({ ns: a as string, id: b as string });
  }
  return { row, members };
}

/** The materialized profile of one identity under a `none` policy. */
export async function readIdentityView(db: SqlExecutor, tenantId: number, policyId: string, key: IdentityKey): Promise<ViewHit> {
  const r = await db.values<[string, string, string, number, number]>(IDENTITY_VIEW, [tenantId, policyId, identityViewKey(key)]);
  const [entity, sources, primaries, version, modifiedAt] = r[0] ?? [];
  return { row: entity === undefined ? undefined : { entity, sources: sources!, primaries: primaries!, version: Number(version), modifiedAt: Number(modifiedAt) }, members: [key] };
}

/** Writes view rows, replacing what the same (policy, key) held. */
export async function upsertViews(tx: SqlExecutor, tenantId: number, rows: readonly ViewRow[]): Promise<void> {
  for (const slice of chunks(rows, 150)) {
    await tx.run(
      `INSERT INTO profile_views (tenant_id, policy_id, view_key, version, entity, sources, primaries, modified_at) VALUES ${marks(slice.length, '(?, ?, ?, ?, ?, ?, ?, ?)')}
       ON CONFLICT (tenant_id, policy_id, view_key) DO UPDATE SET version = excluded.version, entity = excluded.entity,
         sources = excluded.sources, primaries = excluded.primaries, modified_at = excluded.modified_at`,
      slice.flatMap((r) => [tenantId, r.policyId, r.key, r.version, r.entity, r.sources, r.primaries, r.modifiedAt]),
    );
  }
}

/** Removes the rows of these view keys, under every policy or only the listed ones. */
export async function deleteViews(tx: SqlExecutor, tenantId: number, keys: readonly string[], policyIds?: readonly string[]): Promise<void> {
  const only = policyIds === undefined ? '' : ` AND policy_id IN (${marks(policyIds.length, '?')})`;
  if (policyIds?.length === 0) return;
  for (const slice of chunks(keys)) {
    await tx.run(`DELETE FROM profile_views WHERE tenant_id = ? AND view_key IN (${marks(slice.length, '?')})${only}`, [tenantId, ...slice, ...(policyIds ?? [])]);
  }
}

/** Which (policy, key) rows among `keys` are at their policy's version, as `policyId\0key`. */
export async function currentViews(tx: SqlExecutor, tenantId: number, keys: readonly string[], policies: ReadonlyArray<{ id: string; version: number }>): Promise<Set<string>> {
  const version = new Map(policies.map((p) => [p.id, p.version]));
  const out = new Set<string>();
  for (const slice of chunks(keys)) {
    const rows = await tx.values<[string, string, number]>(`SELECT policy_id, view_key, version FROM profile_views WHERE tenant_id = ? AND view_key IN (${marks(slice.length, '?')})`, [tenantId, ...slice]);
    for (const [policyId, key, v] of rows) if (version.get(policyId) === Number(v)) out.add(`${policyId}\u0000${key}`);
  }
  return out;
}

/** Removes every row of the sandbox but those of the listed (policy, version) pairs. */
export async function deleteViewsExcept(tx: SqlExecutor, tenantId: number, keep: ReadonlyArray<{ id: string; version: number }>): Promise<void> {
  const except = keep.map(() => 'NOT (policy_id = ? AND version = ?)').join(' AND ');
  await tx.run(`DELETE FROM profile_views WHERE tenant_id = ?${except === '' ? '' : ` AND ${except}`}`, [tenantId, ...keep.flatMap((p) => [p.id, p.version])]);
}

/** The current clusters of identities (those the graph has seen). */
export async function clustersOf(tx: SqlExecutor, tenantId: number, keys: readonly IdentityKey[]): Promise<string[]> {
  const out = new Set<string>();
  for (const slice of chunks(keys)) {
    const rows = await tx.values<[string]>(
      `SELECT DISTINCT cluster_id FROM identities WHERE tenant_id = ? AND (ns, id) IN (VALUES ${marks(slice.length, '(?, ?)')})`,
      [tenantId, ...slice.flatMap((k) => [k.ns, k.id])],
    );
    for (const [c] of rows) out.add(c);
  }
  return [...out];
}

/** A cluster's members in arrival order and the fragments whose primary identity is one of them (as lookups read them). */
export interface ClusterFragments {
  readonly members: IdentityKey[];
  readonly fragments: FragmentRow[];
}

/** Members and fragments of many clusters, in the order `clusterFragmentsOf` reads one. */
export async function fragmentsOfClusters(tx: SqlExecutor, tenantId: number, clusters: readonly string[]): Promise<Map<string, ClusterFragments>> {
  const out = new Map<string, ClusterFragments>();
  for (const slice of chunks(clusters, 100)) {
    const rows = await tx.values<[string, string, string, string | null, string | null, number | null]>(
      `SELECT m.cluster_id, m.ns, m.id, f.dataset_id, f.data, f.ingested_at FROM identities m
       LEFT JOIN fragments f ON f.tenant_id = m.tenant_id AND f.primary_ns = m.ns AND f.primary_id = m.id
       WHERE m.tenant_id = ? AND m.cluster_id IN (${marks(slice.length, '?')})
       ORDER BY m.cluster_id, m.seq, m.ns, m.id, f.dataset_id`,
      [tenantId, ...slice],
    );
    let last: IdentityKey | undefined;
    for (const [cluster, ns, id, datasetId, data, at] of rows) {
      let entry = out.get(cluster);
      if (!entry) out.set(cluster, (entry = { members: [], fragments: [] }));
      if (last === undefined || last.ns !== ns || last.id !== id || entry.members.length === 0) entry.members.push((last = { ns, id }));
      if (datasetId !== null) entry.fragments.push({ dataset_id: datasetId, primary_ns: ns, primary_id: id, data: data!, ingested_at: Number(at) });
    }
  }
  return out;
}

/** The fragments of each identity as its own person (a `none` policy), in dataset order. */
export async function fragmentsOfIdentities(tx: SqlExecutor, tenantId: number, keys: readonly IdentityKey[]): Promise<Map<string, FragmentRow[]>> {
  const out = new Map<string, FragmentRow[]>();
  for (const slice of chunks(keys)) {
    const rows = await tx.all<FragmentRow>(
      `SELECT dataset_id, primary_ns, primary_id, data, ingested_at FROM fragments
       WHERE tenant_id = ? AND (primary_ns, primary_id) IN (VALUES ${marks(slice.length, '(?, ?)')}) ORDER BY primary_ns, primary_id, dataset_id`,
      [tenantId, ...slice.flatMap((k) => [k.ns, k.id])],
    );
    for (const r of rows) {
      const key = identityViewKey({ ns: r.primary_ns, id: r.primary_id });
      const list = out.get(key);
      const row = { ...r, ingested_at: Number(r.ingested_at) };
      if (list) list.push(row);
      else out.set(key, [row]);
    }
  }
  return out;
}

/** A page of the sandbox's clusters after `after`, in id order (a policy's views are rebuilt page by page). */
export async function clusterPage(tx: SqlExecutor, tenantId: number, after: string, limit: number): Promise<string[]> {
  const rows = await tx.values<[string]>('SELECT DISTINCT cluster_id FROM identities WHERE tenant_id = ? AND cluster_id > ? ORDER BY cluster_id LIMIT ?', [tenantId, after, limit]);
  return rows.map(([c]) => c);
}

/** A page of the primary identities that hold fragments, after `after`, in (namespace, id) order. */
export async function primaryPage(tx: SqlExecutor, tenantId: number, after: IdentityKey | undefined, limit: number): Promise<IdentityKey[]> {
  const rows = await tx.values<[string, string]>(
    `SELECT DISTINCT primary_ns, primary_id FROM fragments WHERE tenant_id = ?${after ? ' AND (primary_ns, primary_id) > (?, ?)' : ''} ORDER BY primary_ns, primary_id LIMIT ?`,
    after ? [tenantId, after.ns, after.id, limit] : [tenantId, limit],
  );
  return rows.map(([ns, id]) => ({ ns, id }));
}
