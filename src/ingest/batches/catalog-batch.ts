/** Catalog's side of batches: create (optionally with an id), update the client-owned fields, delete, last batch per dataset. */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Db, SqlExecutor } from '../../store/db.js';
import type { Clock } from '../../shared/clock.js';
import { DomainError } from '../../shared/errors.js';
import type { BatchService } from './batch.service.js';
import type { Batch, BatchStatus } from './batch.js';
import * as rows from './batch.store.js';

/** The fields Catalog lets clients set and change; everything else is the service's to manage. */
export const MUTABLE_FIELDS = ['tags', 'description', 'externalId', 'replay', 'availableDates'] as const;

/** What a client sends to Catalog for a batch (batchRequest / batchPatchRequest); other fields are checked or ignored. */
export type CatalogBatchInput = Readonly<Record<string, unknown>>;

/** A batch id a client may choose: the characters our own ids and Catalog's use. */
const CLIENT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The last, last successful and last failed batch of a dataset (Catalog's lastBatches). */
export interface LastBatches {
  readonly lastBatchId: string;
  readonly lastBatchStatus: BatchStatus;
  readonly lastSuccessfulBatchId?: string;
  readonly lastFailedBatchId?: string;
  readonly created: number;
  readonly updated: number;
}

function pickMutable(input: CatalogBatchInput): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of MUTABLE_FIELDS) if (input[key] !== undefined) out[key] = input[key];
  return out;
}

function readOnly(field: string, sent: unknown, current: unknown): DomainError {
  return new DomainError('BATCH_FIELD_READ_ONLY', `${field} is managed by the service and cannot be changed (sent ${JSON.stringify(sent)}, the batch has ${JSON.stringify(current ?? null)})`);
}

/** The dataset a Catalog batch request names: `relatedObjects[type=dataSet]` (or our import API's `datasetId`). */
function datasetOf(input: CatalogBatchInput): string | undefined {
  const related = Array.isArray(input.relatedObjects) ? (input.relatedObjects as Array<{ type?: unknown; id?: unknown }>) : [];
  const datasets = [...new Set(related.filter((o) => o?.type === 'dataSet').map((o) => String(o.id)))];
  if (datasets.length > 1) throw new DomainError('BATCH_INVALID', `relatedObjects names ${datasets.length} datasets; a batch loads exactly one`);
  const fromField = typeof input.datasetId === 'string' ? input.datasetId : undefined;
  if (fromField !== undefined && datasets[0] !== undefined && fromField !== datasets[0]) {
    throw new DomainError('BATCH_INVALID', `datasetId '${fromField}' and relatedObjects dataSet '${datasets[0]}' differ`);
  }
  return fromField ?? datasets[0];
}

/**
 * Refuses a change to a service-managed field: status, counts, times, dataset and format may be sent (a GET → PUT round
 * trip sends them) but only with the batch's current values.
 */
export function assertReadOnlyUnchanged(batch: Batch, input: CatalogBatchInput): void {
  const current: Record<string, unknown> = {
    status: batch.status,
    recordCount: batch.recordsTotal - batch.recordsFailed,
    failedRecordCount: batch.recordsFailed,
    started: batch.startedAt ?? undefined,
    completed: batch.completedAt ?? undefined,
  };
  for (const [field, value] of Object.entries(current)) {
    if (input[field] !== undefined && input[field] !== value) throw readOnly(field, input[field], value);
  }
  if (input.size !== undefined) throw readOnly('size', input.size, undefined);
  const metrics = input.metrics as Record<string, unknown> | undefined;
  const counts: Record<string, number> = { inputRecordCount: batch.recordsTotal, outputRecordCount: batch.recordsTotal - batch.recordsFailed, failedRecordCount: batch.recordsFailed };
  for (const [key, value] of Object.entries(metrics ?? {})) {
    if (counts[key] !== value) throw readOnly(`metrics.${key}`, value, counts[key]);
  }
  const dataset = datasetOf(input);
  if (dataset !== undefined && dataset !== batch.datasetId) throw readOnly('relatedObjects dataSet', dataset, batch.datasetId);
  const format = (input.inputFormat as { format?: unknown } | undefined)?.format;
  if (format !== undefined && String(format).toLowerCase() !== batch.format) throw readOnly('inputFormat.format', format, batch.format);
}

/** Catalog batch use cases over the same batches the import API loads. */
export class CatalogBatches {
  constructor(
    private readonly db: Db,
    private readonly batches: BatchService,
    private readonly uploadsDir: string,
    private readonly clock: Clock,
  ) {}

  /** Creates a loading batch for the dataset the request relates; `id` when the client chose one (POST /batches/{id}). */
  async create(tenantId: number, input: CatalogBatchInput, createdBy: string, id?: string): Promise<Batch> {
    const datasetId = datasetOf(input);
    if (datasetId === undefined) throw new DomainError('BATCH_INVALID', 'relatedObjects must name the dataset: [{"type": "dataSet", "id": "<dataset id>"}]');
    if (input.status !== undefined && input.status !== 'loading') {
      throw new DomainError('BATCH_FIELD_READ_ONLY', `A new batch starts as loading; status '${String(input.status)}' cannot be set`);
    }
    for (const field of ['recordCount', 'failedRecordCount', 'started', 'completed', 'size', 'metrics']) {
      if (input[field] !== undefined) throw new DomainError('BATCH_FIELD_READ_ONLY', `${field} is managed by the service and cannot be set on a new batch`);
    }
    if (id !== undefined) {
      if (!CLIENT_ID.test(id)) throw new DomainError('BATCH_INVALID', `Batch id '${id}' is not valid: 1 to 64 letters, digits, '-' or '_'`);
      if (await rows.findBatch(this.db, tenantId, id)) throw new DomainError('BATCH_EXISTS', `Batch '${id}' already exists in this sandbox`);
    }
    const inputFormat = input.inputFormat as { format?: string } | undefined;
    return this.batches.create(tenantId, { datasetId, ...(inputFormat ? { inputFormat } : {}), ...(id === undefined ? {} : { id }), extra: pickMutable(input) }, createdBy);
  }

  /** PUT replaces the client-owned fields (absent ones are cleared); PATCH changes only those sent, merging tag namespaces. */
  async update(tenantId: number, id: string, input: CatalogBatchInput, mode: 'replace' | 'merge'): Promise<Batch> {
    // The batch job also writes the body (a failure reason): the write applies only to the body it was computed from.
    for (let attempt = 0; attempt < 3; attempt++) {
      const batch = await this.batches.get(tenantId, id);
      assertReadOnlyUnchanged(batch, input);
      const kept = Object.fromEntries(Object.entries(batch.body).filter(([k]) => !(MUTABLE_FIELDS as readonly string[]).includes(k)));
      const sent = pickMutable(input);
      const body =
        mode === 'replace'
          ? { ...kept, ...sent }
          : { ...batch.body, ...sent, ...(sent.tags === undefined ? {} : { tags: { ...(batch.body.tags as object | undefined), ...(sent.tags as object) } }) };
      if (await rows.updateBody(this.db, batch, body, this.clock())) return this.batches.get(tenantId, id);
    }
    throw new DomainError('BATCH_PROCESSING', `Batch '${id}' kept changing while being updated; try again`);
  }

  /**
   * Deletes the batch's Catalog record, its files and its errors. A processing batch must be aborted first. Profile
   * data a finished batch wrote stays: Catalog's DELETE is deprecated and its spec does not say it removes data.
   */
  async delete(tenantId: number, id: string): Promise<void> {
    const batch = await this.batches.get(tenantId, id);
    if (batch.status === 'processing') throw new DomainError('BATCH_PROCESSING', `Batch '${id}' is processing; abort it (POST /data/foundation/import/batches/${id}?action=ABORT) before deleting it`);
    await this.db.transaction(async (tx) => {
      if (!(await rows.transition(tx, tenantId, id, [batch.status], batch.status, this.clock()))) {
        throw new DomainError('BATCH_PROCESSING', `Batch '${id}' changed status while being deleted; try again`);
      }
      await rows.deleteBatchRows(tx, tenantId, id);
    });
    await rm(join(this.uploadsDir, String(tenantId), id), { recursive: true, force: true });
  }
}

/** Catalog's lastBatches for datasets: the newest batch, and the newest successful and failed ones. */
export async function lastBatches(db: SqlExecutor, tenantId: number, datasetIds: readonly string[]): Promise<Map<string, LastBatches>> {
  const [last, success, failed] = await Promise.all([
    rows.newestPerDataset(db, tenantId, datasetIds),
    rows.newestPerDataset(db, tenantId, datasetIds, 'success'),
    rows.newestPerDataset(db, tenantId, datasetIds, 'failed'),
  ]);
  const out = new Map<string, LastBatches>();
  for (const [datasetId, b] of last) {
    const ok = success.get(datasetId);
    const bad = failed.get(datasetId);
    out.set(datasetId, {
      lastBatchId: b.id,
      lastBatchStatus: b.status,
      ...(ok ? { lastSuccessfulBatchId: ok.id } : {}),
      ...(bad ? { lastFailedBatchId: bad.id } : {}),
      created: b.createdAt,
      updated: b.modifiedAt,
    });
  }
  return out;
}
