/** The identity graph: links identities seen together, with guardrails against over-merging, and splits on deletion. */
import type { Db, SqlExecutor } from '../store/db.js';
import type { Clock } from '../shared/clock.js';
import type { PreparedRecord, RecordFailure, WritableRecord } from '../ingest/prepare.js';
import type { Blocklist } from './blocklist.js';
import { components } from './components.js';
import * as g from './graph.store.js';
import { type IdentityKey, type Member } from './graph.store.js';
import { evictionPriority } from './namespace.js';
import { LinkSession } from './link-session.js';
import { SANDBOX_PROFILE_LOCK } from '../store/locks.js';
import type { ChangeInput } from '../changefeed/change.js';
import { type ClusterView, readClusters } from './cluster-reader.js';
import type { NamespaceIndex, NamespaceService } from './namespace.service.js';

/** Guardrail settings; AEP's defaults are 50 identities per graph and CRMID unique. */
export interface GraphLimits {
  readonly maxIdentities: number;
  /** Namespace codes of which a graph may hold at most one identity (two known customers are never merged). */
  readonly uniqueNamespaces: readonly string[];
}


/** The graph of every sandbox; writes happen inside the ingest transaction. */
export class IdentityGraph {
  private readonly unique: ReadonlySet<string>;

  constructor(
    private readonly db: Db,
    private readonly namespaces: NamespaceService,
    private readonly blocklist: Blocklist,
    private readonly limits: GraphLimits,
    private readonly clock: Clock,
  ) {
    this.unique = new Set(limits.uniqueNamespaces.map((n) => n.toLowerCase()));
  }

  /**
   * The per-record check the write path runs before writing: namespace codes are made canonical, unknown namespaces
   * and junk primary identities refuse the record, junk secondary identities are dropped from it.
   */
  async recordCheck(tenantId: number): Promise<(r: PreparedRecord) => PreparedRecord | RecordFailure> {
    const index = await this.namespaces.index(tenantId);
    return (r) => this.check(index, r);
  }

  private check(index: NamespaceIndex, r: PreparedRecord): PreparedRecord | RecordFailure {
    const errors: Array<{ path: string; code: string; message: string }> = [];
    const identities = [];
    const dropped: Array<{ ns: string; id: string; reason: string }> = [];
    for (const identity of r.identities) {
      const ns = index.byCode.get(identity.namespace.toLowerCase());
      if (!ns) {
        errors.push({ path: identity.path, code: 'IDENTITY_NAMESPACE_UNKNOWN', message: `Identity namespace '${identity.namespace}' does not exist in this sandbox; create it first` });
        continue;
      }
      if (this.blocklist.blocks(identity.id)) {
        if (identity.primary) {
          errors.push({ path: identity.path, code: 'IDENTITY_BLOCKED', message: `Primary identity ${ns.code} '${identity.id}' is a placeholder value on the identity blocklist` });
        }
        dropped.push({ ns: ns.code, id: identity.id, reason: 'blocklist' });
        continue;
      }
      identities.push({ ...identity, namespace: ns.code });
    }
    if (errors.length > 0) return { index: r.index, datasetId: r.datasetId, code: errors[0]!.code, message: errors[0]!.message, errors };
    const primary = identities.find((i) => i.primary)!;
    return { ...r, identities, primary: { ns: primary.namespace, id: primary.id }, dropped };
  }

  /**
   * Links the identities of each record of an identity-enabled dataset (a star from its primary identity); returns the
   * change-feed entries of what the graph did (merges, evictions, splits), for the caller to record in its transaction.
   */
  async link(tx: SqlExecutor, tenantId: number, records: readonly WritableRecord[], datasets: ReadonlyMap<string, { identityEnabled: boolean }>, batchId: string | null): Promise<ChangeInput[]> {
    const linked = records.filter((r) => datasets.get(r.datasetId)?.identityEnabled);
    if (linked.length === 0) return [];
    await tx.lock(SANDBOX_PROFILE_LOCK, tenantId);
    const index = await this.namespaces.index(tenantId);
    const now = this.clock();
    const session = new LinkSession(tx, tenantId, now);
    // Each record's primary identity first, so FIFO order follows what a record-by-record pass would give.
    await session.ensureAll(linked.flatMap((r) => [r.primary, ...r.identities.map((i) => ({ ns: i.namespace, id: i.id }))]));
    // A pair seen again in the same call (the same person's next event) was already linked, merged or refused.
    const done = new Set<string>();
    for (const r of linked) {
      const primary: IdentityKey = r.primary;
      for (const junk of r.dropped ?? []) {
        await g.recordGuardrail(tx, tenantId, { kind: 'blocklisted', subject: junk, other: primary, datasetId: r.datasetId, batchId: batchId ?? '', detail: `Not linked: '${junk.id}' is on the identity blocklist` }, now);
      }
      for (const identity of r.identities) {
        const other = { ns: identity.namespace, id: identity.id };
        if (other.ns === primary.ns && other.id === primary.id) continue;
        const pairKey = `${r.datasetId}\u0000${primary.ns}\u0000${primary.id}\u0000${other.ns}\u0000${other.id}`;
        if (done.has(pairKey)) continue;
        done.add(pairKey);
        await this.linkPair(session, tx, tenantId, index, primary, other, r.datasetId, batchId ?? '', now);
      }
    }
    await session.flush();
    return session.changes;
  }

  private async linkPair(session: LinkSession, tx: SqlExecutor, tenantId: number, index: NamespaceIndex, a: IdentityKey, b: IdentityKey, datasetId: string, batchId: string, now: number): Promise<void> {
    const ca = await session.clusterOf(a);
    const cb = await session.clusterOf(b);
    if (ca === cb) {
      session.link(a, b, datasetId, batchId);
      return;
    }
    const ma = await session.members(ca);
    const mb = await session.members(cb);
    const conflict = this.uniqueConflict(ma, mb);
    if (conflict) {
      await g.recordGuardrail(tx, tenantId, {
        kind: 'unique_namespace_conflict',
        subject: b,
        other: a,
        datasetId,
        batchId,
        detail: `Link refused: the graphs would hold two ${conflict} identities`,
      }, now);
      return;
    }
    session.link(a, b, datasetId, batchId);
    // The larger cluster keeps its id, so fewer rows are rewritten.
    const [keep, drop] = ma.length >= mb.length ? [ca, cb] : [cb, ca];
    const all = session.merge(keep, drop);
    // Two clusters born in this call are one new person, not a merge anyone saw; a new cluster that takes in an
    // older one carries what others saw, so its later merges are reported too.
    if (!(session.created.has(keep) && session.created.has(drop))) {
      session.changes.push({ tenantId, kind: 'merge', clusters: [keep, drop] });
      session.created.delete(keep);
    }
    if (all.length > this.limits.maxIdentities) {
      // Eviction reads and rewrites the cluster in the database, so the session's merges and links go first.
      await session.flush();
      session.changes.push(...(await this.evict(tx, tenantId, index, keep, all, datasetId, batchId, now)));
      session.forget(keep);
    }
  }

  private uniqueConflict(a: readonly Member[], b: readonly Member[]): string | undefined {
    for (const ns of this.unique) {
      const ids = new Set([...a, ...b].filter((m) => m.ns.toLowerCase() === ns).map((m) => m.id));
      if (ids.size > 1) return [...a, ...b].find((m) => m.ns.toLowerCase() === ns)!.ns;
    }
    return undefined;
  }

  /** FIFO eviction past the graph limit: oldest first within the lowest priority (cookies, then devices, then people ids). */
  /** Returns the change-feed entries of the eviction and of the split it may cause. */
  private async evict(tx: SqlExecutor, tenantId: number, index: NamespaceIndex, cluster: string, all: readonly Member[], datasetId: string, batchId: string, now: number): Promise<ChangeInput[]> {
    const priority = (m: Member) => evictionPriority(index.byCode.get(m.ns.toLowerCase())?.idType ?? 'CROSS_DEVICE');
    const order = [...all].sort((x, y) => priority(x) - priority(y) || x.seq - y.seq);
    const evicted = order.slice(0, all.length - this.limits.maxIdentities);
    for (const m of evicted) {
      await g.removeIdentity(tx, tenantId, m);
      await g.recordGuardrail(tx, tenantId, { kind: 'graph_limit_evicted', subject: m, datasetId, batchId, detail: `Evicted: the graph passed ${this.limits.maxIdentities} identities` }, now);
    }
    // Removing a node can disconnect what it bridged.
    const split = await this.split(tx, tenantId, cluster);
    return [{ tenantId, kind: 'evict', clusters: [cluster] }, ...(split ? [split] : [])];
  }

  /**
   * Re-derives a cluster's components from its remaining links; the largest keeps the id, the rest get new ones.
   * Returns the `split` change-feed entry (the kept id first) when the cluster fell apart.
   */
  async split(tx: SqlExecutor, tenantId: number, cluster: string): Promise<ChangeInput | undefined> {
    return (await this.splitMany(tx, tenantId, [cluster]))[0];
  }

  /**
   * Re-derives many clusters at once (a delete job's page): each that fell apart keeps its id for its largest part and
   * gives the others new ones; returns the `split` entries.
   */
  async splitMany(tx: SqlExecutor, tenantId: number, clusters: readonly string[]): Promise<ChangeInput[]> {
    const splits: ChangeInput[] = [];
    for (const [cluster, graph] of await g.clusterGraphs(tx, tenantId, clusters)) {
      const parts = graph.nodes.length <= 1 ? [] : components(graph.nodes, graph.edges);
      if (parts.length <= 1) continue;
      const created: string[] = [];
      for (const part of parts.slice(1)) {
        const id = g.newClusterId(this.clock());
        await g.assign(tx, tenantId, part, id);
        created.push(id);
      }
      splits.push({ tenantId, kind: 'split', clusters: [cluster, ...created] });
    }
    return splits;
  }

  /** The members of the identity's cluster, or just the identity when the graph has not seen it. */
  clusterMembers(tenantId: number, key: IdentityKey): Promise<Member[]> {
    return g.membersOfIdentity(this.db, tenantId, key);
  }

  /** The clusters of many identities at once (the Graph API's batch calls), each read once, in slices that yield. */
  readClusters(tenantId: number, keys: readonly IdentityKey[], options: { edges: boolean; edgeMeta: boolean }): Promise<ClusterView[]> {
    return readClusters(this.db, tenantId, keys, options);
  }

  /** The links of the identity's cluster (for the graph projection and explain). */
  async clusterLinks(tenantId: number, key: IdentityKey): Promise<g.Link[]> {
    const cluster = await g.clusterOf(this.db, tenantId, key);
    return cluster === undefined ? [] : g.clusterLinks(this.db, tenantId, cluster);
  }

  /** The identity's own links, oldest first. */
  history(tenantId: number, key: IdentityKey): Promise<g.Link[]> {
    return g.linksOf(this.db, tenantId, key);
  }

  /** Why two identities are one person: the shortest chain of links between them, or undefined when they are not. */
  async explain(tenantId: number, from: IdentityKey, to: IdentityKey): Promise<g.Link[] | undefined> {
    const links = await this.clusterLinks(tenantId, from);
    const key = (k: IdentityKey) => `${k.ns}\u0000${k.id}`;
    const adjacent = new Map<string, g.Link[]>();
    for (const l of links) {
      for (const end of [l.a, l.b]) {
        const list = adjacent.get(key(end));
        if (list) list.push(l);
        else adjacent.set(key(end), [l]);
      }
    }
    const via = new Map<string, g.Link | null>([[key(from), null]]);
    const queue: IdentityKey[] = [from];
    // An index instead of shift(): a cluster with thousands of links would make the search quadratic.
    for (let head = 0; head < queue.length; head++) {
      const node = queue[head]!;
      if (key(node) === key(to)) break;
      for (const l of adjacent.get(key(node)) ?? []) {
        const next = key(l.a) === key(node) ? l.b : l.a;
        if (!via.has(key(next))) {
          via.set(key(next), l);
          queue.push(next);
        }
      }
    }
    if (!via.has(key(to))) return undefined;
    const chain: g.Link[] = [];
    let cur = to;
    while (key(cur) !== key(from)) {
      const l = via.get(key(cur))!;
      chain.unshift(l);
      cur = key(l.a) === key(cur) ? l.b : l.a;
    }
    return chain;
  }

  /** Counts of each guardrail refusal or eviction, and the most recent ones. */
  async guardrails(tenantId: number, limit: number): Promise<{ counts: Record<string, number>; recent: Array<Record<string, unknown>> }> {
    const counts = await this.db.all<{ kind: string; n: number }>('SELECT kind, COUNT(*) AS n FROM identity_guardrail_events WHERE tenant_id = ? GROUP BY kind', [tenantId]);
    const recent = await this.db.all<Record<string, unknown>>(
      'SELECT kind, ns, id, other_ns, other_id, dataset_id, batch_id, detail, at FROM identity_guardrail_events WHERE tenant_id = ? ORDER BY event_id DESC LIMIT ?',
      [tenantId, limit],
    );
    return { counts: Object.fromEntries(counts.map((c) => [c.kind, Number(c.n)])), recent };
  }
}
