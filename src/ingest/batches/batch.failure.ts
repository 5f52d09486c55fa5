/** What happens to a batch whose ingest job failed for good: it ends `failed`, with the reason on the batch. */
import type { SqlExecutor } from '../../store/db.js';
import type { Clock } from '../../shared/clock.js';
import type { Job } from '../../jobs/job.store.js';
import { findBatch, transition } from './batch.store.js';

/** The job runner's failure hook for batch jobs: runs in the transaction that marks the job failed. */
export function batchJobFailed(clock: Clock) {
  return async (tx: SqlExecutor, job: Job, reason: string): Promise<void> => {
    const batchId = String(job.payload.batchId);
    const batch = await findBatch(tx, job.tenantId, batchId);
    if (!batch || !(await transition(tx, job.tenantId, batchId, ['processing'], 'failed', clock()))) return;
    const body = { ...batch.body, failureReason: reason.slice(0, 2000) };
    await tx.run('UPDATE batches SET body = ? WHERE tenant_id = ? AND id = ?', [JSON.stringify(body), job.tenantId, batchId]);
  };
}
