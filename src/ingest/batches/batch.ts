/** The batch aggregate: files uploaded for one dataset, completed, then processed by a durable job. */
import { DomainError } from '../../shared/errors.js';

/** loading → processing → success | failed; or aborted. */
export type BatchStatus = 'loading' | 'processing' | 'success' | 'failed' | 'aborted';

/** A batch as stored. */
export interface Batch {
  readonly tenantId: number;
  readonly id: string;
  readonly datasetId: string;
  readonly status: BatchStatus;
  readonly format: string;
  readonly recordsTotal: number;
  readonly recordsFailed: number;
  readonly body: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
  readonly modifiedAt: number;
  readonly startedAt: number | null;
  readonly completedAt: number | null;
}

/** One refused record of a batch. */
export interface BatchError {
  readonly file: string;
  readonly row: number;
  readonly code: string;
  readonly path: string;
  readonly message: string;
}

/** The job kind that processes completed batches. */
export const BATCH_JOB = 'batch-ingest';

/** File names: letters, digits, spaces, '.', '-', '_' (never '/' or '..', so a name stays inside its batch folder). */
const FILE_NAME = /^[\w.-][\w. -]{0,254}$/;

/** Refuses an upload to a batch of another dataset, to a batch no longer loading, or under an unsafe name. */
export function assertUploadable(batch: Batch, datasetId: string, name: string): void {
  if (batch.datasetId !== datasetId) {
    throw new DomainError('BATCH_DATASET_MISMATCH', `Batch '${batch.id}' belongs to dataset '${batch.datasetId}', not '${datasetId}'`);
  }
  if (batch.status !== 'loading') throw new DomainError('BATCH_NOT_LOADING', `Batch '${batch.id}' is ${batch.status}; files can only be added while it is loading`);
  assertFileName(name);
}

/** Refuses a file name that could leave the batch's folder or name the folder itself ('..', '.', '/'). */
export function assertFileName(name: string): void {
  if (!FILE_NAME.test(name) || name.includes('..') || /^\.+$/.test(name)) {
    throw new DomainError('BATCH_FILE_NAME_INVALID', `File name '${name}' is not valid: letters, digits, spaces, '.', '-' and '_' only`);
  }
}
