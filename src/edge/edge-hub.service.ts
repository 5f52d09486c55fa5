/**
 * What the hub tells its edges: the configuration of a data center (its projections, their sandboxes, policies and
 * namespaces), the rows to ship after an offset, a person fetched on an edge's miss, and reads that keep REACTIVE
 * people current.
 */
import type { Db } from '../store/db.js';
import type { MergePolicyService } from '../profile/merge-policy.service.js';
import type { NamespaceService } from '../identity/namespace.service.js';
import { personKeyOf } from '../segments/membership-reader.js';
import type { DataCenter, Destination, ReplicationPolicy } from './edge.js';
import type { Projector } from './projector.js';
import { type StoredDoc, docsAfter, extendReads, findDoc, readCounters } from './edge-docs.store.js';

/** One projection as an edge needs to know it. */
export interface EdgeProjectionInfo {
  readonly tenantId: number;
  readonly orgId: string;
  readonly sandbox: string;
  readonly projectionId: string;
  /** The merge policy its profiles are merged under; `defaultPolicy`: it answers lookups that name none. */
  readonly policyId: string;
  readonly defaultPolicy: boolean;
  readonly ttl: number;
  readonly replicationPolicy: ReplicationPolicy;
  readonly version: number;
}

/** The configuration message of a data center. */
export interface EdgeConfig {
  readonly type: 'config';
  readonly version: number;
  readonly projections: readonly EdgeProjectionInfo[];
  /** Per sandbox, its namespaces as `[lower-cased code, numeric id]` (XIDs name namespaces by id). */
  readonly namespaces: Readonly<Record<string, ReadonlyArray<readonly [string, number]>>>;
  /** Offsets at or below it may have lost tombstones: an edge behind it starts again. */
  readonly horizon: number;
}

/** A read an edge reports: (sandbox, projection, person, when: epoch ms). */
export type EdgeRead = readonly [number, string, string, number];

/** Serves edges from the hub's store. */
export class EdgeHub {
  constructor(
    private readonly db: Db,
    private readonly projector: Projector,
    private readonly policies: MergePolicyService,
    private readonly namespaces: NamespaceService,
    private readonly clock: () => number,
  ) {}

  /** The current configuration of `dataCenter`. */
  async config(dataCenter: DataCenter): Promise<EdgeConfig> {
    const counters = await readCounters(this.db);
    const rows = await this.db.all<{ tenant_id: number; id: string; merge_policy_id: string | null; version: number; body: string; org_id: string; name: string }>(
      `SELECT p.tenant_id, p.id, p.merge_policy_id, p.version, d.body, s.org_id, s.name FROM edge_projections p
       JOIN edge_destinations d ON d.tenant_id = p.tenant_id AND d.id = p.destination_id
       JOIN sandboxes s ON s.tenant_id = p.tenant_id ORDER BY p.tenant_id, p.id`,
    );
    const projections: EdgeProjectionInfo[] = [];
    const namespaces: Record<string, Array<readonly [string, number]>> = {};
    for (const r of rows) {
      const d = JSON.parse(r.body) as Pick<Destination, 'dataCenters' | 'ttl' | 'replicationPolicy'>;
      if (!d.dataCenters.includes(dataCenter)) continue;
      const tenantId = Number(r.tenant_id);
      const fallback = await this.policies.effective(tenantId, undefined);
      const policy = r.merge_policy_id === null ? fallback : await this.policies.effective(tenantId, r.merge_policy_id).catch(() => fallback);
      projections.push({
        tenantId, orgId: r.org_id, sandbox: r.name, projectionId: r.id, policyId: policy.id, defaultPolicy: policy.id === fallback.id,
        ttl: d.ttl, replicationPolicy: d.replicationPolicy, version: Number(r.version),
      });
      if (!namespaces[tenantId]) {
        const index = await this.namespaces.index(tenantId);
        namespaces[tenantId] = [...index.byCode.values()].map((n) => [n.code.toLowerCase(), n.id] as const);
      }
    }
    return { type: 'config', version: counters.config, projections, namespaces, horizon: counters.horizon };
  }

  /**
   * Rows after `after` (up to `limit` read), those of `config`'s projections kept; `offset` is the last one read.
   * Undefined when the configuration changed since `config` was read (the counter is read after the rows, so a row of
   * a projection the stream has not heard of yet is never filtered out and passed): send the new one, then ask again.
   */
  async rows(after: number, limit: number, config: EdgeConfig): Promise<{ rows: StoredDoc[]; offset: number; more: boolean } | undefined> {
    const read = await docsAfter(this.db, after, limit);
    if ((await readCounters(this.db)).config !== config.version) return undefined;
    const offset = read.length > 0 ? read[read.length - 1]!.seq : after;
    const projections = new Set(config.projections.map((p) => `${p.tenantId}:${p.projectionId}`));
    return { rows: read.filter((r) => projections.has(`${r.tenantId}:${r.projectionId}`)), offset, more: read.length === limit };
  }

  /** The configuration's version (it moves on every destination or projection change). */
  async configVersion(): Promise<number> {
    return (await readCounters(this.db)).config;
  }

  /** The last offset handed out. */
  async head(): Promise<number> {
    return (await readCounters(this.db)).seq;
  }

  /**
   * An edge's miss: the person named by (ns, id) projected now for each of `projections` (of one sandbox), kept
   * current from here on (REACTIVE: for the destination's TTL, renewed by reads).
   */
  async fetch(dataCenter: DataCenter, tenantId: number, ns: string, id: string, projectionIds: readonly string[]): Promise<StoredDoc[]> {
    const index = await this.namespaces.index(tenantId);
    const namespace = index.byCode.get(ns.toLowerCase());
    if (!namespace) return [];
    const identity = { ns: namespace.code, id };
    // Read-only first: an identity with no profile (a typo, a hostile guess) costs no write transaction.
    let any = false;
    for (const live of await this.projector.live(this.db, tenantId)) {
      if (!projectionIds.includes(live.projection.id) || !live.destination.dataCenters.includes(dataCenter)) continue;
      const key = await personKeyOf(this.db, tenantId, identity, live.policy);
      if ((await this.projector.docsOf(this.db, live, [key])).get(key) !== undefined) any = true;
    }
    if (!any) return [];
    return this.db.transaction(async (tx) => {
      const out: StoredDoc[] = [];
      const now = this.clock();
      for (const live of await this.projector.live(tx, tenantId)) {
        if (!projectionIds.includes(live.projection.id) || !live.destination.dataCenters.includes(dataCenter)) continue;
        const key = await personKeyOf(tx, tenantId, identity, live.policy);
        const reactive = live.destination.replicationPolicy === 'REACTIVE';
        await this.projector.project(tx, live, [key], now, reactive ? { readUntil: now + live.destination.ttl * 1000 } : {});
        const row = await findDoc(tx, tenantId, live.projection.id, key);
        if (row?.doc) out.push(row);
      }
      return out;
    });
  }

  /**
   * Reads edges report: REACTIVE people they read stay current for a TTL from the read (as the edge's own eviction
   * counts it; a read reported late, or from a clock ahead of the hub's, counts from now at most).
   */
  async touch(reads: readonly EdgeRead[], ttlOf: (tenantId: number, projectionId: string) => number | undefined): Promise<void> {
    const groups = new Map<string, { tenantId: number; projectionId: string; until: number; keys: string[] }>();
    const now = this.clock();
    for (const [tenantId, projectionId, key, at] of reads) {
      const ttl = ttlOf(tenantId, projectionId);
      if (ttl === undefined) continue;
      // Rounded up to 10 s, so a report's reads share a few statements instead of one each.
      const until = Math.ceil((Math.min(at, now) + ttl * 1000) / 10_000) * 10_000;
      const g = groups.get(`${tenantId}:${projectionId}:${until}`) ?? { tenantId, projectionId, until, keys: [] };
      g.keys.push(key);
      groups.set(`${tenantId}:${projectionId}:${until}`, g);
    }
    if (groups.size === 0) return;
    await this.db.transaction(async (tx) => {
      for (const g of groups.values()) await extendReads(tx, g.tenantId, g.projectionId, g.keys, g.until);
    });
  }
}
