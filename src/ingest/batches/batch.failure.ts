/** What happens to a batch that fails: it ends `failed`, with the reason on the batch (job failures and bad files alike). */
import type { SqlExecutor } from '../../store/db.js';
import type { Clock } from '../../shared/clock.js';
import type { Job } from '../../jobs/job.store.js';
import { findBatch, transition } from './batch.store.js';

/** The job runner's failure hook for batch jobs: runs in the transaction that marks the job failed. */
export function batchJobFailed(clock: Clock) {
  return async (tx: SqlExecutor, job: Job, reason: string): Promise<void> => {
    const batchId = String(job.payload.batchId);
    if (!(await transition(tx, job.tenantId, batchId, ['processing'], 'failed', clock()))) return;
    await setFailureReason(tx, job.tenantId, batchId, reason);
  };
}

/** Keeps why a batch failed on the batch itself, where Catalog's batch object shows it (`errors[].code BATCH_FAILED`). */
export async function setFailureReason(tx: SqlExecutor, tenantId: number, batchId: string, reason: string): Promise<void> {
  const batch = await findBatch(tx, tenantId, batchId);
  if (!batch) return;
  const body = { ...batch.body, failureReason: reason.slice(0, 2000) };
  await tx.run('UPDATE batches SET body = ? WHERE tenant_id = ? AND id = ?', [JSON.stringify(body), tenantId, batchId]);
}

/** The file-level problems of a batch (error rows 0), as one sentence: "people.csv: looks like CSV, not JSON". */
export async function fileProblems(tx: SqlExecutor, tenantId: number, batchId: string): Promise<string> {
  const rows = await tx.all<{ file: string; message: string }>('SELECT file, message FROM batch_errors WHERE tenant_id = ? AND batch_id = ? AND row_index = 0 ORDER BY seq', [tenantId, batchId]);
  return rows.map((r) => `${r.file}: ${r.message}`).join('; ');
}
