/**
 * The computed-attribute jobs: a recompute of everyone when a definition starts or changes (or a delete touched too
 * many people to name), and the sandbox's refresh, which re-evaluates the people whose window moved.
 */
import type { SqlExecutor } from '../store/db.js';
import { enqueueJob, queueRecurring } from '../jobs/job.store.js';
import type { JobFailedHook, JobHandler } from '../jobs/job-runner.js';
import type { ComputedAttribute } from './ca.js';
import { isLive } from './ca.js';
import type { CompiledCa } from './ca-engine.js';
import { CA_LOCK, type CaEvaluator } from './ca-evaluator.js';
import * as store from './ca.store.js';
import { clusterPage } from '../identity/graph.store.js';

/** Job kinds. */
export const CA_RECOMPUTE_JOB = 'ca-recompute';
export const CA_REFRESH_JOB = 'ca-refresh';

/** People per step of a recompute or refresh. */
const PAGE = 500;

/** Queues the recompute of everyone for a definition's current version (`reason` makes a repeat of the same version distinct). */
export async function queueRecompute(tx: SqlExecutor, ca: ComputedAttribute, now: number, reason = ''): Promise<void> {
  await enqueueJob(tx, { tenantId: ca.tenantId, kind: CA_RECOMPUTE_JOB, ref: `${ca.id}:${ca.version}${reason}`, payload: { caId: ca.id, version: ca.version } }, now);
  await queueRefresh(tx, ca.tenantId, now);
}

/**
 * Queues the sandbox's next refresh at `at`, unless one runs now (it queues the next itself, at the shortest period
 * of the definitions then live) or one is queued by then. `except`: the refresh asking, which is running.
 */
export function queueRefresh(tx: SqlExecutor, tenantId: number, at: number, except?: number): Promise<void> {
  return queueRecurring(tx, tenantId, CA_REFRESH_JOB, at, except);
}

/** A refresh that fails for good still queues the next one, so the sandbox's windows keep moving. */
export function refreshFailed(clock: () => number): JobFailedHook {
  return async (tx, job) => queueRefresh(tx, job.tenantId, clock() + 60_000, job.jobId);
}

/** `ca` and every live definition that reads it, directly or not, in dependency order. */
function withDependents(ca: CompiledCa, live: readonly CompiledCa[]): CompiledCa[] {
  const ids = new Set([ca.def.id]);
  for (const d of live) if (d.def.dependencies.some((x) => ids.has(x))) ids.add(d.def.id);
  return live.filter((d) => ids.has(d.def.id));
}

/**
 * Records a recompute's progress on its definition (of that version): the current API's status, and once everyone
 * is evaluated, `evaluatedVersion` (from then on a person without a value row holds the empty value) for both APIs.
 */
async function setStatus(tx: SqlExecutor, tenantId: number, id: string, version: number, status: ComputedAttribute['status'], now: number, evaluated: boolean): Promise<void> {
  const ca = await store.findDefinition(tx, tenantId, id);
  if (!ca || ca.version !== version || (!isLive(ca) && status !== 'FAILED')) return;
  if (ca.api !== 'ca' && !evaluated) return;
  // Written only over the row as read, and as a change of its own (updatedAt moves), so it and a PATCH never overwrite
  // each other: whichever comes second sees the row changed (a PATCH is refused and retried; this step is retried).
  const written = await store.replaceDefinition(tx, { ...ca, ...(ca.api === 'ca' ? { status } : {}), ...(evaluated ? { lastEvaluation: now, evaluatedVersion: version } : {}), updatedAt: Math.max(now, ca.updatedAt + 1) }, ca.updatedAt);
  if (!written) throw new Error(`computed attribute ${id} changed while its status was written; the step is retried`);
}

/** Evaluates one definition (and those reading it) for every person of the sandbox, a page per step. */
export function recomputeHandler(evaluator: CaEvaluator, clock: () => number): JobHandler {
  return async (ctx) => {
    const tenantId = ctx.job.tenantId;
    const caId = String(ctx.job.payload.caId);
    const version = Number(ctx.job.payload.version);
    type At = { after: string; done: boolean };
    let at = ctx.job.checkpoint as At | undefined;
    if (!at) {
      at = await ctx.step(async (tx): Promise<At> => {
        await setStatus(tx, tenantId, caId, version, 'PROCESSING', clock(), false);
        return { after: '', done: false };
      });
    }
    while (!at.done) {
      const after: string = at.after;
      at = await ctx.step(async (tx): Promise<At> => {
        await tx.lock(CA_LOCK, tenantId);
        const live = await evaluator.live(tx, tenantId);
        const ca = live.find((d) => d.def.id === caId);
        // Changed again or stopped since: that change queued its own job.
        if (!ca || ca.def.version !== version) return { after, done: true };
        const page = await clusterPage(tx, tenantId, after, PAGE);
        await evaluator.whole(tx, tenantId, withDependents(ca, live), page, live);
        return { after: page[page.length - 1] ?? after, done: page.length < PAGE };
      });
    }
    await ctx.commit(at, (tx) => setStatus(tx, tenantId, caId, version, 'PROCESSED', clock(), true));
  };
}

/** A recompute that fails for good leaves its definition FAILED (the current API's status). */
export function recomputeFailed(clock: () => number): JobFailedHook {
  return async (tx, job) => setStatus(tx, job.tenantId, String(job.payload.caId), Number(job.payload.version), 'FAILED', clock(), false);
}

/**
 * Re-evaluates, for each live definition, the people whose window has dropped or gained an event by now, then queues
 * the next refresh at the shortest refresh period of the live definitions (hourly for lookbacks up to a day, and so on).
 */
export function refreshHandler(evaluator: CaEvaluator, clock: () => number): JobHandler {
  return async (ctx) => {
    const tenantId = ctx.job.tenantId;
    let more = true;
    while (more) {
      more = await ctx.step(async (tx) => {
        await tx.lock(CA_LOCK, tenantId);
        const live = await evaluator.live(tx, tenantId);
        const now = clock();
        for (const ca of live) {
          const people = await store.expiredPeople(tx, tenantId, ca.def.id, now, PAGE);
          if (people.length === 0) continue;
          await evaluator.whole(tx, tenantId, withDependents(ca, live), people, live);
          return true;
        }
        return false;
      });
    }
    await ctx.commit(null, async (tx) => {
      const live = await evaluator.live(tx, tenantId);
      if (live.length === 0) return;
      const period = Math.min(...live.map((d) => d.refreshMs));
      await queueRefresh(tx, tenantId, clock() + period, ctx.job.jobId);
    });
  };
}
