/** Merge policy use cases: CRUD with AEP's rules (one default per class, one edge policy per org, a per-org cap). */
import { randomUUID } from 'node:crypto';
import type { Db, SqlExecutor } from '../store/db.js';
import { type CatalogCache, type CatalogChange, publishChange } from '../store/catalog-changes.js';
import type { Clock } from '../shared/clock.js';
import { DomainError } from '../shared/errors.js';
import { LoadCache } from '../shared/load-cache.js';
import type { DatasetService } from '../catalog/datasets/dataset.service.js';
import { compileMergePolicy, type MergePlan } from '../merge/index.js';
import { type MergePolicy, type MergePolicyFields, NO_DEFAULT_POLICY, assertPolicyFields, parseFlag } from './merge-policy.js';
import * as rows from './merge-policy.store.js';
import { appendChanges } from '../changefeed/change.store.js';

/** Who acts: the sandbox's tenant key and its org (the edge and count rules are per org). */
export interface PolicyScope {
  readonly tenantId: number;
  readonly orgId: string;
}

/** A policy ready for reads: its rules compiled once into a merge plan. */
export interface EffectivePolicy {
  readonly id: string;
  readonly identityGraph: 'none' | 'pdg';
  readonly attributeMerge: 'timestampOrdered' | 'dataSetPrecedence';
  readonly order: readonly string[];
  readonly plan: MergePlan;
  /** Bumped by every change to the policy's row; materialized profiles record the version they were merged under. */
  readonly version: number;
  /** The sandbox's default profile policy or its edge policy: its unified profiles are kept materialized. */
  readonly materialized: boolean;
}

/** Filters of the list endpoint. */
export interface PolicyFilter {
  default?: boolean;
  className?: string;
  identityGraph?: string;
  attributeMerge?: string;
  version?: number;
  isActiveOnEdge?: boolean;
  orderBy: 'name' | '-name';
}

const LOCK_SPACE = 7_261_203;
const PATHS = new Set(['/name', '/identityGraph.type', '/identityGraph/type', '/attributeMerge.type', '/attributeMerge/type', '/attributeMerge.order', '/attributeMerge/order', '/schema.name', '/schema/name', '/version', '/default', '/isActiveOnEdge']);

function orgKey(orgId: string): number {
  let h = 0;
  for (let i = 0; i < orgId.length; i++) h = (Math.imul(h, 31) + orgId.charCodeAt(i)) | 0;
  return h;
}

/** Merge policies of every sandbox, with compiled plans cached by id and version and defaults kept by notices. */
export class MergePolicyService implements CatalogCache {
  private readonly plans = new Map<string, EffectivePolicy>();
  private readonly defaults = new LoadCache<number, EffectivePolicy>();
  /** Policies named by `mergePolicyId` on reads, by tenant and id, so a lookup that names one costs no extra read. */
  private readonly named = new LoadCache<string, EffectivePolicy>();
  private readonly noDefault: EffectivePolicy;

  constructor(
    private readonly db: Db,
    private readonly datasets: DatasetService,
    private readonly clock: Clock,
    private readonly maxPerOrg: number,
  ) {
    this.noDefault = { ...NO_DEFAULT_POLICY, identityGraph: 'none', attributeMerge: 'timestampOrdered', version: 0, materialized: false, plan: compileMergePolicy({ attributeMerge: { type: 'timestampOrdered' }, identityGraph: { type: 'none' } }) };
  }

  /** Creates a policy (version 1). */
  async create(scope: PolicyScope, fields: MergePolicyFields): Promise<MergePolicy> {
    return this.write(scope, undefined, () => fields);
  }

  /** Replaces a policy's fields wholesale (PUT). */
  async replace(scope: PolicyScope, id: string, fields: MergePolicyFields): Promise<MergePolicy> {
    return this.write(scope, id, () => fields);
  }

  /** Applies AEP's PATCH operations (only `add`, dot paths such as `/identityGraph.type`, string values). */
  async patch(scope: PolicyScope, id: string, ops: ReadonlyArray<{ op: string; path: string; value?: unknown }>): Promise<MergePolicy> {
    return this.write(scope, id, (current) => {
      const f: MergePolicyFields = { ...fieldsOf(current!) };
      for (const { op, path, value } of ops) {
        if (op !== 'add' && op !== 'replace') throw new DomainError('MERGE_POLICY_PATCH_INVALID', `op '${op}' is not supported: use add`);
        if (!PATHS.has(path)) throw new DomainError('MERGE_POLICY_PATCH_INVALID', `path '${path}' is not supported: use one of ${[...PATHS].filter((p) => !p.includes('/', 1)).join(', ')}`);
        const text = () => {
          if (typeof value !== 'string') throw new DomainError('MERGE_POLICY_PATCH_INVALID', `${path} takes a string value`);
          return value;
        };
        if (path === '/name') f.name = text();
        else if (path.startsWith('/identityGraph')) f.identityGraph = text();
        else if (path === '/attributeMerge.type' || path === '/attributeMerge/type') f.attributeMerge = text();
        else if (path.startsWith('/attributeMerge')) {
          if (!Array.isArray(value)) throw new DomainError('MERGE_POLICY_PATCH_INVALID', `${path} takes an array of dataset ids`);
          f.order = value as string[];
        } else if (path.startsWith('/schema')) f.className = text();
        else if (path === '/default') f.isDefault = parseFlag(value, 'default');
        else if (path === '/isActiveOnEdge') f.isActiveOnEdge = parseFlag(value, 'isActiveOnEdge');
        // `/version` is read-only: accepted and ignored, as clients echo it back.
      }
      return f;
    });
  }

  private async write(scope: PolicyScope, id: string | undefined, next: (current: MergePolicy | undefined) => MergePolicyFields): Promise<MergePolicy> {
    const now = this.clock();
    const epoch = Math.floor(now / 1000);
    const saved = await this.db.transaction(async (tx) => {
      await tx.lock(LOCK_SPACE, orgKey(scope.orgId));
      const current = id === undefined ? undefined : await rows.findPolicy(tx, scope.tenantId, id);
      if (id !== undefined && !current) throw new DomainError('MERGE_POLICY_NOT_FOUND', `Merge policy '${id}' does not exist in this sandbox`);
      const f = next(current);
      assertPolicyFields(f);
      const order = f.attributeMerge === 'dataSetPrecedence' ? [...(f.order ?? [])] : [];
      for (const datasetId of order) {
        await this.datasets.get(scope.tenantId, datasetId).catch(() => {
          throw new DomainError('MERGE_POLICY_INVALID', `attributeMerge.order names dataset '${datasetId}', which does not exist in this sandbox`);
        });
      }
      const org = await rows.listOrgPolicies(tx, scope.orgId);
      if (!current && org.length >= this.maxPerOrg) {
        throw new DomainError('MERGE_POLICY_LIMIT', `The org already has ${org.length} merge policies; at most ${this.maxPerOrg} are allowed`);
      }
      const edge = org.find((p) => p.isActiveOnEdge && p.id !== id);
      if (f.isActiveOnEdge && edge) {
        // The rule is per org, but the caller may only learn about policies of its own sandbox.
        const holder = edge.tenantId === scope.tenantId ? `Merge policy '${edge.name}' (${edge.id})` : 'A merge policy of another sandbox of this org';
        throw new DomainError('MERGE_POLICY_EDGE_CONFLICT', `${holder} is already active on edge; only one per org may be`);
      }
      const policy: MergePolicy = {
        tenantId: scope.tenantId,
        id: current?.id ?? randomUUID(),
        name: f.name,
        className: f.className,
        identityGraph: f.identityGraph,
        attributeMerge: f.attributeMerge,
        order,
        isDefault: f.isDefault,
        isActiveOnEdge: f.isActiveOnEdge,
        version: (current?.version ?? 0) + 1,
        updateEpoch: epoch,
      };
      if (policy.isDefault) await rows.clearDefault(tx, scope.tenantId, policy.className, policy.id, epoch);
      await rows.savePolicy(tx, policy, now);
      // A new default took the flag (and a version) from the old one, so every cached policy of the sandbox goes.
      await publishChange(tx, { tenantId: scope.tenantId, kind: 'mergePolicy', ...(policy.isDefault ? {} : { id: policy.id }) });
      await appendChanges(tx, [{ tenantId: scope.tenantId, kind: 'policy', policyId: policy.id }], now);
      return policy;
    });
    return saved;
  }

  /** One policy, or MERGE_POLICY_NOT_FOUND. */
  async get(tenantId: number, id: string): Promise<MergePolicy> {
    const p = await rows.findPolicy(this.db, tenantId, id);
    if (!p) throw new DomainError('MERGE_POLICY_NOT_FOUND', `Merge policy '${id}' does not exist in this sandbox`);
    return p;
  }

  /** The sandbox's policies matching the filter, in name order. */
  async list(tenantId: number, filter: PolicyFilter): Promise<MergePolicy[]> {
    const all = (await rows.listPolicies(this.db, tenantId)).filter(
      (p) =>
        (filter.default === undefined || p.isDefault === filter.default) &&
        (filter.className === undefined || p.className === filter.className) &&
        (filter.identityGraph === undefined || p.identityGraph === filter.identityGraph) &&
        (filter.attributeMerge === undefined || p.attributeMerge === filter.attributeMerge) &&
        (filter.version === undefined || p.version === filter.version) &&
        (filter.isActiveOnEdge === undefined || p.isActiveOnEdge === filter.isActiveOnEdge),
    );
    return filter.orderBy === '-name' ? all.reverse() : all;
  }

  /** Deletes a policy. */
  async delete(tenantId: number, id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (!(await rows.deletePolicy(tx, tenantId, id))) throw new DomainError('MERGE_POLICY_NOT_FOUND', `Merge policy '${id}' does not exist in this sandbox`);
      await publishChange(tx, { tenantId, kind: 'mergePolicy', id });
      await appendChanges(tx, [{ tenantId, kind: 'policy', policyId: id }], this.clock());
    });
  }

  /** The policy a read uses: the named one, else the sandbox default for profiles, else no merge and no stitching. */
  async effective(tenantId: number, id: string | undefined): Promise<EffectivePolicy> {
    if (id !== undefined) return this.named.get(`${tenantId}\u0000${id}`, async () => this.compiled(await this.get(tenantId, id)));
    return this.defaults.get(tenantId, async () => {
      const d = (await rows.listPolicies(this.db, tenantId)).find((p) => p.isDefault && p.className === '_xdm.context.profile');
      return d ? this.compiled(d) : this.noDefault;
    });
  }

  /**
   * The sandbox's policies kept materialized (its default profile policy, its edge policy), read through `db`: the
   * write path and the change-feed consumer read them inside their transaction, under the sandbox's profile lock.
   */
  async materializedIn(db: SqlExecutor, tenantId: number): Promise<EffectivePolicy[]> {
    return (await rows.listPolicies(db, tenantId)).filter(isMaterialized).map((p) => this.compiled(p));
  }

  /**
   * Drops what a catalog change made stale: a sandbox's default (any policy write may move it), and on a purge its
   * compiled plans too. Plans are keyed by version, so a changed policy is never read from an old plan anyway.
   */
  catalogChanged(change: CatalogChange | undefined): void {
    const ofTenant = (tenantId: number) => (key: string) => key.startsWith(`${tenantId}\u0000`);
    if (change === undefined) {
      this.defaults.clear();
      this.named.clear();
      this.plans.clear();
    } else if (change.kind === 'mergePolicy') {
      this.defaults.delete(change.tenantId);
      if (change.id === undefined) this.named.deleteWhere(ofTenant(change.tenantId));
      else this.named.delete(`${change.tenantId}\u0000${change.id}`);
    } else if (change.kind === 'sandbox') {
      this.defaults.delete(change.tenantId);
      this.named.deleteWhere(ofTenant(change.tenantId));
      for (const key of this.plans.keys()) if (key.startsWith(`${change.tenantId}\u0000`)) this.plans.delete(key);
    }
  }

  private compiled(p: MergePolicy): EffectivePolicy {
    const key = `${p.tenantId}\u0000${p.id}\u0000${p.version}`;
    let hit = this.plans.get(key);
    if (!hit) {
      const attributeMerge = p.attributeMerge === 'dataSetPrecedence' ? { type: 'dataSetPrecedence' as const, order: [...p.order] } : { type: 'timestampOrdered' as const };
      hit = { id: p.id, identityGraph: p.identityGraph, attributeMerge: p.attributeMerge, order: p.order, version: p.version, materialized: isMaterialized(p), plan: compileMergePolicy({ attributeMerge, identityGraph: { type: p.identityGraph } }) };
      if (this.plans.size > 10_000) this.plans.clear();
      this.plans.set(key, hit);
    }
    return hit;
  }
}

/** Lookups under a sandbox's default profile policy and its edge policy are the hot ones, so those are materialized. */
function isMaterialized(p: MergePolicy): boolean {
  return p.className === '_xdm.context.profile' && (p.isDefault || p.isActiveOnEdge);
}

function fieldsOf(p: MergePolicy): MergePolicyFields {
  return { name: p.name, className: p.className, identityGraph: p.identityGraph, attributeMerge: p.attributeMerge, order: p.order, isDefault: p.isDefault, isActiveOnEdge: p.isActiveOnEdge };
}

