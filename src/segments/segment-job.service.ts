/** Segment jobs (/segment/jobs): create for some or all definitions, list, get, cancel; the work runs on the job runner. */
import { randomUUID } from 'node:crypto';
import type { Db, SqlExecutor } from '../store/db.js';
import type { Clock } from '../shared/clock.js';
import { type JobRecord, type JobStatus, findJobRecord, insertJob, listJobRecords, requestCancel } from '../jobs/job.store.js';
import { type SegmentDefinition, segmentError } from './segment.js';
import { SEGMENT_JOB, type SegmentJobPayload } from './segment-jobs.js';
import { listDefinitions } from './segment.store.js';

/** At most this many definitions in one job request. */
export const MAX_JOB_SEGMENTS = 500;

/** Queues a job in the caller's transaction (a schedule's run, a definition that started streaming); returns its id. */
export async function queueSegmentJob(tx: SqlExecutor, tenantId: number, defs: readonly SegmentDefinition[], now: number, origin: Pick<SegmentJobPayload, 'scheduleId'> = {}): Promise<string> {
  const payload: SegmentJobPayload = {
    requestId: randomUUID(),
    segments: defs.map((d) => ({ id: d.id, version: d.version, mergePolicyId: d.mergePolicyId })),
    ...origin,
  };
  await insertJob(tx, { tenantId, kind: SEGMENT_JOB, ref: payload.requestId, payload }, now);
  return payload.requestId;
}

/** Segment jobs of a sandbox; `kick` wakes the job runner in this process. */
export class SegmentJobService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly kick: () => void,
  ) {}

  /** Queues a job over the named definitions (`*` names them all); 400 naming any that does not exist. */
  async create(tenantId: number, ids: readonly string[]): Promise<JobRecord> {
    if (ids.length === 0) throw segmentError('SEGMENT_JOB_INVALID', 'The request names no segment: send [{"segmentId": "<id>"}, ...] or [{"segmentId": "*"}] for all');
    if (ids.length > MAX_JOB_SEGMENTS) throw segmentError('SEGMENT_JOB_INVALID', `A segment job evaluates at most ${MAX_JOB_SEGMENTS} segment definitions, not ${ids.length}`);
    const id = await this.db.transaction(async (tx) => {
      const all = await listDefinitions(tx, tenantId);
      const byId = new Map(all.map((d) => [d.id, d]));
      const missing = ids.filter((i) => i !== '*' && !byId.has(i));
      if (missing.length > 0) throw segmentError('SEGMENT_JOB_INVALID', `Segment definition${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m.slice(0, 80)}'`).join(', ')} ${missing.length > 1 ? 'do' : 'does'} not exist in this sandbox`, { missing });
      const chosen = ids.includes('*') ? all : [...new Set(ids)].map((i) => byId.get(i)!);
      const evaluable = chosen.filter((d) => d.pql !== '');
      if (evaluable.length === 0) throw segmentError('SEGMENT_JOB_INVALID', 'None of the named segments has a PQL expression to evaluate (externally generated audiences are uploaded, not evaluated)');
      return queueSegmentJob(tx, tenantId, evaluable, this.clock());
    });
    this.kick();
    return this.get(tenantId, id);
  }

  /** One job by its id, if the sandbox has it. */
  find(tenantId: number, id: string): Promise<JobRecord | undefined> {
    return findJobRecord(this.db, tenantId, SEGMENT_JOB, { ref: id });
  }

  /** One job by its id; SEGMENT_JOB_NOT_FOUND otherwise. */
  async get(tenantId: number, id: string): Promise<JobRecord> {
    const found = await this.find(tenantId, id);
    if (!found) throw segmentError('SEGMENT_JOB_NOT_FOUND', `Segment job '${id.slice(0, 80)}' does not exist in this sandbox`);
    return found;
  }

  /** A page of jobs, newest first (or oldest with `ascending`), optionally of some statuses; with the total. */
  list(tenantId: number, page: { limit: number; offset: number; ascending?: boolean; status?: readonly JobStatus[] }): Promise<{ records: JobRecord[]; total: number }> {
    return listJobRecords(this.db, tenantId, SEGMENT_JOB, { limit: page.limit, offset: page.offset, descending: page.ascending !== true, ...(page.status ? { status: page.status } : {}) });
  }

  /** Asks a job to stop: a queued one never runs, a running one stops after its current page. */
  async cancel(tenantId: number, id: string): Promise<JobStatus> {
    const job = await this.get(tenantId, id);
    const before = await requestCancel(this.db, tenantId, SEGMENT_JOB, job.jobId, this.clock());
    if (before === undefined) throw segmentError('SEGMENT_JOB_NOT_FOUND', `Segment job '${id.slice(0, 80)}' does not exist in this sandbox`);
    return before;
  }
}
