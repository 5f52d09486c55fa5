/**
 * The projector's change-feed consumer: every person a page touched is projected again for each of the sandbox's
 * projections (REACTIVE: only people an edge is reading), and what changed is stored with a stream offset for edges.
 */
import type { SqlExecutor } from '../store/db.js';
import { EDGE_LOCK } from '../store/locks.js';
import { type Change, type IdentityRef, byTenant, touchedBy } from '../changefeed/change.js';
import type { ChangeHandler } from '../changefeed/change-feed.js';
import { clusterOfEach, keyOf } from '../identity/graph.store.js';
import { identityViewKey, viewKeyIdentity } from '../profile/profile-view.store.js';
import type { LiveProjection, Projector } from './projector.js';
import { EDGE_CHANNEL, bumpConfig, heldAmong, pruneDocs, writeDocs } from './edge-docs.store.js';
import { queueReproject } from './reproject.js';

/** The consumer name the feed keeps the projector's offset under. */
export const EDGE_CONSUMER = 'edge-projector';

const NAMED = new Set(['fragments', 'events', 'entity-delete', 'dataset-delete', 'batch-delete']);

/** How long tombstones are kept for edges that were away, and how often the hub looks for what to drop. */
export const TOMBSTONE_KEEP_MS = 7 * 24 * 3600_000;
const PRUNE_EVERY_MS = 60_000;
/** REACTIVE interest lapses this long after the TTL of the last read, once edges have dropped their copy. */
const LAPSE_MARGIN_MS = 60_000;

/** Builds the consumer; `kick` wakes the job runner for reprojects it queues. */
export function edgeConsumer(projector: Projector, clock: () => number, kick: () => void): ChangeHandler {
  let prunedAt = 0;
  return async (changes, tx) => {
    const now = clock();
    if (now - prunedAt >= PRUNE_EVERY_MS) {
      prunedAt = now;
      await pruneDocs(tx, now - TOMBSTONE_KEEP_MS, now - LAPSE_MARGIN_MS, now);
    }
    const effective: Change[] = [];
    for (const [tenantId, entries] of byTenant(changes)) effective.push(...(await apply(tx, tenantId, entries)));
    return effective;
  };

  async function apply(tx: SqlExecutor, tenantId: number, changes: readonly Change[]): Promise<Change[]> {
    if (changes.some((c) => c.kind === 'sandbox-reset')) {
      // The sandbox's projections are gone with its rows: the streams tell their edges to wipe them.
      await bumpConfig(tx);
      await tx.notify(EDGE_CHANNEL, 'config');
    }
    const all = await projector.live(tx, tenantId);
    if (all.length === 0) return [];
    const now = clock();
    // A policy made, changed or deleted (the views' own rebuild entries, which name where to continue, are not news).
    const policyChanges = changes.filter((c) => c.kind === 'policy' && c.after === undefined);
    if (policyChanges.length > 0) {
      // The default may have moved, or a policy's rules changed: the people under it are merged anew.
      const policies = new Set(policyChanges.flatMap((c) => (c.policyId !== undefined ? [c.policyId] : [])));
      for (const l of all) if (l.projection.mergePolicyId === undefined || policies.has(l.projection.mergePolicyId)) await queueReproject(tx, tenantId, l.projection.id, now);
      await bumpConfig(tx);
      await tx.notify(EDGE_CHANNEL, 'config');
      setTimeout(kick, 10);
    }
    // New events change only what is derived from them: computed values, segment membership.
    const readsEvents = all.some((l) => l.membership || l.computed);
    const { whole, gone, named, everyone } = touchedBy(changes, (c) => NAMED.has(c.kind) && (c.kind !== 'events' || readsEvents));
    if (everyone) {
      for (const l of all) await queueReproject(tx, tenantId, l.projection.id, now);
      setTimeout(kick, 10);
    }
    // People whose segment membership moved (keyed as their definitions' policies key people), whose computed values
    // were written (clusters).
    const moved = new Set(changes.flatMap((c) => (c.kind === 'membership' ? (c.people ?? []) : [])));
    const valued = new Set(changes.flatMap((c) => (c.kind === 'computed' ? (c.people ?? []) : [])));
    if (named.size === 0 && whole.size === 0 && gone.size === 0 && moved.size === 0 && valued.size === 0) return [];
    const clusterOf = await clusterOfEach(tx, tenantId, [...named.values()]);
    // An identity's key names a person under pdg only while the identity is outside the graph.
    const loose = [...moved].filter((k) => k.startsWith('i'));
    const inGraph = await clusterOfEach(tx, tenantId, loose.map(viewKeyIdentity));
    const pdgMoved = [...moved].filter((k) => !k.startsWith('i') || !inGraph.has(keyOf(viewKeyIdentity(k))));
    let writes = 0;
    for (const live of all) {
      const members = live.membership ? (live.policy.identityGraph === 'pdg' ? pdgMoved : loose) : [];
      const values = live.computed && live.policy.identityGraph === 'pdg' ? [...valued] : [];
      writes += await projectTouched(tx, live, clusterOf, named, new Set([...whole, ...members, ...values]), gone, now);
    }
    return writes > 0 ? changes.filter((c) => c.kind !== 'policy') : [];
  }

  async function projectTouched(
    tx: SqlExecutor,
    live: LiveProjection,
    clusterOf: ReadonlyMap<string, string>,
    named: ReadonlyMap<string, IdentityRef>,
    whole: ReadonlySet<string>,
    gone: ReadonlySet<string>,
    now: number,
  ): Promise<number> {
    const pdg = live.policy.identityGraph === 'pdg';
    const keys = new Set<string>();
    for (const [k, identity] of named) keys.add((pdg ? clusterOf.get(k) : undefined) ?? identityViewKey(identity));
    for (const c of whole) if (pdg || c.startsWith('i')) keys.add(c);
    let list = [...keys];
    await tx.lock(EDGE_LOCK, 0);
    if (live.destination.replicationPolicy === 'REACTIVE') {
      const wanted = await heldAmong(tx, live.tenantId, live.projection.id, list);
      list = list.filter((k) => wanted.has(k));
    }
    let n = await projector.project(tx, live, list, now);
    // Nobody now, under pdg: a cluster merged into another (the survivor was projected above), and an identity that
    // stood alone and has joined a cluster (its own document goes where one is held; the cluster's was projected).
    const left = pdg ? [...gone, ...[...named].filter(([k]) => clusterOf.has(k)).map(([, identity]) => identityViewKey(identity))] : [];
    if (left.length > 0) n += await writeDocs(tx, live.tenantId, live.projection.id, left.map((personKey) => ({ personKey, doc: undefined })), now);
    return n;
  }
}
