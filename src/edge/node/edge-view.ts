/** The configuration an edge holds, indexed for lookups: sandboxes by (org, name), projections by policy, namespaces. */
import type { EdgeConfig, EdgeProjectionInfo } from '../edge-hub.service.js';

/** A sandbox as the edge knows it. */
export interface EdgeTenant {
  readonly tenantId: number;
  readonly projections: readonly EdgeProjectionInfo[];
  /** Lower-cased namespace code → numeric id, and back. */
  readonly nsIds: ReadonlyMap<string, number>;
  readonly nsCodes: ReadonlyMap<number, string>;
}

/** An index over one configuration message. */
export class EdgeView {
  private readonly tenants = new Map<string, EdgeTenant>();
  private readonly byId = new Map<number, EdgeTenant>();
  private readonly projections = new Map<string, EdgeProjectionInfo>();

  constructor(readonly config: EdgeConfig) {
    const grouped = new Map<number, EdgeProjectionInfo[]>();
    for (const p of config.projections) {
      grouped.set(p.tenantId, [...(grouped.get(p.tenantId) ?? []), p]);
      this.projections.set(`${p.tenantId}:${p.projectionId}`, p);
    }
    for (const [tenantId, list] of grouped) {
      const ns = config.namespaces[tenantId] ?? [];
      const tenant: EdgeTenant = { tenantId, projections: list, nsIds: new Map(ns.map(([code, id]) => [code, id])), nsCodes: new Map(ns.map(([code, id]) => [id, code])) };
      this.tenants.set(`${list[0]!.orgId}\n${list[0]!.sandbox}`, tenant);
      this.byId.set(tenantId, tenant);
    }
  }

  /** The sandbox `name` of `orgId`, when it has projections here. */
  tenant(orgId: string, sandbox: string): EdgeTenant | undefined {
    return this.tenants.get(`${orgId}\n${sandbox}`);
  }

  /** A sandbox by its key. */
  tenantById(tenantId: number): EdgeTenant | undefined {
    return this.byId.get(tenantId);
  }

  /** One projection. */
  projection(tenantId: number, projectionId: string): EdgeProjectionInfo | undefined {
    return this.projections.get(`${tenantId}:${projectionId}`);
  }

  /** Every projection of every sandbox. */
  all(): readonly EdgeProjectionInfo[] {
    return this.config.projections;
  }
}

/** The projections of a sandbox that answer a lookup under `mergePolicyId` (none: the sandbox's default policy). */
export function answering(tenant: EdgeTenant, mergePolicyId: string | undefined): EdgeProjectionInfo[] {
  return tenant.projections.filter((p) => (mergePolicyId === undefined ? p.defaultPolicy : p.policyId === mergePolicyId));
}
