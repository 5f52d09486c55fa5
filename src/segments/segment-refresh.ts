/**
 * Time-based qualification for streaming definitions: the refresh job re-evaluates the people whose answer time alone
 * may have changed (an event left its window, a future event arrived), at the soonest such moment of the sandbox.
 */
import type { SqlExecutor } from '../store/db.js';
import { SEGMENT_LOCK } from '../store/locks.js';
import { queueRecurring } from '../jobs/job.store.js';
import type { JobFailedHook, JobHandler } from '../jobs/job-runner.js';
import type { EffectivePolicy, MergePolicyService } from '../profile/merge-policy.service.js';
import { type SegmentDefinition, isStreaming } from './segment.js';
import { clusterOfEach, keyOf } from '../identity/graph.store.js';
import { viewKeyIdentity } from '../profile/profile-view.store.js';
import type { SegmentEvaluator } from './segment-evaluator.js';
import { expiredPeople, listDefinitions, nextExpiry } from './segment.store.js';

/** The job kind of the sandbox's refresh. */
export const SEGMENT_REFRESH_JOB = 'segment-refresh';

const PAGE = 500;

/**
 * Queues the sandbox's refresh at `at`, unless one is queued by then. A running one is no cover: it may have looked
 * for the next expiry already (an extra run finds nothing to do).
 */
export function queueSegmentRefresh(tx: SqlExecutor, tenantId: number, at: number, except?: number): Promise<void> {
  return queueRecurring(tx, tenantId, SEGMENT_REFRESH_JOB, at, except, false);
}

/** The sandbox's streaming definitions grouped by the merge policy each is evaluated under. */
export async function streamingGroups(tx: SqlExecutor, tenantId: number, policies: MergePolicyService): Promise<Array<{ policy: EffectivePolicy; defs: SegmentDefinition[] }>> {
  const streaming = (await listDefinitions(tx, tenantId)).filter(isStreaming);
  if (streaming.length === 0) return [];
  const fallback = await policies.effective(tenantId, undefined);
  const groups = new Map<string, SegmentDefinition[]>();
  for (const d of streaming) groups.set(d.mergePolicyId, [...(groups.get(d.mergePolicyId) ?? []), d]);
  const out: Array<{ policy: EffectivePolicy; defs: SegmentDefinition[] }> = [];
  for (const [id, defs] of groups) {
    // A policy deleted since falls back to the default, as reads do.
    const policy = id === '' ? fallback : await policies.effective(tenantId, id).catch(() => fallback);
    out.push({ policy, defs });
  }
  return out;
}

/** Re-evaluates the people whose rows expired, a page per step, then queues the next refresh at the soonest expiry. */
export function segmentRefreshHandler(evaluator: SegmentEvaluator, policies: MergePolicyService, clock: () => number): JobHandler {
  return async (ctx) => {
    const tenantId = ctx.job.tenantId;
    let more = true;
    while (more) {
      more = await ctx.step(async (tx) => {
        await tx.lock(SEGMENT_LOCK, tenantId);
        const now = clock();
        const keys = await expiredPeople(tx, tenantId, now, PAGE);
        if (keys.length === 0) return false;
        const identities = keys.filter((k) => k.startsWith('i'));
        // Under pdg an identity is a person of its own only outside the graph; in a cluster, the cluster is.
        const inGraph = await clusterOfEach(tx, tenantId, identities.map(viewKeyIdentity));
        const loose = identities.filter((k) => !inGraph.has(keyOf(viewKeyIdentity(k))));
        for (const { policy, defs } of await streamingGroups(tx, tenantId, policies)) {
          const mine = policy.identityGraph === 'pdg' ? [...keys.filter((k) => !k.startsWith('i')), ...loose] : identities;
          await evaluator.evaluateKeys(tx, tenantId, policy, evaluator.compile(defs), mine);
        }
        // Rows no group re-evaluated (their definition stopped streaming, a key no policy now names) must not come back.
        await tx.run(`UPDATE segment_membership SET expires_at = NULL WHERE tenant_id = ? AND expires_at <= ? AND person_key IN (${keys.map(() => '?').join(', ')})`, [tenantId, now, ...keys]);
        return keys.length === PAGE;
      });
    }
    await ctx.commit(null, async (tx) => {
      const next = await nextExpiry(tx, tenantId);
      if (next !== undefined) await queueSegmentRefresh(tx, tenantId, Math.max(next, clock()), ctx.job.jobId);
    });
  };
}

/** A refresh that fails for good still queues the next one, so time-based exits keep happening. */
export function segmentRefreshFailed(clock: () => number): JobFailedHook {
  return async (tx, job) => queueSegmentRefresh(tx, job.tenantId, clock() + 60_000, job.jobId);
}
