/** Entity reads: a person's unified profile and events by any identity, under a merge policy; and profile deletion. */
import type { Db } from '../store/db.js';
import { DomainError } from '../shared/errors.js';
import type { IdentityGraph } from '../identity/identity-graph.js';
import type { IdentityKey } from '../identity/graph.store.js';
import type { NamespaceService } from '../identity/namespace.service.js';
import { fromXid, toXid } from '../identity/xid.js';
import { type EffectivePolicy, type MergePolicyService } from './merge-policy.service.js';
import { type EventCursor, type EventRow, type FragmentRow, type Scope, clusterFragmentsOf, deletePerson, eventsOf, fragmentsOf, hasEvents } from './profile.store.js';
import { valuesAt } from './fields.js';
import { appendChanges } from '../changefeed/change.store.js';
import type { ChangeInput } from '../changefeed/change.js';
import { identitiesOf, mergeRows } from './unified.js';
import type { ProfileViews } from './profile-views.js';
import type { ViewAnswer } from './profile-view.store.js';
import type { CaReader, Enricher } from '../computed/ca-reader.js';
import type { MembershipReader } from '../segments/membership-reader.js';

/** The unified profile of one person. */
export interface UnifiedProfile {
  readonly xid: string;
  readonly sources: string[];
  readonly entity: Record<string, unknown>;
  /** Epoch ms. */
  readonly lastModifiedAt: number;
  readonly policyId: string;
}

/** A lookup's answer: a materialized row (answered as text around its stored JSON), or a profile merged at read time. */
export type ProfileAnswer = (
  | { readonly kind: 'view'; readonly xid: string; readonly policyId: string; readonly row: ViewAnswer }
  | { readonly kind: 'merged'; readonly profile: UnifiedProfile }
) & {
  /** Adds what is kept beside the merge: segment membership, and (`withCA`) computed attribute values. */
  readonly enrich?: Enricher;
};

/** One event filter, `path<op>value` (at most 3 per request). */
export interface PropertyFilter {
  readonly path: readonly string[];
  readonly op: '=' | '!=' | '<' | '<=' | '>' | '>=';
  readonly value: string;
}

/**
 * A page of a person's events; `next` is the cursor of the following page, or undefined on the last. Each event's
 * `data` is its stored JSON text, so a page without projections can be answered without parsing and re-serialising.
 */
export interface EventPage {
  readonly xid: string;
  readonly events: readonly EventRow[];
  readonly next: string | undefined;
}

/** Reads people from the profile store; every read is fresh, so an acknowledged write is visible at once. */
export class EntityService {
  constructor(
    private readonly db: Db,
    private readonly namespaces: NamespaceService,
    private readonly graph: IdentityGraph,
    private readonly policies: MergePolicyService,
    private readonly views: ProfileViews,
    private readonly maxIdentities: number,
    private readonly clock: () => number,
    private readonly computed?: CaReader,
    private readonly membership?: MembershipReader,
  ) {}

  /** Resolves `entityId` (+ `entityIdNS`) or an XID to an identity and its XID; 400 for what cannot name one. */
  async identity(tenantId: number, entityId: string, entityIdNS: string | undefined): Promise<{ key: IdentityKey; xid: string }> {
    const index = await this.namespaces.index(tenantId);
    if (entityIdNS === undefined || entityIdNS === '') {
      const decoded = fromXid(entityId);
      const ns = decoded && index.byId.get(decoded.nsid);
      if (!decoded || !ns) throw new DomainError('ENTITY_ID_INVALID', `entityId '${entityId}' is not an XID; give entityIdNS with the namespace code`);
      return { key: { ns: ns.code, id: decoded.id }, xid: entityId };
    }
    const ns = index.byCode.get(entityIdNS.toLowerCase());
    if (!ns) throw new DomainError('ENTITY_NAMESPACE_UNKNOWN', `entityIdNS '${entityIdNS}' is not a namespace of this sandbox`);
    return { key: { ns: ns.code, id: entityId }, xid: toXid(ns.id, entityId) };
  }

  /** Which records are the person's under the policy's identity graph; 422 past the identity limit. */
  private async scope(tenantId: number, key: IdentityKey, policy: EffectivePolicy): Promise<{ scope: Scope; members: IdentityKey[] }> {
    if (policy.identityGraph === 'none') return { scope: { keys: [key] }, members: [key] };
    const members = await this.graph.clusterMembers(tenantId, key);
    if (members.length === 0) return { scope: { keys: [key] }, members: [key] };
    this.checkSize(key, members.length);
    const keys = members.map((m) => ({ ns: m.ns, id: m.id }));
    return { scope: { keys }, members: keys };
  }

  private checkSize(key: IdentityKey, size: number): void {
    if (size > this.maxIdentities) {
      throw new DomainError('ENTITY_TOO_MANY_IDENTITIES', `Too many related identities: the graph of ${key.ns} '${key.id}' holds ${size}, more than ${this.maxIdentities}`);
    }
  }

  /** The person's members and fragments: under `pdg` the cluster and its fragments in one read (the lookup hot path). */
  private async person(tenantId: number, key: IdentityKey, policy: EffectivePolicy): Promise<{ members: IdentityKey[]; rows: FragmentRow[] }> {
    if (policy.identityGraph === 'pdg') {
      const found = await clusterFragmentsOf(this.db, tenantId, key);
      if (found.members.length > 0) {
        this.checkSize(key, found.members.length);
        return { members: found.members, rows: found.fragments };
      }
    }
    return { members: [key], rows: await fragmentsOf(this.db, tenantId, { keys: [key] }) };
  }

  /** The person's merged profile, or undefined when the store holds nothing of them. */
  async profile(tenantId: number, key: IdentityKey, xid: string, mergePolicyId?: string): Promise<UnifiedProfile | undefined> {
    return this.merged(tenantId, key, xid, await this.policies.effective(tenantId, mergePolicyId));
  }

  private async merged(tenantId: number, key: IdentityKey, xid: string, policy: EffectivePolicy): Promise<UnifiedProfile | undefined> {
    const { members, rows } = await this.person(tenantId, key, policy);
    if (rows.length === 0 && !(await hasEvents(this.db, tenantId, { keys: members }))) return undefined;
    const merged = mergeRows(policy, rows);
    return { xid, sources: merged.sources, entity: { ...merged.entity, identities: identitiesOf(members, merged.primaries) }, lastModifiedAt: merged.lastModifiedAt, policyId: policy.id };
  }

  /**
   * The person's profile for a lookup: under a materialized policy one indexed read of the stored merge and the member
   * list; a missing or older-version row (or a policy not materialized) is merged at read time, so every acknowledged
   * write is visible at once either way.
   */
  async lookup(tenantId: number, key: IdentityKey, xid: string, mergePolicyId?: string, withCA = false): Promise<ProfileAnswer | undefined> {
    const policy = await this.policies.effective(tenantId, mergePolicyId);
    const row = await this.views.read(tenantId, key, policy);
    let answer: ProfileAnswer | undefined;
    if (row && row.version === policy.version) {
      this.checkSize(key, row.memberCount);
      answer = { kind: 'view', xid, policyId: policy.id, row };
    } else {
      const profile = await this.merged(tenantId, key, xid, policy);
      answer = profile && { kind: 'merged', profile };
    }
    if (!answer) return undefined;
    const computed = withCA ? await this.computed?.enricher(this.db, tenantId, key) : undefined;
    const membership = await this.membership?.enricher(this.db, tenantId, key, policy);
    const enrich: Enricher | undefined = computed && membership ? (e) => (computed(e), membership(e)) : computed ?? membership;
    return enrich ? { ...answer, enrich } : answer;
  }

  /** A page of the person's events in time order; under dataSetPrecedence only the listed datasets' events count. */
  async events(
    tenantId: number,
    key: IdentityKey,
    xid: string,
    q: { mergePolicyId?: string; startTime?: number; endTime?: number; limit: number; descending: boolean; properties: readonly PropertyFilter[]; start?: string },
  ): Promise<EventPage> {
    const policy = await this.policies.effective(tenantId, q.mergePolicyId);
    const { scope } = await this.scope(tenantId, key, policy);
    let after = q.start === undefined ? undefined : decodeCursor(q.start);
    const datasets = policy.attributeMerge === 'dataSetPrecedence' ? policy.order : undefined;
    const picked: EventRow[] = [];
    let more = false;
    // Property filters run on the parsed events, so read in chunks until a page (and one more) is found;
    // without filters one read of a page and one more row is exact.
    const chunkSize = q.properties.length > 0 ? Math.max(q.limit + 1, 200) : q.limit + 1;
    for (;;) {
      const chunk = await eventsOf(this.db, tenantId, scope, {
        ...(q.startTime === undefined ? {} : { startTime: q.startTime }),
        ...(q.endTime === undefined ? {} : { endTime: q.endTime }),
        ...(after === undefined ? {} : { after }),
        ...(datasets === undefined ? {} : { datasets }),
        descending: q.descending,
        limit: chunkSize,
      });
      for (const row of chunk) {
        if (q.properties.length > 0) {
          const entity = JSON.parse(row.data) as Record<string, unknown>;
          if (!q.properties.every((p) => matches(entity, p))) continue;
        }
        if (picked.length === q.limit) {
          more = true;
          break;
        }
        picked.push(row);
      }
      if (more || chunk.length < chunkSize) break;
      const last = chunk[chunk.length - 1]!;
      after = [Number(last.ts), last.dataset_id, last.event_id];
    }
    const last = picked[picked.length - 1];
    const next = more && last ? encodeCursor([Number(last.ts), last.dataset_id, last.event_id]) : undefined;
    return { xid, events: picked, next };
  }

  /** Deletes the person's records (the identity's, or the whole cluster's under a pdg policy). */
  async delete(tenantId: number, key: IdentityKey, mergePolicyId?: string): Promise<number> {
    const policy = await this.policies.effective(tenantId, mergePolicyId);
    const { members } = await this.scope(tenantId, key, policy);
    // Rows first, then the sandbox's profile lock (settle takes it), in the order writers take them: a writer holds its
    // fragment rows when it asks for the lock, so taking the lock first could deadlock with it.
    return this.db.transaction(async (tx) => {
      const n = await deletePerson(tx, tenantId, members);
      const changes: ChangeInput[] = [{ tenantId, kind: 'entity-delete', identities: members }];
      await this.views.settle(tx, tenantId, changes);
      await appendChanges(tx, changes, this.clock());
      return n;
    });
  }
}

function encodeCursor(c: EventCursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(text: string): EventCursor {
  try {
    const c = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(c) && c.length === 3 && Number.isSafeInteger(c[0]) && typeof c[1] === 'string' && typeof c[2] === 'string') return c as unknown as EventCursor;
  } catch {
    /* fall through */
  }
  throw new DomainError('ENTITY_CURSOR_INVALID', `start '${text}' is not a page cursor returned by this API`);
}

/** Compares one event field with a filter value: as booleans, numbers, dates, or text, whichever both sides are. */
function matches(entity: Record<string, unknown>, f: PropertyFilter): boolean {
  const wanted = f.value.replace(/^"(.*)"$/, '$1');
  return valuesAt(entity, f.path).some((actual) => {
    let cmp: number;
    if (typeof actual === 'boolean') {
      if (wanted !== 'true' && wanted !== 'false') return false;
      cmp = Number(actual) - Number(wanted === 'true');
    } else if (typeof actual === 'number' && wanted !== '' && Number.isFinite(Number(wanted))) cmp = actual - Number(wanted);
    else if (typeof actual === 'string' && isDate(wanted) && Number.isFinite(Date.parse(actual))) cmp = Date.parse(actual) - Date.parse(normalDate(wanted));
    else if (typeof actual === 'string') cmp = actual < wanted ? -1 : actual > wanted ? 1 : 0;
    else return false;
    switch (f.op) {
      case '=': return cmp === 0;
      case '!=': return cmp !== 0;
      case '<': return cmp < 0;
      case '<=': return cmp <= 0;
      case '>': return cmp > 0;
      case '>=': return cmp >= 0;
    }
  });
}

function isDate(v: string): boolean {
  return /^\d{4}-?\d{2}-?\d{2}$/.test(v);
}

function normalDate(v: string): string {
  return v.length === 8 ? `${v.slice(0, 4)}-${v.slice(4, 6)}-${v.slice(6)}` : v;
}
