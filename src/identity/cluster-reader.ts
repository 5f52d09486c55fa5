/** Many identities' clusters at once, for the Graph API: each cluster read once per request, in slices that yield. */
import type { SqlExecutor } from '../store/db.js';
import { DomainError } from '../shared/errors.js';
import { slicer } from '../shared/slices.js';
import * as g from './graph.store.js';
import { type IdentityKey, type Link, type Member, keyOf } from './graph.store.js';

/** AEP's Identity Service limit: identities (XIDs and composite XIDs together) in one graph or cluster request. */
export const MAX_GRAPH_QUERY = 1000;
/** Ours: vertices, edges and edge dataset/batch ids one answer may list (some 20 MB of JSON). */
export const MAX_GRAPH_ELEMENTS = 500_000;

/** Identities resolved, or clusters read, per statement. */
const CHUNK = 50;

/** One edge per identity pair, with every dataset and batch that established it. */
export interface Edge {
  readonly a: IdentityKey;
  readonly b: IdentityKey;
  firstAt: number;
  lastAt: number;
  readonly datasetIds: string[];
  readonly batchIds: string[];
}

/** An identity's cluster as the Graph API shows it; `edges` is empty unless asked for. */
export interface ClusterView {
  readonly members: readonly Member[];
  readonly edges: readonly Edge[];
}

/** Refuses a request for more identities than AEP allows in one call. */
export function assertGraphQuerySize(count: number): void {
  if (count > MAX_GRAPH_QUERY) {
    throw new DomainError('IDENTITY_REQUEST_TOO_LARGE', `A request may ask for at most ${MAX_GRAPH_QUERY} identities (xids and composite xids together); this one asks for ${count}`);
  }
}


/**
 * The cluster of each key, in order (a key the graph has not seen is a cluster of one). Throws
 * IDENTITY_REQUEST_TOO_LARGE as soon as the answer would list more than MAX_GRAPH_ELEMENTS elements.
 */
export async function readClusters(db: SqlExecutor, tenantId: number, keys: readonly IdentityKey[], options: { edges: boolean; edgeMeta: boolean }): Promise<ClusterView[]> {
  assertGraphQuerySize(keys.length);
  const tick = slicer();
  const distinct = [...new Map(keys.map((k) => [keyOf(k), k])).values()];
  const clusterOf = new Map<string, string>();
  for (let i = 0; i < distinct.length; i += CHUNK) {
    const chunk = distinct.slice(i, i + CHUNK);
    const rows = await db.all<{ ns: string; id: string; cluster_id: string }>(
      `SELECT ns, id, cluster_id FROM identities WHERE tenant_id = ? AND (ns, id) IN (VALUES ${chunk.map(() => '(?, ?)').join(', ')})`,
      [tenantId, ...chunk.flatMap((k) => [k.ns, k.id])],
    );
    for (const r of rows) clusterOf.set(keyOf(r), r.cluster_id);
    await tick();
  }
  // How often each cluster is asked for: the answer repeats it that many times.
  const uses = new Map<string, number>();
  for (const k of keys) {
    const c = clusterOf.get(keyOf(k));
    if (c !== undefined) uses.set(c, (uses.get(c) ?? 0) + 1);
  }
  const members = new Map<string, Member[]>();
  const clusters = [...uses.keys()];
  for (let i = 0; i < clusters.length; i += CHUNK) {
    const chunk = clusters.slice(i, i + CHUNK);
    const rows = await db.all<{ cluster_id: string; ns: string; id: string; seq: number; first_seen: number; last_seen: number }>(
      `SELECT cluster_id, ns, id, seq, first_seen, last_seen FROM identities WHERE tenant_id = ? AND cluster_id IN (${chunk.map(() => '?').join(', ')}) ORDER BY seq`,
      [tenantId, ...chunk],
    );
    for (const r of rows) {
      const list = members.get(r.cluster_id) ?? [];
      list.push({ ns: r.ns, id: r.id, seq: Number(r.seq), firstSeen: Number(r.first_seen), lastSeen: Number(r.last_seen) });
      members.set(r.cluster_id, list);
    }
    await tick();
  }
  let elements = keys.length - [...uses.values()].reduce((a, b) => a + b, 0);
  for (const [c, n] of uses) elements += n * (members.get(c)?.length ?? 0);
  assertElements(elements);
  const edges = new Map<string, Edge[]>();
  if (options.edges) {
    for (const [c, n] of uses) {
      const merged = mergeEdges(await g.clusterLinks(db, tenantId, c));
      edges.set(c, merged);
      elements += n * merged.reduce((sum, e) => sum + 1 + (options.edgeMeta ? e.datasetIds.length + e.batchIds.length : 0), 0);
      assertElements(elements);
      await tick();
    }
  }
  return keys.map((k) => {
    const c = clusterOf.get(keyOf(k));
    if (c === undefined) return { members: [{ ...k, seq: 0, firstSeen: 0, lastSeen: 0 }], edges: [] };
    return { members: members.get(c) ?? [], edges: edges.get(c) ?? [] };
  });
}

function assertElements(n: number): void {
  if (n > MAX_GRAPH_ELEMENTS) {
    throw new DomainError(
      'IDENTITY_REQUEST_TOO_LARGE',
      `The answer would list more than ${MAX_GRAPH_ELEMENTS} vertices, edges and edge dataset/batch ids; ask for fewer identities, or without require_edge_meta_data`,
    );
  }
}

/** One edge per identity pair, with every dataset and batch that established it. */
export function mergeEdges(links: readonly Link[]): Edge[] {
  const byPair = new Map<string, { edge: Edge; datasets: Set<string>; batches: Set<string> }>();
  for (const l of links) {
    const k = `${keyOf(l.a)}\u0000${keyOf(l.b)}`;
    let entry = byPair.get(k);
    if (!entry) {
      entry = { edge: { a: l.a, b: l.b, firstAt: l.firstAt, lastAt: l.lastAt, datasetIds: [], batchIds: [] }, datasets: new Set(), batches: new Set() };
      byPair.set(k, entry);
    }
    const { edge, datasets, batches } = entry;
    edge.firstAt = Math.min(edge.firstAt, l.firstAt);
    edge.lastAt = Math.max(edge.lastAt, l.lastAt);
    if (!datasets.has(l.datasetId)) {
      datasets.add(l.datasetId);
      edge.datasetIds.push(l.datasetId);
    }
    if (l.batchId !== '' && !batches.has(l.batchId)) {
      batches.add(l.batchId);
      edge.batchIds.push(l.batchId);
    }
  }
  return [...byPair.values()].map((e) => e.edge);
}
