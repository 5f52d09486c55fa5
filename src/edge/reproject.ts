/**
 * The reproject job: ships a projection's every profile again after its configuration changed (a new projection, a
 * new selector, a destination in new data centers, a policy change). PROACTIVE walks every person of the sandbox under
 * the projection's policy, then removes those it no longer has; REACTIVE walks only the people edges asked for.
 */
import type { SqlExecutor } from '../store/db.js';
import { enqueueJob } from '../jobs/job.store.js';
import type { JobHandler } from '../jobs/job-runner.js';
import { type ScanCursor, scanPage, scanStart } from '../jobs/export/profile-scan.js';
import type { Projector } from './projector.js';
import { heldKeys, readCounters, staleKeys, writeDocs } from './edge-docs.store.js';

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
}

/** Queues a reproject of one projection (a queued one not yet started covers it). */
export async function queueReproject(tx: SqlExecutor, tenantId: number, projectionId: string, now: number): Promise<void> {
  // One job per change (refs are unique), unless one not yet started will see this change anyway.
  const queued = await tx.get("SELECT 1 AS x FROM jobs WHERE tenant_id = ? AND kind = ? AND ref LIKE ? AND status = 'queued' LIMIT 1", [tenantId, REPROJECT_JOB, `${projectionId}@%`]);
  if (!queued) await enqueueJob(tx, { tenantId, kind: REPROJECT_JOB, ref: `${projectionId}@${now}`, payload: { projectionId } }, now);
}

/** Runs a reproject, a page per step (resumable from its checkpoint). */
export function reprojectHandler(projector: Projector, clock: () => number): JobHandler {
  return async (ctx) => {
    const tenantId = ctx.job.tenantId;
    const projectionId = String(ctx.job.payload.projectionId);
    let at = ctx.job.checkpoint as Checkpoint | undefined;
    if (!at) {
      at = await ctx.step(async (tx): Promise<Checkpoint> => ({ phase: 'scan', cursor: null, after: '', startSeq: (await readCounters(tx)).seq + 1 }));
    }
    while (at.phase !== 'done') {
      const from: Checkpoint = at;
      at = await ctx.step(async (tx): Promise<Checkpoint> => {
        const live = (await projector.live(tx, tenantId)).find((l) => l.projection.id === projectionId);
        if (!live) return { ...from, phase: 'done' }; // deleted meanwhile: nothing to ship
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
          await projector.project(tx, live, keys, now, { force: true });
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
