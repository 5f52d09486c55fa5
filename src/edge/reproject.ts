/**
 * The reproject job: ships a projection's every profile again after its configuration changed (a new projection, a
 * new selector, a destination in new data centers, a policy change). PROACTIVE walks every person of the sandbox under
 * the projection's policy, then removes those it no longer has; REACTIVE walks only the people edges asked for.
 */
import type { SqlExecutor } from '../store/db.js';
import { enqueueJob } from '../jobs/job.store.js';
import { uuid } from '../shared/ids.js';
import { clusterOfEach, keyOf } from '../identity/graph.store.js';
import { viewKeyIdentity } from '../profile/profile-view.store.js';
import type { JobHandler } from '../jobs/job-runner.js';
import { type ScanCursor, scanPage, scanStart } from '../jobs/export/profile-scan.js';
import type { Projector } from './projector.js';
import { heldKeys, readCounters, resetInterest, staleKeys, writeDocs } from './edge-docs.store.js';
import { findDestination, findProjection } from './edge-config.store.js';

/** The job kind. */
export const REPROJECT_JOB = 'edge-reproject';

export { EDGE_CHANNEL } from './edge-docs.store.js';

const PAGE = 500;

interface Checkpoint {
  readonly phase: 'scan' | 'held' | 'stale' | 'done';
  readonly cursor: ScanCursor | null;
  readonly after: string;
  /** Rows older than this offset were not written by this run. */
  readonly startSeq: number;
  /** How the run keys people (the policy's graph when it started): a change restarts the run. */
  readonly graph?: 'pdg' | 'none';
}

/** Queues a reproject of one projection (a queued one not yet started covers it). */
export async function queueReproject(tx: SqlExecutor, tenantId: number, projectionId: string, now: number): Promise<void> {
  // One job per change (refs are unique), unless one not yet started will see this change anyway.
  const queued = await tx.get("SELECT 1 AS x FROM jobs WHERE tenant_id = ? AND kind = ? AND ref LIKE ? AND status = 'queued' LIMIT 1", [tenantId, REPROJECT_JOB, `${projectionId}@%`]);
  if (!queued) await enqueueJob(tx, { tenantId, kind: REPROJECT_JOB, ref: `${projectionId}@${now}:${uuid()}`, payload: { projectionId } }, now);
}

/** Runs a reproject, a page per step (resumable from its checkpoint). */
export function reprojectHandler(projector: Projector, clock: () => number): JobHandler {
  return async (ctx) => {
    const tenantId = ctx.job.tenantId;
    const projectionId = String(ctx.job.payload.projectionId);
    let at = ctx.job.checkpoint as Checkpoint | undefined;
    if (!at) at = await ctx.step((tx) => begin(tx, tenantId, projectionId, clock()));
    while (at.phase !== 'done') {
      const was: Checkpoint = at;
      at = await ctx.step(async (tx): Promise<Checkpoint> => {
        const live = (await projector.live(tx, tenantId)).find((l) => l.projection.id === projectionId);
        if (!live) return { ...was, phase: 'done' }; // deleted meanwhile: nothing to ship
        const graph = live.policy.identityGraph;
        // The policy changed how it keys people since the run began: what it wrote so far is keyed the old way.
        if (was.graph !== undefined && was.graph !== graph) return { ...(await begin(tx, tenantId, projectionId, clock())), graph };
        const from: Checkpoint = { ...was, graph };
        const now = clock();
        const reactive = live.destination.replicationPolicy === 'REACTIVE';
        if (from.phase === 'scan' && reactive) return { ...from, phase: 'held' };
        if (from.phase === 'scan') {
          const cursor = from.cursor ?? scanStart(live.policy);
          const page = await scanPage(tx, tenantId, live.policy, cursor, PAGE, { emptyProfiles: false });
          await projector.project(tx, live, page.profiles.map((p) => p.key), now, { force: true });
          return page.next.phase === 'done' ? { ...from, phase: 'stale', cursor: null } : { ...from, cursor: page.next };
        }
        if (from.phase === 'held') {
          const keys = await heldKeys(tx, tenantId, projectionId, from.after, PAGE);
          // Held people keyed otherwise than the policy keys them now (it changed graph) are nobody under it.
          const valid = await validKeys(tx, tenantId, live.policy.identityGraph, keys);
          await projector.project(tx, live, keys.filter((k) => valid.has(k)), now, { force: true });
          await writeDocs(tx, tenantId, projectionId, keys.filter((k) => !valid.has(k)).map((personKey) => ({ personKey, doc: undefined })), now);
          return keys.length < PAGE ? { ...from, phase: 'stale' } : { ...from, after: keys[keys.length - 1]! };
        }
        // Whoever the run did not write again is no longer a person of the projection (a policy change re-keyed them).
        const stale = await staleKeys(tx, tenantId, projectionId, from.startSeq, PAGE);
        if (reactive) {
          // REACTIVE rows the run skipped are people nobody reads any more: they expire on their own.
          return { ...from, phase: 'done' };
        }
        await writeDocs(tx, tenantId, projectionId, stale.map((personKey) => ({ personKey, doc: undefined })), now);
        return stale.length < PAGE ? { ...from, phase: 'done' } : from;
      });
    }
  };
}

/**
 * The run's start: its offset, and interest reset to what the replication policy means now (PROACTIVE rows never
 * lapse; REACTIVE rows held get a TTL from now, which reads then extend).
 */
async function begin(tx: SqlExecutor, tenantId: number, projectionId: string, now: number): Promise<Checkpoint> {
  const projection = await findProjection(tx, tenantId, projectionId);
  const destination = projection && (await findDestination(tx, tenantId, projection.destinationId));
  if (destination) await resetInterest(tx, tenantId, projectionId, destination.replicationPolicy === 'PROACTIVE' ? undefined : now + destination.ttl * 1000);
  return { phase: 'scan', cursor: null, after: '', startSeq: (await readCounters(tx)).seq + 1 };
}

/** Which of these keys name a person under a policy of `graph`: clusters under pdg, identities outside the graph under either. */
async function validKeys(tx: SqlExecutor, tenantId: number, graph: 'pdg' | 'none', keys: readonly string[]): Promise<Set<string>> {
  const identities = keys.filter((k) => k.startsWith('i'));
  if (graph === 'none') return new Set(identities);
  const inGraph = await clusterOfEach(tx, tenantId, identities.map(viewKeyIdentity));
  return new Set(keys.filter((k) => !k.startsWith('i') || !inGraph.has(keyOf(viewKeyIdentity(k)))));
}
