/** The durable job runner: polls for jobs, runs a few at once per process, resumes crashed ones from their checkpoint. */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db, SqlExecutor } from '../store/db.js';
import type { Clock } from '../shared/clock.js';
import { type Job, JobCancelledError, LeaseLostError, cancelRequested, claimJob, extendLease, finishJob, releaseAllLeases, retryLater, saveCheckpoint } from './job.store.js';

/** What a handler gets: the job, and a way to commit work together with its checkpoint. */
export interface JobContext {
  readonly job: Job;
  /**
   * Runs `fn` in one transaction that also stores `checkpoint`; a crash after it resumes from there. Throws
   * LeaseLostError, with nothing of `fn` committed, once another worker has taken the job over, and JobCancelledError,
   * before `fn` runs, once someone asked to cancel the job.
   */
  commit<T>(checkpoint: unknown, fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** As `commit`, where the step itself works out the checkpoint it reached: what `fn` returns is saved. */
  step<C>(fn: (tx: SqlExecutor) => Promise<C>): Promise<C>;
  /** Aborted when this worker loses the job's lease (its heartbeat found another owner): stop at the next step. */
  readonly signal: AbortSignal;
}

/** Runs a job to completion; throwing fails the job (after the last attempt) with the error's message. */
export type JobHandler = (ctx: JobContext) => Promise<void>;

/** Runs in the transaction that marks a job failed for good, so what the job stood for (a batch) fails with it. */
export type JobFailedHook = (tx: SqlExecutor, job: Job, reason: string) => Promise<void>;

/** Lease length: a job whose owner stops extending it for this long is taken over by another worker. */
const LEASE_MS = 30_000;

/** How the runner paces jobs; tests shorten the times. */
export interface JobRunnerOptions {
  /** How often an idle runner looks for work. */
  readonly pollMs?: number;
  /** How long a claim lasts without a heartbeat or checkpoint; the heartbeat renews it every third of it. */
  readonly leaseMs?: number;
  /** Jobs one process runs at once (default 2). */
  readonly concurrency?: number;
  /** Attempts before a job fails for good with its last error. */
  readonly maxAttempts?: number;
  /** The wait before the second attempt; it doubles with each attempt, up to a minute. */
  readonly backoffMs?: number;
}

/**
 * Saves a job's checkpoint in the caller's transaction and extends its lease (what `JobContext.commit` adds), only
 * while `job.owner` holds it.
 */
export function saveJobStep(tx: SqlExecutor, job: Pick<Job, 'jobId' | 'owner'>, checkpoint: unknown, now: number, leaseMs = LEASE_MS): Promise<void> {
  return saveCheckpoint(tx, job, checkpoint, now, now + leaseMs);
}

/** One runner per process with the worker role. */
export class JobRunner {
  private readonly handlers = new Map<string, JobHandler>();
  private readonly failedHooks = new Map<string, JobFailedHook>();
  /** Names the process, so an operator (or a test) can tell which one holds a lease. */
  private readonly owner = `worker-${process.pid}-${randomUUID()}`;
  private running: Promise<unknown> | undefined;
  private stopped = true;
  /** The idle lanes' wake-ups. */
  private readonly waiting = new Set<() => void>();

  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly maxAttempts: number;
  private readonly backoffMs: number;
  private readonly concurrency: number;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly logger: Pick<Logger, 'info' | 'error' | 'warn'>,
    options: JobRunnerOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 500;
    this.leaseMs = options.leaseMs ?? LEASE_MS;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.backoffMs = options.backoffMs ?? 1_000;
    this.concurrency = Math.max(1, options.concurrency ?? 2);
  }

  /** Registers the handler of a job kind, and what to do when one of its jobs fails for good. */
  register(kind: string, handler: JobHandler, onFailed?: JobFailedHook): void {
    this.handlers.set(kind, handler);
    if (onFailed) this.failedHooks.set(kind, onFailed);
  }

  /** Starts polling; on a single-process store, leases left by a crashed process are freed first. */
  async start(): Promise<void> {
    if (!this.db.capabilities.concurrentWriters) await releaseAllLeases(this.db, this.clock());
    this.stopped = false;
    // Each lane claims and runs one job at a time; a long job (an export) does not hold up the others.
    this.running = Promise.all(Array.from({ length: this.concurrency }, () => this.loop()));
  }

  /** Asks the loop to look for work now (after a job was enqueued in this process). */
  kick(): void {
    for (const wake of [...this.waiting]) wake();
  }

  /** Stops after the current job's current step; the job stays leased and resumes on the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.kick();
    await this.running;
  }

  /** Runs every runnable job until none is left (used by the CLI and tests). */
  async drain(): Promise<void> {
    while (await this.runOne()) {
      /* keep going */
    }
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let worked = false;
      try {
        worked = await this.runOne();
      } catch (err) {
        this.logger.error({ err }, 'job runner step failed');
      }
      if (!worked && !this.stopped) {
        await new Promise<void>((resolve) => {
          const wake = () => {
            clearTimeout(timer);
            this.waiting.delete(wake);
            resolve();
          };
          const timer = setTimeout(wake, this.pollMs);
          this.waiting.add(wake);
        });
      }
    }
  }

  /**
   * Claims and runs one job; false when there was none. While it runs, a heartbeat renews its lease; every write of
   * the job is fenced on this worker's ownership, so a worker that lost the lease (paused past it, say) writes
   * nothing more and stops. A failed attempt waits in the queue with backoff; the last fails the job with its reason.
   */
  async runOne(): Promise<boolean> {
    const now = this.clock();
    const job = await claimJob(this.db, [...this.handlers.keys()], this.owner, now, now + this.leaseMs);
    if (!job) return false;
    const handler = this.handlers.get(job.kind)!;
    const lost = new AbortController();
    const heartbeat = setInterval(() => {
      extendLease(this.db, job, this.clock(), this.clock() + this.leaseMs).then(
        (held) => held || lost.abort(new LeaseLostError(job.jobId)),
        (err: Error) => this.logger.warn({ err, jobId: job.jobId }, 'job heartbeat failed; retrying'),
      );
    }, Math.max(10, Math.floor(this.leaseMs / 3)));
    const step = <T>(fn: (tx: SqlExecutor) => Promise<{ result: T; checkpoint: unknown }>): Promise<T> =>
      this.db.transaction(async (tx) => {
        if (await cancelRequested(tx, job.jobId)) throw new JobCancelledError(job.jobId);
        const { result, checkpoint } = await fn(tx);
        await saveJobStep(tx, job, checkpoint, this.clock(), this.leaseMs);
        return result;
      });
    const ctx: JobContext = {
      job,
      signal: lost.signal,
      commit: (checkpoint, fn) => step(async (tx) => ({ result: await fn(tx), checkpoint })),
      step: (fn) => step(async (tx) => {
        const checkpoint = await fn(tx);
        return { result: checkpoint, checkpoint };
      }),
    };
    try {
      await handler(ctx);
      await this.db.transaction((tx) => finishJob(tx, job, 'done', null, this.clock()));
    } catch (err) {
      await this.failed(job, err).catch((e: unknown) => {
        if (!(e instanceof LeaseLostError)) throw e;
        this.logger.warn({ jobId: job.jobId, kind: job.kind }, 'job lease lost to another worker; stopped');
      });
    } finally {
      clearInterval(heartbeat);
    }
    return true;
  }

  private async failed(job: Job, err: unknown): Promise<void> {
    if (err instanceof LeaseLostError) throw err;
    if (err instanceof JobCancelledError) return this.end(job, 'cancelled', 'cancelled on request');
    const message = (err as Error).message;
    this.logger.error({ err, jobId: job.jobId, kind: job.kind, attempt: job.attempts }, 'job attempt failed');
    const now = this.clock();
    if (job.attempts < this.maxAttempts && !(err as { permanent?: boolean }).permanent) {
      const wait = Math.min(60_000, this.backoffMs * 2 ** (job.attempts - 1));
      await this.db.transaction((tx) => retryLater(tx, job, message, now, now + wait));
      return;
    }
    await this.end(job, 'failed', job.attempts >= this.maxAttempts ? `${message} (after ${job.attempts} attempts)` : message);
  }

  /** Ends a job for good, with its kind's hook in the same transaction (what the job stood for ends with it). */
  private async end(job: Job, status: 'failed' | 'cancelled', reason: string): Promise<void> {
    const onFailed = this.failedHooks.get(job.kind);
    await this.db.transaction(async (tx) => {
      await finishJob(tx, job, status, reason, this.clock());
      if (onFailed) await onFailed(tx, job, reason);
    });
  }
}
