/**
 * Materialized unified profiles: refreshed in the write transaction that changes a person's fragments, dropped in the
 * transaction of a merge, split, eviction or delete and rebuilt by a change-feed consumer, read in one statement.
 */
import type { Db, SqlExecutor } from '../store/db.js';
import { SANDBOX_PROFILE_LOCK } from '../store/locks.js';
import { type IdentityKey, clusterPage, clustersOf, keyOf } from '../identity/graph.store.js';
import { type Change, type ChangeInput, byTenant } from '../changefeed/change.js';
import type { ChangeHandler } from '../changefeed/change-feed.js';
import { appendChanges } from '../changefeed/change.store.js';
import type { EffectivePolicy, MergePolicyService } from './merge-policy.service.js';
import { fingerprint, identitiesOf, viewRowOf } from './unified.js';
import * as v from './profile-view.store.js';
import { type FragmentRow, fragmentsOfClusters } from './profile.store.js';

/** The consumer name the feed keeps this offset under. */
export const VIEWS_CONSUMER = 'profile-views';

/** Clusters or identities whose views a rebuild brings up to date. */
interface Targets {
  clusters: Set<string>;
  identities: Map<string, IdentityKey>;
}

/** Whether a delete entry removed fragments (an entry about events alone leaves every merged profile as it was). */
function dropsFragments(c: ChangeInput): boolean {
  return (c.kind === 'entity-delete' || c.kind === 'dataset-delete' || c.kind === 'batch-delete') && c.eventsOnly !== true;
}

/** Views rebuilt per backfill step of a policy (one change-feed entry each). */
const BACKFILL_PAGE = 200;

/** Keeps the sandbox's materialized policies' profiles current; every method runs in the caller's transaction. */
export class ProfileViews {
  constructor(
    private readonly db: Db,
    private readonly policies: MergePolicyService,
    private readonly clock: () => number,
    private readonly maxIdentities: number,
  ) {}

  /**
   * Brings views in line with what a write transaction is about to record: the people whose fragments it wrote are
   * merged again now (once per cluster); a cluster a graph change touched keeps its merge when the same fragments are
   * still its own (a device joined or left: only the member list is rewritten), else loses its rows for the consumer
   * to rebuild, as do the people a delete touched (under every policy). The materialized policies are read in the
   * transaction, under the sandbox lock, so no process refreshes by a stale list.
   */
  async settle(tx: SqlExecutor, tenantId: number, changes: readonly ChangeInput[]): Promise<void> {
    const refresh = new Map<string, IdentityKey>();
    const drop = new Map<string, IdentityKey>();
    const moved = new Set<string>();
    for (const c of changes) {
      if (c.kind === 'fragments') for (const k of c.identities ?? []) refresh.set(keyOf(k), k);
      else if (c.kind === 'merge' || c.kind === 'split' || c.kind === 'evict') for (const id of c.clusters ?? []) moved.add(id);
      else if (dropsFragments(c)) for (const k of c.identities ?? []) drop.set(keyOf(k), k);
    }
    const everyone = changes.some((c) => c.everyone === true);
    if (refresh.size === 0 && drop.size === 0 && moved.size === 0 && !everyone) return;
    await tx.lock(SANDBOX_PROFILE_LOCK, tenantId);
    // Too many people to name: every row of the sandbox goes, and the consumer rebuilds them all.
    if (everyone) await v.deleteViewsExcept(tx, tenantId, []);
    const refreshClusters = await clustersOf(tx, tenantId, [...refresh.values()]);
    const dropped = new Set([...drop.values()].map(v.identityViewKey));
    for (const c of await clustersOf(tx, tenantId, [...drop.values()])) dropped.add(c);
    for (const c of [...refreshClusters, ...dropped]) moved.delete(c);
    await v.deleteViews(tx, tenantId, [...dropped, ...(await this.membersMoved(tx, tenantId, [...moved]))]);
    if (refresh.size === 0) return;
    // Read under the lock, not from the cache: a policy made default a moment ago in another process is refreshed too.
    const policies = await this.policies.materializedIn(tx, tenantId);
    if (policies.length > 0) await this.build(tx, tenantId, policies, { clusters: new Set(refreshClusters), identities: refresh });
  }

  /**
   * Rewrites the member list of each cluster's rows whose fragments are the same as when they were merged; returns the
   * clusters whose rows must go instead (their fragments changed, they are gone, or they grew past the lookup limit).
   */
  private async membersMoved(tx: SqlExecutor, tenantId: number, clusters: readonly string[]): Promise<string[]> {
    if (clusters.length === 0) return [];
    const stale: string[] = [];
    const now = await fragmentsOfClusters(tx, tenantId, clusters, false);
    const held = await v.clusterRows(tx, tenantId, clusters);
    for (const cluster of clusters) {
      const person = now.get(cluster);
      const rows = held.get(cluster) ?? [];
      const print = person && fingerprint(person.fragments.map((f) => v.fragmentKey(f.dataset_id, f.primary_ns, f.primary_id)));
      if (!person || person.members.length > this.maxIdentities || rows.some((r) => r.fragments !== print)) {
        stale.push(cluster);
        continue;
      }
      for (const row of rows) {
        const identities = JSON.stringify(identitiesOf(person.members, new Set(JSON.parse(row.primaries) as string[])));
        await v.setMembers(tx, tenantId, row.policyId, cluster, identities, person.members.length);
      }
    }
    return stale;
  }

  /**
   * Merges and stores the views of the targets under each policy (pdg: by cluster, none: by identity), but those in
   * `current` (`policy\0key` of rows already current, which need no merge).
   */
  private async build(tx: SqlExecutor, tenantId: number, policies: readonly EffectivePolicy[], targets: Targets, current?: ReadonlySet<string>): Promise<Set<string>> {
    const rows: v.ViewRow[] = [];
    const wanted = (p: EffectivePolicy, key: string) => !current?.has(`${p.id}\u0000${key}`);
    const pdg = policies.filter((p) => p.identityGraph === 'pdg');
    // Only what some policy still lacks is read: a merge the writer already refreshed costs nothing here.
    const clusters = [...targets.clusters].filter((c) => pdg.some((p) => wanted(p, c)));
    const people = new Map<string, { fragments: FragmentRow[]; members: IdentityKey[] }>();
    // Past the lookup limit a read answers 422, so such a person is never served from a view.
    for (const [cluster, person] of await fragmentsOfClusters(tx, tenantId, clusters)) if (person.members.length <= this.maxIdentities) people.set(cluster, person);
    const none = policies.filter((p) => p.identityGraph === 'none');
    const alone = [...targets.identities.values()].filter((k) => none.some((p) => wanted(p, v.identityViewKey(k))));
    for (const [key, fragments] of await v.fragmentsOfIdentities(tx, tenantId, alone)) people.set(key, { fragments, members: [{ ns: fragments[0]!.primary_ns, id: fragments[0]!.primary_id }] });
    // Every wanted (policy, key) gets its row, or loses what it held: a person with nothing left to merge, past the
    // limit, or whose merge cannot be a row (see viewRowOf) is answered by the read-time merge.
    const unbuilt = new Map<string, string[]>();
    const want = (p: EffectivePolicy, key: string) => {
      if (!wanted(p, key)) return;
      const person = people.get(key);
      const row = person && viewRowOf(p, key, person.fragments, person.members);
      if (row) rows.push(row);
      else unbuilt.set(p.id, [...(unbuilt.get(p.id) ?? []), key]);
    };
    for (const c of clusters) for (const p of pdg) want(p, c);
    for (const k of alone) for (const p of none) want(p, v.identityViewKey(k));
    await v.upsertViews(tx, tenantId, rows);
    for (const [policyId, keys] of unbuilt) await v.deleteViews(tx, tenantId, keys, [policyId]);
    return new Set(rows.map((r) => r.key));
  }

  /**
   * Builds the targets' missing views under the given policies. Every transaction that changes a person's fragments or
   * cluster refreshes or drops their rows under the sandbox lock (which this runs under too), so a row of the policy's
   * current version is current, and only missing or older rows are merged: a merge the writer already refreshed, the
   * common case of a new person whose identities arrive together, costs the consumer one indexed read.
   */
  private async rebuild(tx: SqlExecutor, tenantId: number, policies: readonly EffectivePolicy[], targets: Targets): Promise<Set<string>> {
    if (policies.length === 0) return new Set();
    const pdgKeys = policies.some((p) => p.identityGraph === 'pdg') ? [...targets.clusters] : [];
    const noneKeys = policies.some((p) => p.identityGraph === 'none') ? [...targets.identities.values()].map(v.identityViewKey) : [];
    const current = await v.currentViews(tx, tenantId, [...pdgKeys, ...noneKeys], policies);
    return this.build(tx, tenantId, policies, targets, current);
  }

  /** The change-feed consumer that rebuilds what write transactions dropped, and backfills a newly materialized policy. */
  readonly consumer: ChangeHandler = async (changes, tx) => {
    // Sandboxes in one order, so two rebuilders could never wait on each other's locks.
    const effective: Change[] = [];
    for (const [tenantId, entries] of byTenant(changes)) effective.push(...(await this.apply(tx, tenantId, entries)));
    return effective;
  };

  /** Applies one sandbox's entries; returns those that rebuilt a row (a delete's entry: when the page rebuilt any). */
  private async apply(tx: SqlExecutor, tenantId: number, changes: readonly Change[]): Promise<Change[]> {
    const targets: Targets = { clusters: new Set(), identities: new Map() };
    const policyChanges: Change[] = [];
    for (const c of changes) {
      if (c.kind === 'merge') targets.clusters.add(c.clusters![0]!);
      else if (c.kind === 'split' || c.kind === 'evict') for (const id of c.clusters ?? []) targets.clusters.add(id);
      else if (dropsFragments(c)) for (const k of c.identities ?? []) targets.identities.set(keyOf(k), k);
      else if (c.kind === 'policy') policyChanges.push(c);
    }
    const everyone = changes.filter((c) => c.everyone === true);
    const busy = targets.clusters.size > 0 || targets.identities.size > 0 || policyChanges.length > 0 || everyone.length > 0;
    if (!busy) return [];
    // Writers of the sandbox wait while its views are read and rebuilt, so no write lands between the two.
    await tx.lock(SANDBOX_PROFILE_LOCK, tenantId);
    const policies = await this.policies.materializedIn(tx, tenantId);
    for (const c of await clustersOf(tx, tenantId, [...targets.identities.values()])) targets.clusters.add(c);
    const built = await this.rebuild(tx, tenantId, policies, targets);
    const effective = changes.filter((c) =>
      c.kind === 'merge' ? built.has(c.clusters![0]!) : c.kind === 'split' || c.kind === 'evict' ? c.clusters!.some((id) => built.has(id)) : built.size > 0 && c.kind !== 'fragments' && c.kind !== 'events' && c.kind !== 'policy',
    );
    for (const c of policyChanges) if ((await this.policyChanged(tx, tenantId, policies, c)).size > 0) effective.push(c);
    // Everyone was touched: every materialized policy is rebuilt from the start, a page per entry.
    if (everyone.length > 0) await appendChanges(tx, policies.map((p) => ({ tenantId, kind: 'policy' as const, policyId: p.id, after: '' })), this.clock());
    return effective;
  }

  /**
   * A policy changed: rows of policies no longer materialized, or of an older version, go; a materialized policy
   * whose rows went (or the changed one) is rebuilt a page per entry, each page recording the entry for the next.
   */
  private async policyChanged(tx: SqlExecutor, tenantId: number, policies: readonly EffectivePolicy[], c: Change): Promise<Set<string>> {
    if (c.after === undefined) {
      const stale = new Set<string>();
      for (const p of policies) if (p.id === c.policyId || (await this.hasStaleRows(tx, tenantId, p))) stale.add(p.id);
      await v.deleteViewsExcept(tx, tenantId, policies);
      const now = this.clock();
      for (const id of stale) await appendChanges(tx, [{ tenantId, kind: 'policy', policyId: id, after: '' }], now);
      return new Set();
    }
    const policy = policies.find((p) => p.id === c.policyId);
    if (!policy) return new Set();
    let next: string | undefined;
    let built: Set<string>;
    if (policy.identityGraph === 'pdg') {
      const page = await clusterPage(tx, tenantId, c.after, BACKFILL_PAGE);
      built = await this.rebuild(tx, tenantId, [policy], { clusters: new Set(page), identities: new Map() });
      if (page.length === BACKFILL_PAGE) next = page[page.length - 1]!;
    } else {
      const after = c.after === '' ? undefined : (JSON.parse(c.after) as IdentityKey);
      const page = await v.primaryPage(tx, tenantId, after, BACKFILL_PAGE);
      built = await this.rebuild(tx, tenantId, [policy], { clusters: new Set(), identities: new Map(page.map((k) => [keyOf(k), k])) });
      if (page.length === BACKFILL_PAGE) next = JSON.stringify(page[page.length - 1]);
    }
    if (next !== undefined) await appendChanges(tx, [{ tenantId, kind: 'policy', policyId: policy.id, after: next }], this.clock());
    return built;
  }

  private async hasStaleRows(tx: SqlExecutor, tenantId: number, p: EffectivePolicy): Promise<boolean> {
    return (await tx.get('SELECT 1 AS x FROM profile_views WHERE tenant_id = ? AND policy_id = ? AND version <> ? LIMIT 1', [tenantId, p.id, p.version])) !== undefined;
  }

  /** The materialized profile of `key`'s person under `policy`, if the policy is materialized and the row exists. */
  async read(tenantId: number, key: IdentityKey, policy: EffectivePolicy): Promise<v.ViewAnswer | undefined> {
    return policy.materialized ? v.readView(this.db, tenantId, policy.id, key, policy.identityGraph) : undefined;
  }
}
