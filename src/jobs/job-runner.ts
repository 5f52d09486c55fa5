/** The durable job runner: polls for jobs, runs one at a time per process, resumes crashed ones from their checkpoint. */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db, SqlExecutor } from '../store/db.js';
import type { Clock } from '../shared/clock.js';
import { type Job, claimJob, finishJob, releaseAllLeases, saveCheckpoint } from './job.store.js';

/** What a handler gets: the job, and a way to commit work together with its checkpoint. */
export interface JobContext {
  readonly job: Job;
  /** Runs `fn` in one transaction that also stores `checkpoint`; a crash after it resumes from there. */
  commit<T>(checkpoint: unknown, fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
}

/** Runs a job to completion; throwing fails the job (after the last attempt) with the error's message. */
export type JobHandler = (ctx: JobContext) => Promise<void>;

/** Runs in the transaction that marks a job failed for good, so what the job stood for (a batch) fails with it. */
export type JobFailedHook = (tx: SqlExecutor, job: Job, reason: string) => Promise<void>;

/** Lease length: a job whose owner stops extending it for this long is taken over by another worker. */
const LEASE_MS = 30_000;
const MAX_ATTEMPTS = 5;

/** Saves a job's checkpoint in the caller's transaction and extends its lease (what `JobContext.commit` adds). */
export function saveJobStep(tx: SqlExecutor, jobId: number, checkpoint: unknown, now: number): Promise<void> {
  return saveCheckpoint(tx, jobId, checkpoint, now, now + LEASE_MS);
}

/** One runner per process with the worker role. */
export class JobRunner {
  private readonly handlers = new Map<string, JobHandler>();
  private readonly failedHooks = new Map<string, JobFailedHook>();
  private readonly owner = `worker-${randomUUID()}`;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private wake: (() => void) | undefined;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly logger: Pick<Logger, 'info' | 'error' | 'warn'>,
    private readonly pollMs = 500,
  ) {}

  /** Registers the handler of a job kind, and what to do when one of its jobs fails for good. */
  register(kind: string, handler: JobHandler, onFailed?: JobFailedHook): void {
    this.handlers.set(kind, handler);
    if (onFailed) this.failedHooks.set(kind, onFailed);
  }

  /** Starts polling; on a single-process store, leases left by a crashed process are freed first. */
  async start(): Promise<void> {
    if (!this.db.capabilities.concurrentWriters) await releaseAllLeases(this.db, this.clock());
    this.stopped = false;
    this.running = this.loop();
  }

  /** Asks the loop to look for work now (after a job was enqueued in this process). */
  kick(): void {
    this.wake?.();
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
          this.wake = resolve;
          this.timer = setTimeout(resolve, this.pollMs);
        });
        clearTimeout(this.timer);
        this.wake = undefined;
      }
    }
  }

  /** Claims and runs one job; false when there was none. */
  async runOne(): Promise<boolean> {
    const now = this.clock();
    const job = await claimJob(this.db, [...this.handlers.keys()], this.owner, now, now + LEASE_MS);
    if (!job) return false;
    const handler = this.handlers.get(job.kind)!;
    const ctx: JobContext = {
      job,
      commit: (checkpoint, fn) =>
        this.db.transaction(async (tx) => {
          const result = await fn(tx);
          await saveJobStep(tx, job.jobId, checkpoint, this.clock());
          return result;
        }),
    };
    try {
      await handler(ctx);
      await this.db.transaction((tx) => finishJob(tx, job.jobId, 'done', null, this.clock()));
    } catch (err) {
      const message = (err as Error).message;
      this.logger.error({ err, jobId: job.jobId, kind: job.kind }, 'job failed');
      if (job.attempts >= MAX_ATTEMPTS || (err as { permanent?: boolean }).permanent) {
        const reason = job.attempts >= MAX_ATTEMPTS ? `${message} (after ${job.attempts} attempts)` : message;
        const onFailed = this.failedHooks.get(job.kind);
        await this.db.transaction(async (tx) => {
          await finishJob(tx, job.jobId, 'failed', reason, this.clock());
          if (onFailed) await onFailed(tx, job, reason);
        });
      }
    }
    return true;
  }
}
