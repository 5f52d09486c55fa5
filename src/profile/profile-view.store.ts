/** Rows of materialized unified profiles, and the reads that rebuild them: by cluster, by identity, one statement each. */
import { type SqlExecutor, hot } from '../store/db.js';
import type { IdentityKey } from '../identity/graph.store.js';
import type { FragmentRow } from './profile.store.js';
import { chunks } from '../shared/chunks.js';

/** What a lookup reads of a materialized profile. */
export interface ViewAnswer {
  readonly version: number;
  /** `JSON.stringify` of the merged entity, without `identities`. */
  readonly entity: string;
  /** JSON array of the datasets the fragments came from, in merge order. */
  readonly sources: string;
  readonly modifiedAt: number;
  /** The `identities` list as answered: the members in arrival order, `primary` where the merge says. */
  readonly identities: string;
  readonly memberCount: number;
}

/** One materialized profile: a person's merge under one policy at one version, for one view key. */
export interface ViewRow extends ViewAnswer {
  readonly policyId: string;
  readonly key: string;
  /** JSON array of `ns\0id` keys the merged identityMap marks primary (to rewrite `identities` without a merge). */
  readonly primaries: string;
  /** Fingerprint of the fragment rows merged: equal after a graph change means only the member list moved. */
  readonly fragments: string;
}

/**
 * The view key of an identity under a `none` policy: 'i', the namespace's length, ':', namespace and id (unambiguous,
 * and free of NUL, which PostgreSQL text refuses). Cluster ids (pdg) always start with 'c', so the two never meet.
 */
export function identityViewKey(k: IdentityKey): string {
  return `i${k.ns.length}:${k.ns}${k.id}`;
}

/** The identity a `none` policy's view key names (the inverse of identityViewKey). */
export function viewKeyIdentity(key: string): IdentityKey {
  const colon = key.indexOf(':');
  const length = Number(key.slice(1, colon));
  return { ns: key.slice(colon + 1, colon + 1 + length), id: key.slice(colon + 1 + length) };
}

/** Rows per multi-row statement, inside both backends' bound-parameter limits. */
const CHUNK = 300;

const marks = (n: number, each: string) => Array.from({ length: n }, () => each).join(', ');

// Two primary-key probes: the scalar subquery on the identity's key gives both planners one plan, whatever the tables'
// statistics say, and the member list is in the row, so no sort or member scan is needed.
const CLUSTER_VIEW = hot(`SELECT version, entity, sources, modified_at, identities, member_count FROM profile_views
  WHERE tenant_id = ? AND policy_id = ? AND view_key = (SELECT cluster_id FROM identities WHERE tenant_id = ? AND ns = ? AND id = ?)`);

const IDENTITY_VIEW = hot('SELECT version, entity, sources, modified_at, identities, member_count FROM profile_views WHERE tenant_id = ? AND policy_id = ? AND view_key = ?');

type AnswerCells = [number, string, string, number, string, number];

const answerOf = (r: AnswerCells | undefined): ViewAnswer | undefined =>
  r && { version: Number(r[0]), entity: r[1], sources: r[2], modifiedAt: Number(r[3]), identities: r[4], memberCount: Number(r[5]) };

/** The materialized profile of `key`'s person under a policy: by its cluster (pdg) or by the identity itself (none). */
export async function readView(db: SqlExecutor, tenantId: number, policyId: string, key: IdentityKey, graph: 'pdg' | 'none'): Promise<ViewAnswer | undefined> {
  const rows =
    graph === 'pdg'
      ? await db.values<AnswerCells>(CLUSTER_VIEW, [tenantId, policyId, tenantId, key.ns, key.id])
      : await db.values<AnswerCells>(IDENTITY_VIEW, [tenantId, policyId, identityViewKey(key)]);
  return answerOf(rows[0]);
}

/** Writes view rows, replacing what the same (policy, key) held. */
export async function upsertViews(tx: SqlExecutor, tenantId: number, rows: readonly ViewRow[]): Promise<void> {
  for (const slice of chunks(rows, 80)) {
    await tx.run(
      `INSERT INTO profile_views (tenant_id, policy_id, view_key, version, entity, sources, primaries, modified_at, identities, member_count, fragments)
       VALUES ${marks(slice.length, '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')}
       ON CONFLICT (tenant_id, policy_id, view_key) DO UPDATE SET version = excluded.version, entity = excluded.entity,
         sources = excluded.sources, primaries = excluded.primaries, modified_at = excluded.modified_at,
         identities = excluded.identities, member_count = excluded.member_count, fragments = excluded.fragments`,
      slice.flatMap((r) => [tenantId, r.policyId, r.key, r.version, r.entity, r.sources, r.primaries, r.modifiedAt, r.identities, r.memberCount, r.fragments]),
    );
  }
}

/** Removes the rows of these view keys, under every policy or only the listed ones. */
export async function deleteViews(tx: SqlExecutor, tenantId: number, keys: readonly string[], policyIds?: readonly string[]): Promise<void> {
  const only = policyIds === undefined ? '' : ` AND policy_id IN (${marks(policyIds.length, '?')})`;
  if (policyIds?.length === 0) return;
  for (const slice of chunks(keys, CHUNK)) {
    await tx.run(`DELETE FROM profile_views WHERE tenant_id = ? AND view_key IN (${marks(slice.length, '?')})${only}`, [tenantId, ...slice, ...(policyIds ?? [])]);
  }
}

/** The rows of these clusters, by cluster: what rewriting their member lists needs. */
export async function clusterRows(tx: SqlExecutor, tenantId: number, clusters: readonly string[]): Promise<Map<string, Array<{ policyId: string; primaries: string; fragments: string }>>> {
  const out = new Map<string, Array<{ policyId: string; primaries: string; fragments: string }>>();
  for (const slice of chunks(clusters, CHUNK)) {
    const rows = await tx.values<[string, string, string, string]>(
      `SELECT view_key, policy_id, primaries, fragments FROM profile_views WHERE tenant_id = ? AND view_key IN (${marks(slice.length, '?')})`,
      [tenantId, ...slice],
    );
    for (const [cluster, policyId, primaries, fragments] of rows) out.set(cluster, [...(out.get(cluster) ?? []), { policyId, primaries, fragments }]);
  }
  return out;
}

/** Replaces the member list of one row. */
export async function setMembers(tx: SqlExecutor, tenantId: number, policyId: string, cluster: string, identities: string, memberCount: number): Promise<void> {
  await tx.run('UPDATE profile_views SET identities = ?, member_count = ? WHERE tenant_id = ? AND policy_id = ? AND view_key = ?', [identities, memberCount, tenantId, policyId, cluster]);
}

/** Which (policy, key) rows among `keys` are at their policy's version, as `policyId\0key`. */
export async function currentViews(tx: SqlExecutor, tenantId: number, keys: readonly string[], policies: ReadonlyArray<{ id: string; version: number }>): Promise<Set<string>> {
  const version = new Map(policies.map((p) => [p.id, p.version]));
  const out = new Set<string>();
  for (const slice of chunks(keys, CHUNK)) {
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

/** A fragment row's key as fingerprints list it. */
export function fragmentKey(datasetId: string, ns: string, id: string): string {
  return JSON.stringify([datasetId, ns, id]);
}

/** The fragments of each identity as its own person (a `none` policy), in dataset order. */
export async function fragmentsOfIdentities(tx: SqlExecutor, tenantId: number, keys: readonly IdentityKey[]): Promise<Map<string, FragmentRow[]>> {
  const out = new Map<string, FragmentRow[]>();
  for (const slice of chunks(keys, CHUNK)) {
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

/** A page of the primary identities that hold fragments, after `after`, in (namespace, id) order. */
export async function primaryPage(tx: SqlExecutor, tenantId: number, after: IdentityKey | undefined, limit: number): Promise<IdentityKey[]> {
  const rows = await tx.values<[string, string]>(
    `SELECT DISTINCT primary_ns, primary_id FROM fragments WHERE tenant_id = ?${after ? ' AND (primary_ns, primary_id) > (?, ?)' : ''} ORDER BY primary_ns, primary_id LIMIT ?`,
    after ? [tenantId, after.ns, after.id, limit] : [tenantId, limit],
  );
  return rows.map(([ns, id]) => ({ ns, id }));
}
