/**
 * The purge of a reset or deleted sandbox: the sandbox answers from a fresh tenant key (or is gone) as soon as the
 * request commits, and this job removes the retired key's rows, a table per step, and its upload and export files.
 */
import type { SqlExecutor } from '../../store/db.js';
import { type FileStore, exportsFolder, uploadsFolder } from '../../store/files/file-store.js';
import { SANDBOX_SCOPED_TABLES } from '../../store/migrations/index.js';
import { enqueueJob } from '../job.store.js';
import type { JobHandler } from '../job-runner.js';

/** The job kind; its jobs belong to no sandbox (tenant 0), since they delete their sandbox's own job rows. */
export const SANDBOX_PURGE_JOB = 'sandbox-purge';

/**
 * Tables in purge order. Datasets and connections go first: on PostgreSQL that takes their row locks before any data
 * is deleted, so a write holding a dataset row (FOR KEY SHARE) commits first and its rows are deleted after, and later
 * writes find none. Change-feed entries stay: consumers must still read the `sandbox-reset` entry (the feed prunes
 * them once every consumer has).
 */
const ORDER = ['datasets', 'connections', ...SANDBOX_SCOPED_TABLES.filter((t) => t !== 'datasets' && t !== 'connections' && t !== 'changes')];

/** Queues the purge of a retired tenant key, in the transaction that retired it. */
export function queueSandboxPurge(tx: SqlExecutor, tenantId: number, now: number): Promise<void> {
  return enqueueJob(tx, { tenantId: 0, kind: SANDBOX_PURGE_JOB, ref: String(tenantId), payload: { tenantId } }, now);
}

/** Deletes the retired key's rows a table per step (each with its checkpoint), then its files. */
export function sandboxPurgeHandler(files: FileStore): JobHandler {
  return async (ctx) => {
    const tenantId = Number(ctx.job.payload.tenantId);
    let next = Number((ctx.job.checkpoint as { next?: number } | undefined)?.next ?? 0);
    while (next < ORDER.length) {
      const table = ORDER[next]!;
      next = await ctx.step(async (tx) => {
        await tx.run(`DELETE FROM ${table} WHERE tenant_id = ?`, [tenantId]);
        return { next: next + 1 };
      }).then((c) => c.next);
    }
    await files.removeAll(uploadsFolder(tenantId));
    await files.removeAll(exportsFolder(tenantId));
  };
}
