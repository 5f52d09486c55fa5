/** Job rows: enqueue, claim with a lease (SKIP LOCKED where the store has it), checkpoint, finish. */
import type { Db, SqlExecutor } from '../store/db.js';

/** A job write refused because this worker no longer holds the job's lease (another worker took it over). */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
  constructor(jobId: number) {
    super(`job ${jobId}: lease lost to another worker`);
  }
}

/** A job's life: queued (or waiting to retry), running under a lease, then one terminal status. */
export type JobStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

/** A job step refused because someone asked to cancel the job: the runner ends it as cancelled. */
export class JobCancelledError extends Error {
  override readonly name = 'JobCancelledError';
  constructor(jobId: number) {
    super(`job ${jobId}: cancelled on request`);
  }
}

/** A job as the runner sees it. */
export interface Job {
  readonly jobId: number;
  readonly tenantId: number;
  readonly kind: string;
  readonly ref: string;
  readonly status: JobStatus;
  readonly payload: Record<string, unknown>;
  readonly checkpoint: Record<string, unknown> | undefined;
  readonly attempts: number;
  /** The worker holding the job's lease: every write of the job is fenced on it. */
  readonly owner: string;
}

/** A `jobs` row as the store returns it: one shape for the runner's claim and the job APIs' reads. */
interface Row {
  job_id: number;
  tenant_id: number;
  kind: string;
  ref: string;
  status: JobStatus;
  payload: string;
  checkpoint: string | null;
  attempts: number;
  error: string | null;
  cancel_requested: number;
  created_at: number;
  updated_at: number;
}

const COLUMNS = 'job_id, tenant_id, kind, ref, status, payload, checkpoint, attempts, error, cancel_requested, created_at, updated_at';

/** The fields every view of a job shares. */
function common(r: Row) {
  return {
    jobId: Number(r.job_id),
    ref: r.ref,
    status: r.status,
    payload: JSON.parse(r.payload) as Record<string, unknown>,
    checkpoint: r.checkpoint === null ? undefined : (JSON.parse(r.checkpoint) as Record<string, unknown>),
  };
}

function toJob(r: Row, owner: string): Job {
  return { ...common(r), owner, tenantId: Number(r.tenant_id), kind: r.kind, attempts: Number(r.attempts) };
}

function toRecord(r: Row): JobRecord {
  return { ...common(r), error: r.error, cancelRequested: Number(r.cancel_requested) === 1, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at) };
}

/** Queues a job inside the caller's transaction (so it exists exactly when the change that needs it commits), runnable from `runAfter`. */
export async function enqueueJob(tx: SqlExecutor, job: { tenantId: number; kind: string; ref: string; payload: unknown; runAfter?: number }, now: number): Promise<void> {
  await tx.run(
    `INSERT INTO jobs (tenant_id, kind, ref, status, payload, attempts, created_at, updated_at, run_after)
     VALUES (?, ?, ?, 'queued', ?, 0, ?, ?, ?) ON CONFLICT (tenant_id, kind, ref) DO NOTHING`,
    [job.tenantId, job.kind, job.ref, JSON.stringify(job.payload), now, now, job.runAfter ?? 0],
  );
}

/**
 * Queues a sandbox's recurring job of `kind` to run at `at`, unless one is queued by then, or (`runningCovers`) one
 * of that kind runs now and queues its next itself. `except`: the job asking, which is running.
 */
export async function queueRecurring(tx: SqlExecutor, tenantId: number, kind: string, at: number, except?: number, runningCovers = true): Promise<void> {
  const soon = await tx.get<{ x: number }>(
    `SELECT 1 AS x FROM jobs WHERE tenant_id = ? AND kind = ? AND job_id <> ? AND (${runningCovers ? "status = 'running' OR " : ''}(status = 'queued' AND run_after <= ?)) LIMIT 1`,
    [tenantId, kind, except ?? -1, at],
  );
  if (!soon) await enqueueJob(tx, { tenantId, kind, ref: String(at), payload: {}, runAfter: at }, at);
}

/** Claims the oldest runnable job (queued, or running with an expired lease) for `owner` until `leaseUntil`. */
export async function claimJob(db: Db, kinds: readonly string[], owner: string, now: number, leaseUntil: number): Promise<Job | undefined> {
  if (kinds.length === 0) return undefined;
  const marks = kinds.map(() => '?').join(', ');
  const lock = db.capabilities.skipLocked ? ' FOR UPDATE SKIP LOCKED' : '';
  return db.transaction(async (tx) => {
    const row = await tx.get<Row>(
      `SELECT ${COLUMNS} FROM jobs
       WHERE kind IN (${marks}) AND ((status = 'queued' AND run_after <= ?) OR (status = 'running' AND lease_until < ?))
       ORDER BY job_id LIMIT 1${lock}`,
      [...kinds, now, now],
    );
    if (!row) return undefined;
    await tx.run("UPDATE jobs SET status = 'running', lease_owner = ?, lease_until = ?, attempts = attempts + 1, updated_at = ? WHERE job_id = ?", [
      owner,
      leaseUntil,
      now,
      row.job_id,
    ]);
    return toJob({ ...row, status: 'running', attempts: Number(row.attempts) + 1 }, owner);
  });
}

/** Throws LeaseLostError unless the fenced write found the job still leased to its owner. */
function fenced(result: { changes: number }, jobId: number): void {
  if (result.changes !== 1) throw new LeaseLostError(jobId);
}

const OWNED = "job_id = ? AND lease_owner = ? AND status = 'running'";

/**
 * Saves progress inside the caller's transaction and extends the lease, only while `job.owner` holds it: the work
 * and its checkpoint commit together, or (the lease lost) neither does.
 */
export async function saveCheckpoint(tx: SqlExecutor, job: Pick<Job, 'jobId' | 'owner'>, checkpoint: unknown, now: number, leaseUntil: number): Promise<void> {
  fenced(await tx.run(`UPDATE jobs SET checkpoint = ?, lease_until = ?, updated_at = ? WHERE ${OWNED}`, [JSON.stringify(checkpoint), leaseUntil, now, job.jobId, job.owner]), job.jobId);
}

/** Extends a running job's lease; false when its owner has lost it. */
export async function extendLease(db: SqlExecutor, job: Pick<Job, 'jobId' | 'owner'>, now: number, leaseUntil: number): Promise<boolean> {
  return (await db.run(`UPDATE jobs SET lease_until = ?, updated_at = ? WHERE ${OWNED}`, [leaseUntil, now, job.jobId, job.owner])).changes === 1;
}

/** Marks a job done, failed or cancelled, only while its owner holds the lease. */
export async function finishJob(tx: SqlExecutor, job: Pick<Job, 'jobId' | 'owner'>, status: 'done' | 'failed' | 'cancelled', error: string | null, now: number): Promise<void> {
  fenced(await tx.run(`UPDATE jobs SET status = ?, error = ?, lease_owner = NULL, lease_until = NULL, updated_at = ? WHERE ${OWNED}`, [status, error, now, job.jobId, job.owner]), job.jobId);
}

/** Puts a failed attempt back in the queue until `runAfter` (its checkpoint kept), only while its owner holds it. */
export async function retryLater(tx: SqlExecutor, job: Pick<Job, 'jobId' | 'owner'>, error: string, now: number, runAfter: number): Promise<void> {
  fenced(
    await tx.run(`UPDATE jobs SET status = 'queued', error = ?, run_after = ?, lease_owner = NULL, lease_until = NULL, updated_at = ? WHERE ${OWNED}`, [error, runAfter, now, job.jobId, job.owner]),
    job.jobId,
  );
}

/** Frees every lease (a single-process store after a restart: whoever held them is gone). */
export async function releaseAllLeases(db: Db, now: number): Promise<void> {
  await db.run("UPDATE jobs SET lease_until = ? WHERE status = 'running'", [now - 1]);
}

/** Unfinished jobs by kind and status, across every sandbox (the metrics gauge reads it on each scrape). */
export async function countOpenJobs(db: Db): Promise<Array<{ kind: string; status: 'queued' | 'running'; count: number }>> {
  const rows = await db.all<{ kind: string; status: 'queued' | 'running'; n: number | string }>(
    "SELECT kind, status, COUNT(*) AS n FROM jobs WHERE status IN ('queued', 'running') GROUP BY kind, status",
  );
  return rows.map((r) => ({ kind: r.kind, status: r.status, count: Number(r.n) }));
}

/** Whether someone asked to cancel the job (read in the job's step transaction, so the step and the answer agree). */
export async function cancelRequested(tx: SqlExecutor, jobId: number): Promise<boolean> {
  const row = await tx.get<{ c: number }>('SELECT cancel_requested AS c FROM jobs WHERE job_id = ?', [jobId]);
  return row !== undefined && Number(row.c) === 1;
}

/**
 * Asks a job of the sandbox to stop: a queued one is cancelled at once, a running one stops at its next step (its
 * owner sees the flag), a finished one keeps its status. Returns the status it had, or undefined when there is none.
 */
export async function requestCancel(db: Db, tenantId: number, kind: string, jobId: number, now: number): Promise<JobStatus | undefined> {
  return db.transaction(async (tx) => {
    const row = await tx.get<{ status: JobStatus }>('SELECT status FROM jobs WHERE tenant_id = ? AND kind = ? AND job_id = ?', [tenantId, kind, jobId]);
    if (!row) return undefined;
    await tx.run(
      `UPDATE jobs SET cancel_requested = 1, updated_at = ?,
         status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,
         error = CASE WHEN status = 'queued' THEN 'cancelled on request' ELSE error END
       WHERE job_id = ?`,
      [now, jobId],
    );
    return row.status;
  });
}

/** A job as the job APIs show it: its public times, progress (the checkpoint) and outcome. */
export interface JobRecord {
  readonly jobId: number;
  readonly ref: string;
  readonly status: JobStatus;
  readonly payload: Record<string, unknown>;
  readonly checkpoint: Record<string, unknown> | undefined;
  readonly error: string | null;
  readonly cancelRequested: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** One job of the sandbox by its number or its ref. */
export async function findJobRecord(db: SqlExecutor, tenantId: number, kind: string, key: { jobId: number } | { ref: string }): Promise<JobRecord | undefined> {
  const [column, value] = 'jobId' in key ? ['job_id', key.jobId] : ['ref', key.ref];
  const row = await db.get<Row>(`SELECT ${COLUMNS} FROM jobs WHERE tenant_id = ? AND kind = ? AND ${column} = ?`, [tenantId, kind, value]);
  return row && toRecord(row);
}

/** A page of the sandbox's jobs of one kind in creation order, with the total; `hideCancelled` leaves out removed ones. */
export async function listJobRecords(
  db: SqlExecutor,
  tenantId: number,
  kind: string,
  page: { limit: number; offset: number; descending?: boolean; status?: readonly JobStatus[]; hideCancelled?: boolean; beforeId?: number },
): Promise<{ records: JobRecord[]; total: number }> {
  const where = ['tenant_id = ?', 'kind = ?'];
  const params: (string | number)[] = [tenantId, kind];
  if (page.status) {
    where.push(`status IN (${page.status.map(() => '?').join(', ')})`);
    params.push(...page.status);
  }
  if (page.hideCancelled) where.push('cancel_requested = 0');
  const filter = where.join(' AND ');
  // The page token bounds the rows, not the total: the count stays the whole listing's.
  const bound = page.beforeId === undefined ? '' : ' AND job_id < ?';
  const boundParams = page.beforeId === undefined ? [] : [page.beforeId];
  const rows = await db.all<Row>(`SELECT ${COLUMNS} FROM jobs WHERE ${filter}${bound} ORDER BY job_id ${page.descending ? 'DESC' : 'ASC'} LIMIT ? OFFSET ?`, [
    ...params,
    ...boundParams,
    page.limit,
    page.offset,
  ]);
  const total = await db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM jobs WHERE ${filter}`, params);
  return { records: rows.map(toRecord), total: Number(total?.n ?? 0) };
}

/** Queues a job and returns its number (the export API's job id). */
export async function insertJob(tx: SqlExecutor, job: { tenantId: number; kind: string; ref: string; payload: unknown }, now: number): Promise<number> {
  await enqueueJob(tx, job, now);
  const row = await tx.get<{ job_id: number }>('SELECT job_id FROM jobs WHERE tenant_id = ? AND kind = ? AND ref = ?', [job.tenantId, job.kind, job.ref]);
  return Number(row!.job_id);
}
