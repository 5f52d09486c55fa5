/** Profile system jobs (delete requests): create with AEP's checks and its 422 for a duplicate, list, get, remove. */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../store/db.js';
import { SANDBOX_JOBS_LOCK } from '../../store/locks.js';
import type { Clock } from '../../shared/clock.js';
import { DomainError } from '../../shared/errors.js';
import type { DatasetService } from '../../catalog/datasets/dataset.service.js';
import type { SchemaResolver } from '../../catalog/schema-resolver.js';
import { findBatch } from '../../ingest/batches/batch.store.js';
import { type JobRecord, enqueueJob, findJobRecord, listJobRecords, requestCancel } from '../job.store.js';
import { type DeletePayload, PROFILE_DELETE_JOB } from './profile-delete.js';

/** A delete request as a client sends it: AEP's doc, AWS and Azure spellings (`dataSetId` or `datasetId`, `batchId`). */
export interface DeleteRequestInput {
  readonly dataSetId?: string;
  readonly datasetId?: string;
  readonly batchId?: string;
}

function invalid(message: string): DomainError {
  return new DomainError('SYSTEM_JOB_INVALID', message);
}

function notFound(id: string): DomainError {
  return new DomainError('SYSTEM_JOB_NOT_FOUND', `Profile system job '${id}' does not exist in this sandbox`);
}

/** Delete requests of a sandbox; their work runs on the job runner (`kick` wakes it in this process). */
export class SystemJobService {
  constructor(
    private readonly db: Db,
    private readonly datasets: DatasetService,
    private readonly schemas: SchemaResolver,
    private readonly clock: Clock,
    private readonly kick: () => void,
  ) {}

  /**
   * Queues a delete of a dataset's Profile data, or of one batch of an ExperienceEvent dataset (record batches
   * overwrite earlier records and cannot be undone, so AEP refuses them). A request for the same dataset or batch
   * while another is open is a 422.
   */
  async create(tenantId: number, input: DeleteRequestInput): Promise<JobRecord> {
    const payload = await this.payloadOf(tenantId, input);
    const requestId = randomUUID();
    await this.db.transaction(async (tx) => {
      await tx.lock(SANDBOX_JOBS_LOCK, tenantId);
      const { records } = await listJobRecords(tx, tenantId, PROFILE_DELETE_JOB, { limit: 10_000, offset: 0, status: ['queued', 'running'], hideCancelled: true });
      const same = records.find((r) => {
        const open = r.payload as unknown as DeletePayload;
        return open.requestType === payload.requestType && open.datasetId === payload.datasetId && open.batchId === payload.batchId;
      });
      if (same) {
        throw new DomainError('SYSTEM_JOB_EXISTS', `Delete request (Profile System Job) Definition already exists: request '${same.ref}' is ${same.status === 'queued' ? 'NEW' : 'IN-PROGRESS'}`);
      }
      await enqueueJob(tx, { tenantId, kind: PROFILE_DELETE_JOB, ref: requestId, payload }, payload.before);
    });
    this.kick();
    return this.get(tenantId, requestId);
  }

  /** A page of the sandbox's requests, oldest first (`start` is a 0-based page number, as AEP's doc has it). */
  list(tenantId: number, page: { start: number; limit: number }): Promise<{ records: JobRecord[]; total: number }> {
    return listJobRecords(this.db, tenantId, PROFILE_DELETE_JOB, { limit: page.limit, offset: page.start * page.limit, hideCancelled: true });
  }

  /** One request; SYSTEM_JOB_NOT_FOUND when the sandbox has none of that id (or it was removed). */
  async get(tenantId: number, requestId: string): Promise<JobRecord> {
    const found = await findJobRecord(this.db, tenantId, PROFILE_DELETE_JOB, { ref: requestId });
    if (!found || found.cancelRequested) throw notFound(requestId);
    return found;
  }

  /** Removes a request: one not started never runs, a running one stops after its current page (what it deleted stays deleted). */
  async remove(tenantId: number, requestId: string): Promise<void> {
    const found = await this.get(tenantId, requestId);
    await requestCancel(this.db, tenantId, PROFILE_DELETE_JOB, found.jobId, this.clock());
  }

  private async payloadOf(tenantId: number, input: DeleteRequestInput): Promise<DeletePayload> {
    if (input.dataSetId !== undefined && input.datasetId !== undefined && input.dataSetId !== input.datasetId) {
      throw invalid(`dataSetId '${input.dataSetId}' and datasetId '${input.datasetId}' name different datasets: send one`);
    }
    const before = this.clock();
    const named = input.dataSetId ?? input.datasetId;
    if (input.batchId === undefined) {
      if (named === undefined) throw invalid('Send dataSetId to delete a dataset, or batchId (with datasetId) to delete a batch');
      const dataset = await this.datasets.get(tenantId, named);
      return { requestType: 'TRUNCATE_DATASET', datasetId: dataset.id, before };
    }
    const batch = await findBatch(this.db, tenantId, input.batchId);
    if (!batch) throw new DomainError('BATCH_NOT_FOUND', `Batch '${input.batchId}' does not exist in this sandbox`);
    if (named !== undefined && named !== batch.datasetId) throw invalid(`Batch '${batch.id}' belongs to dataset '${batch.datasetId}', not '${named}'`);
    const dataset = await this.datasets.get(tenantId, batch.datasetId);
    const schema = await this.schemas.resolve(tenantId, dataset.schemaId);
    if (schema.behavior !== 'time-series') {
      throw invalid(`Batch '${batch.id}' is of a record dataset: only batches of ExperienceEvent (time-series) datasets can be deleted; delete the dataset's Profile data instead`);
    }
    return { requestType: 'DELETE_EE_BATCH', datasetId: dataset.id, batchId: batch.id, before };
  }
}
