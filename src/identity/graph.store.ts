/** Identity graph rows: identities with their cluster, links with their dataset and batch, guardrail events. */
import { randomBytes } from 'node:crypto';
import { type SqlExecutor, rowsStatement } from '../store/db.js';

/** An identity (namespace code + value). */
export interface IdentityKey {
  readonly ns: string;
  readonly id: string;
}

/** A member of a cluster with when it joined (its sequence number orders FIFO eviction). */
export interface Member extends IdentityKey {
  readonly seq: number;
  readonly firstSeen: number;
  readonly lastSeen: number;
}

/** A stored link between two identities from one dataset and batch. */
export interface Link {
  readonly a: IdentityKey;
  readonly b: IdentityKey;
  readonly datasetId: string;
  readonly batchId: string;
  readonly firstAt: number;
  readonly lastAt: number;
}

/** An identity as one string, for maps and sets (NUL cannot occur in a stored identity). */
export const keyOf = (k: IdentityKey): string => `${k.ns}\u0000${k.id}`;

/** Links are stored with their ends in a fixed order, so A–B and B–A are one row. */
export function ordered(x: IdentityKey, y: IdentityKey): [IdentityKey, IdentityKey] {
  return x.ns < y.ns || (x.ns === y.ns && x.id <= y.id) ? [x, y] : [y, x];
}

/** The cluster of an identity, or undefined when the graph has never seen it. */
export async function clusterOf(tx: SqlExecutor, tenantId: number, key: IdentityKey): Promise<string | undefined> {
  const row = await tx.get<{ cluster_id: string }>('SELECT cluster_id FROM identities WHERE tenant_id = ? AND ns = ? AND id = ?', [tenantId, key.ns, key.id]);
  return row?.cluster_id;
}

const CLUSTERS_OF = rowsStatement('SELECT cluster_id FROM identities WHERE tenant_id = ? AND (ns, id) IN (@rows)', ['text', 'text']);

/** The clusters the given identities belong to now (those the graph has seen), in one statement. */
export async function clustersOf(tx: SqlExecutor, tenantId: number, keys: readonly IdentityKey[]): Promise<string[]> {
  // No DISTINCT: with it SQLite walks the sandbox's cluster index instead of probing each key.
  const rows = await tx.valuesRows<[string]>(CLUSTERS_OF, [tenantId], keys.map((k) => [k.ns, k.id]));
  return [...new Set(rows.map(([c]) => c))];
}

const CLUSTER_OF_EACH = rowsStatement('SELECT ns, id, cluster_id FROM identities WHERE tenant_id = ? AND (ns, id) IN (@rows)', ['text', 'text']);

/** The cluster of each identity the graph has seen, keyed `ns \0 id` (`keyOf`), in one statement. */
export async function clusterOfEach(tx: SqlExecutor, tenantId: number, keys: readonly IdentityKey[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (keys.length === 0) return out;
  for (const [ns, id, cluster] of await tx.valuesRows<[string, string, string]>(CLUSTER_OF_EACH, [tenantId], keys.map((k) => [k.ns, k.id]))) out.set(keyOf({ ns, id }), cluster);
  return out;
}

/** A page of the sandbox's people (cluster ids after `after`, in id order): every job that walks everyone pages so. */
export async function clusterPage(tx: SqlExecutor, tenantId: number, after: string, limit: number): Promise<string[]> {
  const rows = await tx.values<[string]>('SELECT DISTINCT cluster_id FROM identities WHERE tenant_id = ? AND cluster_id > ? ORDER BY cluster_id LIMIT ?', [tenantId, after, limit]);
  return rows.map(([c]) => c);
}

let lastSeq = 0;

/**
 * An arrival number for FIFO eviction: epoch ms × 1000, strictly increasing within the process (a call adding more
 * than 1,000 identities in one millisecond borrows from the next). Taken without a round trip, so adding or
 * refreshing an identity is one statement; processes sharing a store interleave by time.
 */
export function arrivalSeq(now: number): number {
  lastSeq = Math.max(lastSeq + 1, now * 1000);
  return lastSeq;
}

let pool = Buffer.alloc(0);
let poolAt = 0;

/** Four random bytes as hex, from a pooled buffer: one randomBytes call per thousand ids instead of one each. */
function random4(): string {
  if (poolAt + 4 > pool.length) {
    pool = randomBytes(4096);
    poolAt = 0;
  }
  poolAt += 4;
  return pool.toString('hex', poolAt - 4, poolAt);
}

/** A fresh cluster id, unique without coordination. */
export function newClusterId(now: number): string {
  return `c${arrivalSeq(now).toString(36)}${random4()}`;
}

/** Adds an identity as its own cluster, or refreshes `last_seen`; returns its cluster. One statement either way. */
export async function ensureIdentity(tx: SqlExecutor, tenantId: number, key: IdentityKey, now: number): Promise<string> {
  const row = await tx.get<{ cluster_id: string }>(
    `INSERT INTO identities (tenant_id, ns, id, cluster_id, first_seen, last_seen, seq) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (tenant_id, ns, id) DO UPDATE SET last_seen = excluded.last_seen RETURNING cluster_id`,
    [tenantId, key.ns, key.id, newClusterId(now), now, now, arrivalSeq(now)],
  );
  return row!.cluster_id;
}

/** Every member of a cluster, oldest first. */
export async function members(tx: SqlExecutor, tenantId: number, cluster: string): Promise<Member[]> {
  const rows = await tx.all<{ ns: string; id: string; seq: number; first_seen: number; last_seen: number }>(
    'SELECT ns, id, seq, first_seen, last_seen FROM identities WHERE tenant_id = ? AND cluster_id = ? ORDER BY seq',
    [tenantId, cluster],
  );
  return rows.map((r) => ({ ns: r.ns, id: r.id, seq: Number(r.seq), firstSeen: Number(r.first_seen), lastSeen: Number(r.last_seen) }));
}

/** Every member of the identity's cluster in one read (empty when the graph has not seen it): the lookup hot path. */
export async function membersOfIdentity(db: SqlExecutor, tenantId: number, key: IdentityKey): Promise<Member[]> {
  const rows = await db.all<{ ns: string; id: string; seq: number; first_seen: number; last_seen: number }>(
    `SELECT m.ns, m.id, m.seq, m.first_seen, m.last_seen FROM identities k
     JOIN identities m ON m.tenant_id = k.tenant_id AND m.cluster_id = k.cluster_id
     WHERE k.tenant_id = ? AND k.ns = ? AND k.id = ? ORDER BY m.seq`,
    [tenantId, key.ns, key.id],
  );
  return rows.map((r) => ({ ns: r.ns, id: r.id, seq: Number(r.seq), firstSeen: Number(r.first_seen), lastSeen: Number(r.last_seen) }));
}

const IDENTITY_COLUMNS = ['bigint', 'text', 'text', 'text', 'bigint', 'bigint', 'bigint'] as const;
const INSERT_IDENTITIES = rowsStatement('INSERT INTO identities (tenant_id, ns, id, cluster_id, first_seen, last_seen, seq) @rows', IDENTITY_COLUMNS);
// Both are upserts on the primary key: every row is found through the key, whereas an UPDATE … FROM join let
// PostgreSQL, with statistics lagging a growing table, hash-join against every identity of the sandbox.
const MOVE_IDENTITIES = rowsStatement(
  'INSERT INTO identities (tenant_id, ns, id, cluster_id, first_seen, last_seen, seq) @rows ON CONFLICT (tenant_id, ns, id) DO UPDATE SET cluster_id = excluded.cluster_id',
  IDENTITY_COLUMNS,
);
const TOUCH_IDENTITIES = rowsStatement(
  'INSERT INTO identities (tenant_id, ns, id, cluster_id, first_seen, last_seen, seq) @rows ON CONFLICT (tenant_id, ns, id) DO UPDATE SET last_seen = excluded.last_seen',
  IDENTITY_COLUMNS,
);
const identityRows = (tenantId: number, rows: ReadonlyArray<readonly [Member, string]>) => rows.map(([m, c]) => [tenantId, m.ns, m.id, c, m.firstSeen, m.lastSeen, m.seq]);

/** Inserts identities new to the graph, each already in its cluster (the link session read that none exists). */
export async function insertIdentities(tx: SqlExecutor, tenantId: number, rows: ReadonlyArray<readonly [Member, string]>): Promise<void> {
  await tx.runRows(INSERT_IDENTITIES, [], identityRows(tenantId, rows));
}

/** Puts each member into its cluster in one statement. */
export async function moveTo(tx: SqlExecutor, tenantId: number, moves: ReadonlyArray<readonly [Member, string]>): Promise<void> {
  await tx.runRows(MOVE_IDENTITIES, [], identityRows(tenantId, moves));
}

/** Sets `last_seen` of stored identities to each member's. */
export async function touch(tx: SqlExecutor, tenantId: number, rows: ReadonlyArray<readonly [Member, string]>): Promise<void> {
  await tx.runRows(TOUCH_IDENTITIES, [], identityRows(tenantId, rows));
}

/** Moves the given identities into cluster `to`. */
export async function assign(tx: SqlExecutor, tenantId: number, keys: readonly IdentityKey[], to: string): Promise<void> {
  if (keys.length === 1) await tx.run('UPDATE identities SET cluster_id = ? WHERE tenant_id = ? AND ns = ? AND id = ?', [to, tenantId, keys[0]!.ns, keys[0]!.id]);
  else await tx.runRows(ASSIGN, [to, tenantId], keys.map((k) => [k.ns, k.id]));
}

const LINKS_FROM = rowsStatement('SELECT a_ns, a_id, b_ns, b_id FROM identity_links WHERE (tenant_id, a_ns, a_id) IN (@rows)', ['bigint', 'text', 'text']);
const ASSIGN = rowsStatement('UPDATE identities SET cluster_id = ? WHERE tenant_id = ? AND (ns, id) IN (@rows)', ['text', 'text']);

/** The members (oldest first) and links of many clusters: their members by the cluster index, then links by key. */
export async function clusterGraphs(tx: SqlExecutor, tenantId: number, clusters: readonly string[]): Promise<Map<string, { nodes: IdentityKey[]; edges: Array<[IdentityKey, IdentityKey]> }>> {
  const out = new Map<string, { nodes: IdentityKey[]; edges: Array<[IdentityKey, IdentityKey]> }>();
  const clusterOf = new Map<string, string>();
  for (let i = 0; i < clusters.length; i += 200) {
    const slice = clusters.slice(i, i + 200);
    const sql = `SELECT cluster_id, ns, id FROM identities WHERE tenant_id = ? AND cluster_id IN (${slice.map(() => '?').join(', ')}) ORDER BY cluster_id, seq`;
    for (const [cluster, ns, id] of await tx.values<[string, string, string]>(sql, [tenantId, ...slice])) {
      const graph = out.get(cluster) ?? { nodes: [], edges: [] };
      graph.nodes.push({ ns, id });
      out.set(cluster, graph);
      clusterOf.set(keyOf({ ns, id }), cluster);
    }
  }
  // Links by their key's prefix (tenant, a): one index probe per member, whatever a planner would make of a join.
  const members = [...out.values()].flatMap((graph) => graph.nodes);
  for (const [aNs, aId, bNs, bId] of await tx.valuesRows<[string, string, string, string]>(LINKS_FROM, [], members.map((m) => [tenantId, m.ns, m.id]))) {
    out.get(clusterOf.get(keyOf({ ns: aNs, id: aId }))!)!.edges.push([{ ns: aNs, id: aId }, { ns: bNs, id: bId }]);
  }
  return out;
}

type LinkRow = { a_ns: string; a_id: string; b_ns: string; b_id: string; dataset_id: string; batch_id: string; first_at: number; last_at: number };
const toLink = (r: LinkRow): Link => ({
  a: { ns: r.a_ns, id: r.a_id },
  b: { ns: r.b_ns, id: r.b_id },
  datasetId: r.dataset_id,
  batchId: r.batch_id,
  firstAt: Number(r.first_at),
  lastAt: Number(r.last_at),
});

/**
 * Every link whose first end is in the cluster (both ends always share a cluster). Written as an IN list over the
 * cluster's members: as a join, SQLite without statistics drove it from the links' (tenant) index and read every link
 * of the sandbox for each call.
 */
export async function clusterLinks(tx: SqlExecutor, tenantId: number, cluster: string): Promise<Link[]> {
  const rows = await tx.all<LinkRow>(
    `SELECT l.a_ns, l.a_id, l.b_ns, l.b_id, l.dataset_id, l.batch_id, l.first_at, l.last_at FROM identity_links l
     WHERE l.tenant_id = ? AND (l.a_ns, l.a_id) IN (SELECT ns, id FROM identities WHERE tenant_id = ? AND cluster_id = ?)
     ORDER BY l.first_at, l.a_ns, l.a_id, l.b_ns, l.b_id`,
    [tenantId, tenantId, cluster],
  );
  return rows.map(toLink);
}

/** Every link touching an identity. */
export async function linksOf(tx: SqlExecutor, tenantId: number, key: IdentityKey): Promise<Link[]> {
  const rows = await tx.all<LinkRow>(
    `SELECT a_ns, a_id, b_ns, b_id, dataset_id, batch_id, first_at, last_at FROM identity_links
     WHERE tenant_id = ? AND ((a_ns = ? AND a_id = ?) OR (b_ns = ? AND b_id = ?)) ORDER BY first_at`,
    [tenantId, key.ns, key.id, key.ns, key.id],
  );
  return rows.map(toLink);
}

/** Removes an identity and all its links from the graph. */
export async function removeIdentity(tx: SqlExecutor, tenantId: number, key: IdentityKey): Promise<void> {
  await tx.run('DELETE FROM identity_links WHERE tenant_id = ? AND ((a_ns = ? AND a_id = ?) OR (b_ns = ? AND b_id = ?))', [tenantId, key.ns, key.id, key.ns, key.id]);
  await tx.run('DELETE FROM identities WHERE tenant_id = ? AND ns = ? AND id = ?', [tenantId, key.ns, key.id]);
}

/** Records a guardrail refusal or eviction, so it is counted and visible through the API. */
export async function recordGuardrail(
  tx: SqlExecutor,
  tenantId: number,
  e: { kind: string; subject: IdentityKey; other?: IdentityKey; datasetId?: string; batchId?: string; detail: string },
  now: number,
): Promise<void> {
  await tx.run(
    'INSERT INTO identity_guardrail_events (tenant_id, kind, ns, id, other_ns, other_id, dataset_id, batch_id, detail, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [tenantId, e.kind, e.subject.ns, e.subject.id, e.other?.ns ?? null, e.other?.id ?? null, e.datasetId ?? null, e.batchId ?? null, e.detail, now],
  );
}
