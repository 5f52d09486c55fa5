/**
 * The change-feed consumer of streaming segments: every person a change touched is evaluated again against the
 * sandbox's streaming definitions, so they enter or exit as the write lands; people merged away lose their membership.
 */
import type { SqlExecutor } from '../store/db.js';
import { SEGMENT_LOCK } from '../store/locks.js';
import { type Change, type IdentityRef, byTenant, recordsChanged, touchedBy } from '../changefeed/change.js';
import type { ChangeHandler } from '../changefeed/change-feed.js';
import { clusterOfEach } from '../identity/graph.store.js';
import { identityViewKey } from '../profile/profile-view.store.js';
import type { MergePolicyService } from '../profile/merge-policy.service.js';
import { isStreaming } from './segment.js';
import type { SegmentEvaluator } from './segment-evaluator.js';
import { deleteMembershipOf, listDefinitions } from './segment.store.js';
import { streamingGroups } from './segment-refresh.js';

/** The consumer name the feed keeps the streaming segments' offset under. */
export const SEGMENT_CONSUMER = 'segments';

const NAMED = new Set(['fragments', 'events', 'entity-delete', 'dataset-delete', 'batch-delete']);

/** Queues a segment job of the sandbox's streaming definitions (a change too large to name its people). */
export type QueueEveryone = (tx: SqlExecutor, tenantId: number) => Promise<void>;

/** Builds the consumer. */
export function segmentConsumer(evaluator: SegmentEvaluator, policies: MergePolicyService, everyone: QueueEveryone): ChangeHandler {
  return async (changes, tx) => {
    const effective: Change[] = [];
    for (const [tenantId, entries] of byTenant(changes)) effective.push(...(await apply(tx, tenantId, entries)));
    return effective;
  };

  async function apply(tx: SqlExecutor, tenantId: number, changes: readonly Change[]): Promise<Change[]> {
    if (!changes.some(recordsChanged)) return [];
    const all = await listDefinitions(tx, tenantId);
    if (all.length === 0) return [];
    await tx.lock(SEGMENT_LOCK, tenantId);
    const streaming = all.filter(isStreaming);
    // New events can change these: event counts, computed values, other segments' membership.
    const readsEvents = streaming.some((d) => d.readsEvents || d.readsComputed === true || d.segments.length > 0);
    const { whole, gone, named, everyone: many } = touchedBy(changes, (c) => NAMED.has(c.kind) && (c.kind !== 'events' || readsEvents));
    // A cluster merged away is nobody now: its rows go, whatever the definition (the survivor is evaluated).
    await deleteMembershipOf(tx, tenantId, [...gone]);
    if (streaming.length === 0) return [];
    if (many) await everyone(tx, tenantId);
    const clusterOf = await clusterOfEach(tx, tenantId, [...named.values()]);
    // Identities some entry other than new events named: their people are evaluated in full.
    const otherwise = touchedBy(changes, (c) => NAMED.has(c.kind) && c.kind !== 'events').named;
    let writes = 0;
    for (const { policy, defs } of await streamingGroups(tx, tenantId, policies)) {
      const keyOf = (k: string, identity: IdentityRef) => (policy.identityGraph === 'pdg' ? clusterOf.get(k) : undefined) ?? identityViewKey(identity);
      const keys = new Set<string>();
      for (const [k, identity] of named) keys.add(keyOf(k, identity));
      const full = new Set<string>();
      for (const [k, identity] of otherwise) full.add(keyOf(k, identity));
      if (policy.identityGraph === 'pdg') for (const c of whole) keys.add(c), full.add(c);
      const eventsOnly = new Set([...keys].filter((k) => !full.has(k)));
      writes += (await evaluator.evaluateKeys(tx, tenantId, policy, evaluator.compile(defs), [...keys], eventsOnly)).length;
    }
    return writes > 0 ? changes.filter(recordsChanged) : [];
  }
}
