/** Batch use cases: create for a dataset, upload files, complete (queues the durable job), abort, read status and errors. */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Db } from '../../store/db.js';
import type { Clock } from '../../shared/clock.js';
import { DomainError } from '../../shared/errors.js';
import { sortableId } from '../../shared/ids.js';
import type { DatasetService } from '../../catalog/datasets/dataset.service.js';
import { enqueueJob } from '../../jobs/job.store.js';
import { BATCH_JOB, type Batch, type BatchError, assertUploadable } from './batch.js';
import { writeCapped } from './upload-stream.js';
import * as rows from './batch.store.js';

const FORMATS = new Set(['json', 'parquet']);
/** An upload in progress: `~` never appears in a valid file name, so a partial file can never be taken for a real one. */
const PARTIAL = /^~upload-[\w-]+\.partial$/;
/** A partial file untouched this long is left over from a dead process: a live upload writes to it with every chunk. */
export const STALE_PARTIAL_MS = 15 * 60_000;

/** Batches of every sandbox; files live under `<data>/uploads/<tenant>/<batch>/`. */
export class BatchService {
  constructor(
    private readonly db: Db,
    private readonly datasets: DatasetService,
    private readonly uploadsDir: string,
    private readonly uploadLimit: number,
    private readonly clock: Clock,
    private readonly onQueued: () => void = () => undefined,
  ) {}

  /** Creates a batch in `loading` for an existing dataset; Catalog callers may choose the id and add mutable fields. */
  async create(tenantId: number, input: { datasetId: string; inputFormat?: { format?: string }; id?: string; extra?: Record<string, unknown> }, createdBy: string): Promise<Batch> {
    await this.datasets.get(tenantId, input.datasetId);
    const format = (input.inputFormat?.format ?? 'json').toLowerCase();
    if (!FORMATS.has(format)) {
      throw new DomainError('BATCH_FORMAT_UNSUPPORTED', `inputFormat.format '${format}' is not supported: use json (a JSON array or NDJSON) or parquet`);
    }
    const now = this.clock();
    const batch: Batch = {
      tenantId,
      id: input.id ?? sortableId(now),
      datasetId: input.datasetId,
      status: 'loading',
      format,
      recordsTotal: 0,
      recordsFailed: 0,
      body: { ...input.extra, inputFormat: { format }, createdUser: createdBy },
      createdAt: now,
      modifiedAt: now,
      startedAt: null,
      completedAt: null,
    };
    if (!(await rows.insertBatch(this.db, batch))) throw new DomainError('BATCH_EXISTS', `Batch '${batch.id}' already exists in this sandbox`);
    return batch;
  }

  /** One batch, or BATCH_NOT_FOUND. */
  async get(tenantId: number, id: string): Promise<Batch> {
    const batch = await rows.findBatch(this.db, tenantId, id);
    if (!batch) throw new DomainError('BATCH_NOT_FOUND', `Batch '${id}' does not exist in this sandbox`);
    return batch;
  }

  /** A page of batches. */
  list(tenantId: number, page: { limit: number; start: number; datasetId?: string }): Promise<Batch[]> {
    return rows.listBatches(this.db, tenantId, page);
  }

  /** Streams an uploaded file to disk (never into memory) and records it; only while the batch is loading. */
  async addFile(tenantId: number, batchId: string, datasetId: string, name: string, body: Readable): Promise<{ size: number }> {
    assertUploadable(await this.get(tenantId, batchId), datasetId, name);
    const dir = join(this.uploadsDir, String(tenantId), batchId);
    await mkdir(dir, { recursive: true });
    const path = join(dir, name);
    // Written under a temporary name and renamed once complete, so an aborted or failed upload (or a killed process)
    // never leaves a truncated file under the real name, where a previous complete upload of that name may be.
    const partial = join(dir, `~upload-${randomUUID()}.partial`);
    let size: number;
    try {
      size = await writeCapped(body, partial, this.uploadLimit, () => new DomainError('BODY_TOO_LARGE', `File '${name}' is larger than the upload limit of ${this.uploadLimit} bytes`));
      await rename(partial, path);
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
    await rows.upsertFile(this.db, { tenantId, batchId, name, datasetId, path, size, now: this.clock() });
    return { size };
  }

  /**
   * Removes partial files left by uploads that never finished (the process died mid-stream). With `all`, every partial
   * file goes (the process owns the data folder); otherwise only those untouched for STALE_PARTIAL_MS, since other
   * processes sharing the folder may be uploading. Returns how many were removed.
   */
  async removePartialUploads(all: boolean): Promise<number> {
    const cutoff = this.clock() - STALE_PARTIAL_MS;
    let removed = 0;
    for (const tenant of await entries(this.uploadsDir)) {
      for (const batch of await entries(join(this.uploadsDir, tenant))) {
        const dir = join(this.uploadsDir, tenant, batch);
        for (const name of (await entries(dir)).filter((n) => PARTIAL.test(n))) {
          const path = join(dir, name);
          const modified = await stat(path).then((s) => s.mtimeMs, () => undefined);
          if (modified === undefined || (!all && modified > cutoff)) continue;
          await rm(path, { force: true });
          removed++;
        }
      }
    }
    return removed;
  }

  /** Completes a loading batch: it moves to processing and its job is queued in the same transaction. */
  async complete(tenantId: number, batchId: string): Promise<Batch> {
    const batch = await this.get(tenantId, batchId);
    if ((await rows.listFiles(this.db, tenantId, batchId)).length === 0) {
      throw new DomainError('BATCH_EMPTY', `Batch '${batchId}' has no files; upload at least one before completing it`);
    }
    const moved = await this.db.transaction(async (tx) => {
      const ok = await rows.transition(tx, tenantId, batchId, ['loading'], 'processing', this.clock());
      if (ok) await enqueueJob(tx, { tenantId, kind: BATCH_JOB, ref: batchId, payload: { batchId } }, this.clock());
      return ok;
    });
    if (!moved) throw new DomainError('BATCH_NOT_LOADING', `Batch '${batchId}' is ${batch.status}; only a loading batch can be completed`);
    this.onQueued();
    return this.get(tenantId, batchId);
  }

  /** Aborts a batch that has not finished; a processing batch stops at its next chunk. */
  async abort(tenantId: number, batchId: string): Promise<Batch> {
    const batch = await this.get(tenantId, batchId);
    if (!(await rows.transition(this.db, tenantId, batchId, ['loading', 'processing'], 'aborted', this.clock()))) {
      throw new DomainError('BATCH_FINISHED', `Batch '${batchId}' is ${batch.status} and can no longer be aborted`);
    }
    return this.get(tenantId, batchId);
  }

  /** A page of the batch's refused records. */
  async errors(tenantId: number, batchId: string, page: { limit: number; start: number }): Promise<BatchError[]> {
    await this.get(tenantId, batchId);
    return rows.listErrors(this.db, tenantId, batchId, page);
  }
}

/** The names in a folder; none when it does not exist or is not a folder. */
async function entries(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}
