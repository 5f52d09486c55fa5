/** The batch aggregate: files uploaded for one dataset, completed, then processed by a durable job. */

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
