/**
 * Previews and estimates (/preview, /estimate): a job evaluates an unsaved expression, first over a random sample of
 * the sandbox's people (the estimate), then over all of them (the preview's pages, and the exact estimate).
 */
import type { Db, SqlExecutor } from '../store/db.js';
import type { Clock } from '../shared/clock.js';
import { type JobRecord, findJobRecord, insertJob, requestCancel } from '../jobs/job.store.js';
import type { JobHandler } from '../jobs/job-runner.js';
import { type ScannedProfile, profilesByKey, scanPage, scanStart } from '../jobs/export/profile-scan.js';
import { identityViewKey } from '../profile/profile-view.store.js';
import type { EffectivePolicy, MergePolicyService } from '../profile/merge-policy.service.js';
import type { NamespaceService } from '../identity/namespace.service.js';
import { toXid } from '../identity/xid.js';
import { segmentError } from './segment.js';
import type { ExpressionInput } from './segment-check.js';
import { compileSegment } from './segment-engine.js';
import type { SegmentEvaluator } from './segment-evaluator.js';
import type { SegmentService } from './segment.service.js';
import { ESTIMATE_SAMPLE, PREVIEW_JOB, PREVIEW_RESULTS_MAX, type Preview, type PreviewCounts, type PreviewPerson, previewIds } from './preview.js';

/** People evaluated per step of the full pass. */
const PAGE = 5_000;

/** What a preview job runs: the request, fixed at create. */
interface PreviewPayload {
  readonly id: string;
  readonly queryId: string;
  readonly executionId: number;
  readonly expression: ExpressionInput;
  readonly graphType: 'pdg' | 'none';
}

/**
 * The job's progress; a preview is read from it. The people found are saved with the last step only (rewriting a
 * growing list at every step cost more than the scan): a preview resumed after a crash starts its pass again.
 */
type PreviewCheckpoint = Pick<Preview, 'totalRows' | 'sample' | 'scan' | 'cursor' | 'results'> & { readonly done: boolean };

const zero = (): PreviewCounts => ({ read: 0, matched: 0, byNamespace: {} });

/** The sandbox's default policy, with the identity graph the preview asked for (not materialized when it differs). */
async function policyFor(policies: MergePolicyService, tenantId: number, graphType: 'pdg' | 'none'): Promise<EffectivePolicy> {
  const base = await policies.effective(tenantId, undefined);
  return base.identityGraph === graphType ? base : { ...base, identityGraph: graphType, materialized: false };
}

/** How many people the sandbox holds under a graph type, and `n` of them at random (their view keys). */
async function sampleKeys(tx: SqlExecutor, tenantId: number, graphType: 'pdg' | 'none', n: number): Promise<{ total: number; keys: string[] }> {
  if (graphType === 'pdg') {
    const [[total]] = (await tx.values<[number]>('SELECT COUNT(DISTINCT cluster_id) FROM identities WHERE tenant_id = ?', [tenantId])) as [[number]];
    const rows = await tx.values<[string]>('SELECT cluster_id FROM (SELECT DISTINCT cluster_id FROM identities WHERE tenant_id = ?) AS c ORDER BY random() LIMIT ?', [tenantId, n]);
    return { total: Number(total), keys: rows.map(([c]) => c) };
  }
  const [[total]] = (await tx.values<[number]>('SELECT COUNT(*) FROM (SELECT DISTINCT primary_ns, primary_id FROM fragments WHERE tenant_id = ?) AS p', [tenantId])) as [[number]];
  const rows = await tx.values<[string, string]>('SELECT primary_ns, primary_id FROM (SELECT DISTINCT primary_ns, primary_id FROM fragments WHERE tenant_id = ?) AS p ORDER BY random() LIMIT ?', [tenantId, n]);
  return { total: Number(total), keys: rows.map(([ns, id]) => identityViewKey({ ns, id })) };
}

/** The identities of a scanned person, from its entity (`identities`, as the entities API shows them). */
function identitiesOf(p: ScannedProfile): Array<{ namespace: string; id: string }> {
  const list = Array.isArray(p.entity.identities) ? (p.entity.identities as Array<{ id?: unknown; namespace?: { code?: unknown } }>) : [];
  return list.filter((i) => typeof i.id === 'string' && typeof i.namespace?.code === 'string').map((i) => ({ namespace: String(i.namespace!.code), id: String(i.id) }));
}

/** Adds a page's people to counts (and to the kept results, up to the cap). */
function tally(counts: PreviewCounts, read: number, matched: readonly ScannedProfile[]): void {
  counts.read += read;
  counts.matched += matched.length;
  for (const p of matched) for (const ns of new Set(identitiesOf(p).map((i) => i.namespace))) counts.byNamespace[ns] = (counts.byNamespace[ns] ?? 0) + 1;
}

/** Previews of a sandbox, and the job that computes them. */
export class PreviewService {
  constructor(
    private readonly db: Db,
    private readonly segments: SegmentService,
    private readonly policies: MergePolicyService,
    private readonly namespaces: NamespaceService,
    private readonly evaluator: SegmentEvaluator,
    private readonly clock: Clock,
    private readonly kick: () => void,
  ) {}

  /** Checks the expression (a 400 names what is wrong) and queues the preview; answers its ids. */
  async create(tenantId: number, expression: ExpressionInput, graphType: 'pdg' | 'none'): Promise<PreviewPayload> {
    await this.segments.unsaved(tenantId, expression);
    const payload: PreviewPayload = { ...previewIds(), expression, graphType };
    await this.db.transaction((tx) => insertJob(tx, { tenantId, kind: PREVIEW_JOB, ref: payload.id, payload }, this.clock()));
    this.kick();
    return payload;
  }

  /** A preview by id as far as it has got; SEGMENT_PREVIEW_NOT_FOUND for none (or one deleted). */
  async get(tenantId: number, id: string): Promise<Preview> {
    const job = await findJobRecord(this.db, tenantId, PREVIEW_JOB, { ref: id });
    if (!job || job.cancelRequested) throw segmentError('SEGMENT_PREVIEW_NOT_FOUND', `Preview '${id.slice(0, 128)}' does not exist in this sandbox`);
    return this.present(tenantId, job);
  }

  /** Cancels and removes a preview. */
  async delete(tenantId: number, id: string): Promise<void> {
    const job = await findJobRecord(this.db, tenantId, PREVIEW_JOB, { ref: id });
    if (!job || job.cancelRequested) throw segmentError('SEGMENT_PREVIEW_NOT_FOUND', `Preview '${id.slice(0, 128)}' does not exist in this sandbox`);
    await requestCancel(this.db, tenantId, PREVIEW_JOB, job.jobId, this.clock());
  }

  private present(tenantId: number, job: JobRecord): Preview {
    const p = job.payload as unknown as PreviewPayload;
    const at = job.checkpoint as PreviewCheckpoint | undefined;
    const state = job.status === 'failed' ? 'FAILED' : job.status === 'cancelled' ? 'CANCELLED' : at?.done === true ? 'RESULT_READY' : 'RUNNING';
    return {
      tenantId,
      id: p.id,
      queryId: p.queryId,
      executionId: p.executionId,
      expression: p.expression.value,
      graphType: p.graphType,
      totalRows: at?.totalRows ?? 0,
      state,
      sample: at?.sample ?? zero(),
      scan: at?.scan ?? zero(),
      cursor: at?.cursor ?? null,
      results: at?.results ?? [],
      ...(job.error === null ? {} : { error: job.error }),
      createdAt: job.createdAt,
      updatedAt: job.updatedAt,
    };
  }

  /** The preview job: the random sample in one step, then the whole sandbox a page per step. */
  handler(): JobHandler {
    return async (ctx) => {
      const { tenantId } = ctx.job;
      const p = ctx.job.payload as unknown as PreviewPayload;
      const def = compileSegment(await this.segments.unsaved(tenantId, p.expression));
      const policy = await policyFor(this.policies, tenantId, p.graphType);
      const xids = await this.namespaces.index(tenantId);
      const personOf = (s: ScannedProfile): PreviewPerson => {
        const identities = identitiesOf(s).map((i) => {
          const ns = xids.byCode.get(i.namespace) ?? [...xids.byCode.values()].find((n) => n.code.toLowerCase() === i.namespace.toLowerCase());
          return { ...i, ...(ns ? { xid: toXid(ns.id, i.id) } : {}) };
        });
        return { objectId: identities[0]?.xid ?? s.key, identities };
      };
      let at = (ctx.job.checkpoint as PreviewCheckpoint | undefined) ??
        (await ctx.step(async (tx): Promise<PreviewCheckpoint> => {
          const { total, keys } = await sampleKeys(tx, tenantId, p.graphType, ESTIMATE_SAMPLE);
          const people = [...(await profilesByKey(tx, tenantId, policy, keys)).values()];
          const sample = zero();
          tally(sample, people.length, await this.evaluator.matching(tx, tenantId, def, people));
          return { totalRows: total, sample, scan: zero(), cursor: scanStart(policy), results: [], done: false };
        }));
      // A pass cut short by a crash has lost the people it found: it starts again (the sample stands).
      if (!at.done && at.scan.read > 0) at = { ...at, scan: zero(), cursor: scanStart(policy), results: [] };
      const results: PreviewPerson[] = [];
      while (!at.done) {
        const from = at;
        // Read outside the checkpoint's transaction (a preview only reads), so a transaction retried by the store
        // cannot add a page's people twice.
        const page = await scanPage(this.db, tenantId, policy, from.cursor ?? scanStart(policy), PAGE, { emptyProfiles: true });
        const matched = await this.evaluator.matching(this.db, tenantId, def, page.profiles);
        const scan = structuredClone(from.scan);
        tally(scan, page.profiles.length, matched);
        for (const m of matched) if (results.length < PREVIEW_RESULTS_MAX) results.push(personOf(m));
        const done = page.next.phase === 'done';
        at = { ...from, scan, results: done ? results : [], cursor: done ? null : page.next, done };
        await ctx.commit(at, async () => undefined);
      }
    };
  }
}
