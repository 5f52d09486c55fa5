/**
 * The segment job: evaluates definitions over every profile of the sandbox, each under its merge policy, a page of
 * people per step (a crash resumes at the last page), and counts who entered and left.
 */
import type { JobContext, JobHandler } from '../jobs/job-runner.js';
import type { SqlExecutor } from '../store/db.js';
import { SEGMENT_LOCK } from '../store/locks.js';
import type { Clock } from '../shared/clock.js';
import type { MergePolicyService } from '../profile/merge-policy.service.js';
import { type ScanCursor, scanPage, scanStart } from '../jobs/export/profile-scan.js';
import type { SegmentDefinition } from './segment.js';
import type { SegmentEvaluator } from './segment-evaluator.js';
import { listDefinitions } from './segment.store.js';

/** The job kind of segment jobs. */
export const SEGMENT_JOB = 'segment-job';

/** People read and evaluated per step. */
const PAGE = 500;

/** What a job runs, fixed at create: the definitions (by id, at the version asked for) and their merge policies. */
export interface SegmentJobPayload {
  readonly requestId: string;
  readonly segments: ReadonlyArray<{ readonly id: string; readonly version: number; readonly mergePolicyId: string }>;
  /** Made by a schedule (its id), or by a definition that started streaming. */
  readonly scheduleId?: string;
}

/** Counts of one definition in a job. */
export interface SegmentCounts {
  realized: number;
  exited: number;
}

/** Where a running job is: which merge policy's scan, its cursor, and the counts so far. */
export interface SegmentJobCheckpoint {
  /** The definitions by merge policy, fixed at the first step (a resume must find the group its cursor belongs to). */
  readonly groups?: ReadonlyArray<readonly [string, readonly string[]]>;
  readonly group: number;
  readonly cursor: ScanCursor | null;
  /** People evaluated, by merge policy id. */
  readonly profiles: Readonly<Record<string, number>>;
  /** Who entered and who left, by definition. */
  readonly counts: Readonly<Record<string, SegmentCounts>>;
  /** Set by the last step: everyone in each definition afterwards, in all and by identity namespace. */
  readonly members?: Readonly<Record<string, { readonly total: number; readonly byNamespace: Readonly<Record<string, number>> }>>;
  readonly startedAt: number;
  /** When the first page was evaluated, and when the last was. */
  readonly evaluatingAt?: number;
  readonly endedAt?: number;
}

/** The job's definitions grouped by the merge policy each is evaluated under, in a stable order. */
function groupsOf(all: readonly SegmentDefinition[], p: SegmentJobPayload, defaultPolicy: string): Array<[string, string[]]> {
  const byId = new Map(all.map((d) => [d.id, d]));
  const groups = new Map<string, string[]>();
  for (const s of p.segments) {
    const d = byId.get(s.id);
    if (!d || d.pql === '') continue;
    const policy = d.mergePolicyId === '' ? defaultPolicy : d.mergePolicyId;
    groups.set(policy, [...(groups.get(policy) ?? []), d.id]);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The handler: one step per page of people. */
export function segmentJobHandler(policies: MergePolicyService, evaluator: SegmentEvaluator, clock: Clock): JobHandler {
  return async (ctx: JobContext) => {
    const { tenantId } = ctx.job;
    const p = ctx.job.payload as unknown as SegmentJobPayload;
    const defaultPolicy = (await policies.effective(tenantId, undefined)).id;
    let at: SegmentJobCheckpoint = (ctx.job.checkpoint as SegmentJobCheckpoint | undefined) ?? { group: 0, cursor: null, profiles: {}, counts: {}, startedAt: clock() };
    for (;;) {
      ctx.signal.throwIfAborted();
      const from = at;
      at = await ctx.step(async (tx) => {
        await tx.lock(SEGMENT_LOCK, tenantId);
        const all = await listDefinitions(tx, tenantId);
        const groups = from.groups ?? groupsOf(all, p, defaultPolicy);
        const group = groups[from.group];
        if (!group) return { ...from, groups, members: await membersOf(tx, tenantId, p), endedAt: clock() };
        const policy = await policies.effective(tenantId, group[0] === defaultPolicy ? undefined : group[0]).catch(() => policies.effective(tenantId, undefined));
        const cursor = from.cursor ?? scanStart(policy);
        const evaluatingAt = from.evaluatingAt ?? clock();
        const page = await scanPage(tx, tenantId, policy, cursor, PAGE, { emptyProfiles: true });
        // Definitions deleted (or emptied) since the job started are left out; changed ones count as they are now.
        const defs = all.filter((d) => group[1].includes(d.id) && d.pql !== '');
        const written = await evaluator.evaluate(tx, tenantId, evaluator.compile(defs), page.profiles);
        const counts = structuredClone(from.counts) as Record<string, SegmentCounts>;
        for (const w of written) {
          if (w.status === 'none') continue;
          const c = (counts[w.segmentId] ??= { realized: 0, exited: 0 });
          c[w.status] += 1;
        }
        const done = page.next.phase === 'done';
        const profiles = { ...from.profiles, [group[0]]: (from.profiles[group[0]] ?? 0) + page.profiles.length };
        return { ...from, groups, group: done ? from.group + 1 : from.group, cursor: done ? null : page.next, profiles, counts, evaluatingAt };
      });
      if (at.endedAt !== undefined) return;
    }
  };
}

/** Everyone in each of the job's definitions once it is done, in all and by the namespaces of their identities. */
async function membersOf(tx: SqlExecutor, tenantId: number, p: SegmentJobPayload): Promise<NonNullable<SegmentJobCheckpoint['members']>> {
  const out: Record<string, { total: number; byNamespace: Record<string, number> }> = {};
  for (const s of p.segments) {
    const total = await tx.values<[number]>("SELECT COUNT(*) FROM segment_membership WHERE tenant_id = ? AND segment_id = ? AND status = 'realized'", [tenantId, s.id]);
    const byNs = await tx.values<[string, number]>(
      `SELECT i.ns, COUNT(DISTINCT m.person_key) FROM segment_membership m JOIN identities i ON i.tenant_id = m.tenant_id AND i.cluster_id = m.person_key
       WHERE m.tenant_id = ? AND m.segment_id = ? AND m.status = 'realized' GROUP BY i.ns`,
      [tenantId, s.id],
    );
    out[s.id] = { total: Number(total[0]?.[0] ?? 0), byNamespace: Object.fromEntries(byNs.map(([ns, n]) => [ns, Number(n)])) };
  }
  return out;
}
