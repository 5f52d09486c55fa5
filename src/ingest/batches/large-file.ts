/** Large-file upload (INITIALIZE → PATCH chunks with Content-Range → COMPLETE): chunks are appended on disk, in order. */
import { mkdir, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Db } from '../../store/db.js';
import type { Clock } from '../../shared/clock.js';
import { DomainError } from '../../shared/errors.js';
import type { BatchService } from './batch.service.js';
import { assertFileName, assertUploadable } from './batch.js';
import * as rows from './batch.store.js';
import { writeCapped } from './upload-stream.js';

/** Catalog's File object: the file's name and the bytes received so far. */
export interface UploadedFile {
  readonly name: string;
  readonly sizeInBytes: number;
}

/** A parsed `Content-Range: bytes first-last/total` (total `*` when unknown). */
export interface ContentRange {
  readonly first: number;
  readonly last: number;
  readonly total?: number;
}

const RANGE = /^bytes[ =](\d{1,15})-(\d{1,15})\/(\d{1,15}|\*)$/i;

/** Parses a Content-Range header, or refuses it naming what a valid one looks like. */
export function parseContentRange(header: string | undefined): ContentRange {
  const m = RANGE.exec((header ?? '').trim());
  if (!m) throw new DomainError('BATCH_RANGE_INVALID', `Content-Range '${header ?? ''}' is not valid: send 'bytes <first>-<last>/<total or *>', e.g. 'bytes 0-1048575/*'`);
  const first = Number(m[1]);
  const last = Number(m[2]);
  const total = m[3] === '*' ? undefined : Number(m[3]);
  if (last < first || (total !== undefined && last >= total)) {
    throw new DomainError('BATCH_RANGE_INVALID', `Content-Range '${header}' is not valid: last byte ${last} must be at least the first ${first}${total === undefined ? '' : ` and below the total ${total}`}`);
  }
  return { first, last, ...(total === undefined ? {} : { total }) };
}

/** Large files of every sandbox; a file in progress lives beside the batch's files as `<name>~`, a name no upload can take. */
export class LargeFileUploads {
  /** One writer per file at a time, so two chunks of one file never interleave (per process). */
  private readonly writing = new Map<string, Promise<unknown>>();

  constructor(
    private readonly db: Db,
    private readonly batches: BatchService,
    private readonly uploadsDir: string,
    private readonly uploadLimit: number,
    private readonly clock: Clock,
  ) {}

  private async partial(tenantId: number, batchId: string, datasetId: string, name: string): Promise<string> {
    assertUploadable(await this.batches.get(tenantId, batchId), datasetId, name);
    return join(this.uploadsDir, String(tenantId), batchId, `${name}~`);
  }

  private async sizeOf(path: string): Promise<number | undefined> {
    return stat(path).then((s) => s.size, () => undefined);
  }

  private notStarted(batchId: string, name: string): DomainError {
    return new DomainError('BATCH_FILE_NOT_FOUND', `File '${name}' of batch '${batchId}' has no upload in progress; start one with POST …/files/${name}?action=INITIALIZE`);
  }

  private async serial<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.writing.get(key) ?? Promise.resolve();
    const run = before.then(work, work);
    const settled = run.catch(() => undefined);
    this.writing.set(key, settled);
    try {
      return await run;
    } finally {
      if (this.writing.get(key) === settled) this.writing.delete(key);
    }
  }

  /** Starts (or restarts, dropping what was sent) a large file of a loading batch. */
  async initialize(tenantId: number, batchId: string, datasetId: string, name: string): Promise<UploadedFile> {
    const path = await this.partial(tenantId, batchId, datasetId, name);
    await mkdir(join(this.uploadsDir, String(tenantId), batchId), { recursive: true });
    await this.serial(path, () => writeFile(path, ''));
    return { name, sizeInBytes: 0 };
  }

  /** Appends one chunk; it must start exactly where the file ends, and hold exactly the bytes its range names. */
  async append(tenantId: number, batchId: string, datasetId: string, name: string, range: ContentRange, body: Readable): Promise<UploadedFile> {
    const path = await this.partial(tenantId, batchId, datasetId, name);
    const { first, last } = range;
    const label = `bytes ${first}-${last}`;
    if (last + 1 > this.uploadLimit) throw new DomainError('BODY_TOO_LARGE', `Content-Range ${label} passes the upload limit of ${this.uploadLimit} bytes for one file`);
    return this.serial(path, async () => {
      const size = await this.sizeOf(path);
      if (size === undefined) throw this.notStarted(batchId, name);
      if (first !== size) {
        const what = first > size ? `leaves a gap: bytes ${size}-${first - 1} were never sent` : `overlaps bytes ${first}-${size - 1} already received`;
        throw new DomainError('BATCH_RANGE_INVALID', `Content-Range ${label} ${what}; the next chunk must start at byte ${size}`);
      }
      const expected = last - first + 1;
      const tooMany = () => new DomainError('BATCH_RANGE_INVALID', `The chunk holds more than the ${expected} bytes Content-Range ${label} names`);
      try {
        const written = await writeCapped(body, path, expected, tooMany, true);
        if (written !== expected) throw new DomainError('BATCH_RANGE_INVALID', `The chunk holds ${written} bytes but Content-Range ${label} names ${expected}`);
      } catch (err) {
        await truncate(path, size);
        throw err;
      }
      return { name, sizeInBytes: last + 1 };
    });
  }

  /** The bytes received so far: of the file in progress, else of the finished file. */
  async size(tenantId: number, batchId: string, datasetId: string, name: string): Promise<UploadedFile> {
    // The name becomes part of a path: check it before touching the disk, as uploads do.
    assertFileName(name);
    const batch = await this.batches.get(tenantId, batchId);
    if (batch.datasetId !== datasetId) throw new DomainError('BATCH_FILE_NOT_FOUND', `Batch '${batchId}' has no file '${name}' for dataset '${datasetId}'`);
    const inProgress = batch.status === 'loading' ? await this.sizeOf(join(this.uploadsDir, String(tenantId), batchId, `${name}~`)) : undefined;
    if (inProgress !== undefined) return { name, sizeInBytes: inProgress };
    const done = (await rows.listFiles(this.db, tenantId, batchId)).find((f) => f.name === name);
    if (!done || batch.datasetId !== datasetId) throw new DomainError('BATCH_FILE_NOT_FOUND', `Batch '${batchId}' has no file '${name}' for dataset '${datasetId}'`);
    return { name, sizeInBytes: done.size };
  }

  /** Finishes a large file: it becomes one of the batch's files, exactly like a file sent in one PUT. */
  async complete(tenantId: number, batchId: string, datasetId: string, name: string): Promise<UploadedFile> {
    const path = await this.partial(tenantId, batchId, datasetId, name);
    return this.serial(path, async () => {
      const size = await this.sizeOf(path);
      if (size === undefined) throw this.notStarted(batchId, name);
      const final = join(this.uploadsDir, String(tenantId), batchId, name);
      await rename(path, final);
      try {
        await rows.upsertFile(this.db, { tenantId, batchId, name, datasetId, path: final, size, now: this.clock() });
      } catch (err) {
        await rm(final, { force: true });
        throw err;
      }
      return { name, sizeInBytes: size };
    });
  }
}
