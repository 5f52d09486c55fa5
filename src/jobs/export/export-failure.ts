/** What happens to an export that fails or is cancelled: its batch ends `failed`, with the reason on it. */
import type { SqlExecutor } from '../../store/db.js';
import type { Clock } from '../../shared/clock.js';
import type { Job } from '../job.store.js';
import { setFailureReason } from '../../ingest/batches/batch.failure.js';
import { transition } from '../../ingest/batches/batch.store.js';
import type { ExportCheckpoint } from './export-job.js';

/** The job runner's failure hook for exports: runs in the transaction that ends the job. */
export function exportJobFailed(clock: Clock) {
  return async (tx: SqlExecutor, job: Job, reason: string): Promise<void> => {
    // The checkpoint as last saved: the job's own copy is the one it was claimed with, before this run's steps.
    const row = await tx.get<{ checkpoint: string | null }>('SELECT checkpoint FROM jobs WHERE job_id = ?', [job.jobId]);
    const batchId = row?.checkpoint ? (JSON.parse(row.checkpoint) as ExportCheckpoint).batchId : undefined;
    if (batchId === undefined) return;
    if (await transition(tx, job.tenantId, batchId, ['loading'], 'failed', clock())) await setFailureReason(tx, job.tenantId, batchId, reason);
  };
}
