/**
 * The change-feed consumer that keeps computed values current: new events are folded in, people whose graph or data
 * changed otherwise are evaluated whole, and a change too large to name queues a recompute of everyone.
 */
import type { SqlExecutor } from '../store/db.js';
import { type Change, byTenant, recordsChanged, touchedBy } from '../changefeed/change.js';
import type { ChangeHandler } from '../changefeed/change-feed.js';
import { clusterOfEach, keyOf } from '../identity/graph.store.js';
import type { PersonEvent } from './ca-engine.js';
import { CA_LOCK, type CaEvaluator } from './ca-evaluator.js';
import { eventsById } from './ca-people.js';
import { queueRecompute } from './ca-jobs.js';
import { deleteValuesOf } from './ca.store.js';

export { CA_CONSUMER } from './ca-evaluator.js';

const DELETES = new Set(['entity-delete', 'dataset-delete', 'batch-delete']);

/** Builds the consumer; `kick` wakes the job runner when a recompute was queued. */
export function caConsumer(evaluator: CaEvaluator, clock: () => number, kick: () => void): ChangeHandler {
  return async (changes, tx) => {
    const effective: Change[] = [];
    for (const [tenantId, entries] of byTenant(changes)) effective.push(...(await apply(tx, tenantId, entries)));
    return effective;
  };

  async function apply(tx: SqlExecutor, tenantId: number, changes: readonly Change[]): Promise<Change[]> {
    const interesting = changes.some(recordsChanged);
    if (!interesting) return [];
    if ((await evaluator.live(tx, tenantId)).length === 0) return [];
    await tx.lock(CA_LOCK, tenantId);
    // Read again under the lock: a definition changed (and a recompute step ran) meanwhile must not be written over.
    const live = await evaluator.live(tx, tenantId);
    const readsProfile = live.some((d) => d.readsProfile);
    // Written before this process's writers heard of the sandbox's first definition, an events entry names no events:
    // its people are evaluated whole.
    const { whole, gone, named, everyone } = touchedBy(changes, (c) => DELETES.has(c.kind) || (c.kind === 'fragments' && readsProfile) || (c.kind === 'events' && c.eventIds === undefined));
    const fresh = new Map<string, Set<string>>();
    for (const c of changes) {
      if (c.kind !== 'events') continue;
      for (const [datasetId, ids] of Object.entries(c.eventIds ?? {})) {
        let set = fresh.get(datasetId);
        if (!set) fresh.set(datasetId, (set = new Set()));
        for (const id of ids) set.add(id);
      }
    }
    const now = clock();
    if (everyone) {
      for (const ca of live) await queueRecompute(tx, ca.def, now, `:${now}`);
      setTimeout(kick, 10);
    }
    const newEvents = await eventsById(tx, tenantId, fresh);
    const clusterOf = await clusterOfEach(tx, tenantId, [...named.values(), ...newEvents.map((e) => e.primary)]);
    for (const k of named.values()) {
      const c = clusterOf.get(keyOf(k));
      if (c) whole.add(c);
    }
    await deleteValuesOf(tx, tenantId, [...gone]);
    const byPerson = new Map<string, PersonEvent[]>();
    for (const e of newEvents) {
      const cluster = clusterOf.get(keyOf(e.primary));
      if (!cluster || whole.has(cluster)) continue;
      const list = byPerson.get(cluster);
      if (list) list.push(e);
      else byPerson.set(cluster, [e]);
    }
    // This page is applied when the transaction commits: only entries after it are still to come.
    const last = changes[changes.length - 1]!;
    const applied = { xid: last.xid, seq: last.seq };
    await evaluator.whole(tx, tenantId, live, [...whole], live, applied);
    const changed = await evaluator.fresh(tx, tenantId, live, byPerson, applied);
    return changes.filter((c) => c.kind !== 'events' ? whole.size > 0 || everyone : (c.identities ?? []).some((k) => changed.has(clusterOf.get(keyOf(k)) ?? '')));
  }
}
