/**
 * The projected document of people under a projection: their unified profile (the materialized one where the policy
 * keeps it), with segment membership and computed values where the selector asks for them, reduced to the selector.
 */
import type { SqlExecutor } from '../store/db.js';
import { EDGE_LOCK } from '../store/locks.js';
import type { EffectivePolicy, MergePolicyService } from '../profile/merge-policy.service.js';
import { type ScannedProfile, profilesByKey } from '../jobs/export/profile-scan.js';
import type { CaReader } from '../computed/ca-reader.js';
import type { SandboxPresence } from '../store/presence.js';
import { placeMembership } from '../segments/membership-reader.js';
import { type MembershipRow, membershipOf } from '../segments/segment.store.js';
import type { Destination, EdgeDoc, Projection } from './edge.js';
import { type Selection, parseSelector, projectSelection, selectorRoots } from './selector.js';
import { listDestinations, listProjections } from './edge-config.store.js';
import { type DocWrite, writeDocs } from './edge-docs.store.js';

/** A projection ready to project: its destination, the merge policy it reads people under, its parsed selector. */
export interface LiveProjection {
  readonly tenantId: number;
  readonly projection: Projection;
  readonly destination: Destination;
  readonly policy: EffectivePolicy;
  readonly selection: Selection;
  /** The selector reads segment membership. */
  readonly membership: boolean;
  /** The selector may read computed values (they live under the tenant's `_` field). */
  readonly computed: boolean;
}

/** Builds projected documents and stores what changed. */
export class Projector {
  private readonly selections = new Map<string, Selection>();

  constructor(
    private readonly policies: MergePolicyService,
    private readonly computed: CaReader,
    private readonly presence: SandboxPresence,
  ) {}

  /** The sandbox's projections with their destinations and policies, read through `db` (none: no read at all). */
  async live(db: SqlExecutor, tenantId: number): Promise<LiveProjection[]> {
    if (!(await this.presence.has(tenantId))) return [];
    const projections = await listProjections(db, tenantId);
    if (projections.length === 0) return [];
    const destinations = new Map((await listDestinations(db, tenantId)).map((d) => [d.id, d]));
    const out: LiveProjection[] = [];
    for (const projection of projections) {
      const destination = destinations.get(projection.destinationId);
      if (!destination) continue;
      // A policy deleted since falls back to the default, as reads do.
      const fallback = () => this.policies.effective(tenantId, undefined);
      const policy = projection.mergePolicyId === undefined ? await fallback() : await this.policies.effective(tenantId, projection.mergePolicyId).catch(fallback);
      const selection = this.selection(projection.selector);
      const roots = selectorRoots(selection);
      out.push({ tenantId, projection, destination, policy, selection, membership: roots.includes('segmentMembership'), computed: roots.some((r) => r.startsWith('_')) });
    }
    return out;
  }

  private selection(selector: string): Selection {
    let s = this.selections.get(selector);
    if (!s) {
      s = parseSelector(selector);
      if (this.selections.size > 1_000) this.selections.clear();
      this.selections.set(selector, s);
    }
    return s;
  }

  /** The documents of these people (view keys under the projection's policy); a person with no profile is a tombstone. */
  async docsOf(db: SqlExecutor, live: LiveProjection, keys: readonly string[]): Promise<Map<string, EdgeDoc | undefined>> {
    const out = new Map<string, EdgeDoc | undefined>();
    if (keys.length === 0) return out;
    const profiles = await profilesByKey(db, live.tenantId, live.policy, keys);
    const membership = live.membership ? byPerson(await membershipOf(db, live.tenantId, keys)) : undefined;
    const clusters = keys.filter((k) => !k.startsWith('i'));
    const computed = live.computed && clusters.length > 0 ? await this.computed.enrichers(db, live.tenantId, clusters) : undefined;
    for (const key of keys) {
      const p = profiles.get(key);
      if (!p || p.sources.length === 0) {
        out.set(key, undefined);
        continue;
      }
      const entity = { ...p.entity };
      if (membership) placeMembership(entity, membership.get(key) ?? []);
      if (computed && !key.startsWith('i')) computed(key)(entity);
      out.set(key, {
        identities: identitiesOf(p),
        entity: JSON.stringify(projectSelection(entity, live.selection)),
        sources: JSON.stringify(p.sources),
        modifiedAt: p.lastModifiedAt,
        policyId: live.policy.id,
      });
    }
    return out;
  }

  /**
   * Projects these people and stores what changed; `readUntil` marks REACTIVE interest, `force` ships every row
   * again (a reproject: the edges of a data center that just joined have none of them). Returns rows written.
   */
  async project(tx: SqlExecutor, live: LiveProjection, keys: readonly string[], now: number, options: { readUntil?: number; force?: boolean } = {}): Promise<number> {
    if (keys.length === 0) return 0;
    // Before reading anyone: a writer that read an older profile commits before this one reads (see EDGE_LOCK).
    await tx.lock(EDGE_LOCK, 0);
    const docs = await this.docsOf(tx, live, keys);
    const writes: DocWrite[] = [...docs].map(([personKey, doc]) => ({ personKey, doc: doc === undefined ? undefined : docText(doc) }));
    return writeDocs(tx, live.tenantId, live.projection.id, writes, now, options.readUntil, options.force === true);
  }
}

/** A document as the hub stores and streams it (the entity and sources inline, not as strings). */
export function docText(doc: EdgeDoc): string {
  return `{"identities":${JSON.stringify(doc.identities)},"entity":${doc.entity},"sources":${doc.sources},"modifiedAt":${doc.modifiedAt},"policyId":${JSON.stringify(doc.policyId)}}`;
}

function identitiesOf(p: ScannedProfile): Array<{ ns: string; id: string }> {
  if (Array.isArray(p.members)) return (p.members as ReadonlyArray<{ ns: string; id: string }>).map((m) => ({ ns: m.ns.toLowerCase(), id: m.id }));
  // A materialized row names its members in the entity's `identities` list (namespace codes lower-cased).
  const listed = p.entity.identities;
  if (!Array.isArray(listed)) return [];
  return listed.flatMap((i: { id?: unknown; namespace?: { code?: unknown } }) => (typeof i?.id === 'string' && typeof i.namespace?.code === 'string' ? [{ ns: i.namespace.code.toLowerCase(), id: i.id }] : []));
}

function byPerson(rows: readonly MembershipRow[]): Map<string, MembershipRow[]> {
  const out = new Map<string, MembershipRow[]>();
  for (const r of rows) out.set(r.personKey, [...(out.get(r.personKey) ?? []), r]);
  return out;
}
