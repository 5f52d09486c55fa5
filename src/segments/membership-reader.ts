/** `segmentMembership` in profile reads: the person's rows placed as AEP shows them, under the `ups` namespace. */
import type { SqlExecutor } from '../store/db.js';
import type { SandboxPresence } from '../store/presence.js';
import { type IdentityKey, clusterOf } from '../identity/graph.store.js';
import { identityViewKey } from '../profile/profile-view.store.js';
import type { EffectivePolicy } from '../profile/merge-policy.service.js';
import type { Enricher } from '../computed/ca-reader.js';
import { type MembershipRow, membershipOf } from './segment.store.js';

/** Sets `segmentMembership.ups.<segmentId>` = `{status, lastQualificationTime}` for each row, keeping other namespaces. */
export function placeMembership(entity: Record<string, unknown>, rows: readonly MembershipRow[]): void {
  if (!rows.some((r) => r.status !== 'none')) return;
  const current = entity.segmentMembership;
  const map = current !== null && typeof current === 'object' && !Array.isArray(current) ? { ...(current as Record<string, unknown>) } : {};
  const ups: Record<string, unknown> = map.ups !== null && typeof map.ups === 'object' ? { ...(map.ups as Record<string, unknown>) } : {};
  for (const r of rows) if (r.status !== 'none') ups[r.segmentId] = { status: r.status, lastQualificationTime: new Date(r.qualifiedAt).toISOString(), version: String(r.version) };
  map.ups = ups;
  entity.segmentMembership = map;
}

/** The person's view key under a policy: their cluster (pdg; an identity outside the graph stands alone), else the identity. */
export async function personKeyOf(db: SqlExecutor, tenantId: number, key: IdentityKey, policy: Pick<EffectivePolicy, 'identityGraph'>): Promise<string> {
  if (policy.identityGraph === 'pdg') return (await clusterOf(db, tenantId, key)) ?? identityViewKey(key);
  return identityViewKey(key);
}

/** Reads a person's membership for the entities API; costs nothing in a sandbox without segment definitions. */
export class MembershipReader {
  constructor(private readonly presence: SandboxPresence) {}

  /** The enricher that adds the person's membership, or undefined when they have none. */
  async enricher(db: SqlExecutor, tenantId: number, key: IdentityKey, policy: EffectivePolicy): Promise<Enricher | undefined> {
    if (!(await this.presence.has(tenantId))) return undefined;
    const rows = await membershipOf(db, tenantId, [await personKeyOf(db, tenantId, key, policy)]);
    return rows.some((r) => r.status !== 'none') ? (entity) => placeMembership(entity, rows) : undefined;
  }
}
