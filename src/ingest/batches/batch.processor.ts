/** The batch job: reads each file in chunks and ingests them, committing each chunk with its checkpoint. */
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Db } from '../../store/db.js';
import type { Clock } from '../../shared/clock.js';
import type { JobContext } from '../../jobs/job-runner.js';
import type { IngestItem, IngestService } from '../ingest.service.js';
import type { BatchError } from './batch.js';
import * as rows from './batch.store.js';
import { fileProblems, setFailureReason } from './batch.failure.js';
import { type FileFormat, type FileRecord, EMPTY_FILE, checkFile, readRecords } from './readers.js';

/** Where a batch job is: which file, how many of its records are done, and the totals so far. */
interface Checkpoint {
  file: number;
  offset: number;
  errorSeq: number;
  /** A file was not what the batch claims (or held no records): the batch fails, whatever the other files hold. */
  fileFailed?: boolean;
}

/** A problem with a whole file, stored as one error row numbered 0. */
interface FileProblem {
  code: 'FILE_UNREADABLE' | 'FILE_EMPTY';
  message: string;
}

/** Records per transaction: large enough to amortise the commit, small enough to bound memory and redo after a crash. */
export const CHUNK = 1000;

/** Builds the handler of the batch job kind; `onProgress` hears every committed chunk (the CLI's progress bar). */
export function batchJobHandler(
  db: Db,
  ingest: IngestService,
  clock: Clock,
  onProgress: (p: { batchId: string; records: number; failed: number }) => void = () => undefined,
) {
  return async (ctx: JobContext): Promise<void> => {
    const { tenantId } = ctx.job;
    const batchId = String(ctx.job.payload.batchId);
    const cp: Checkpoint = { file: 0, offset: 0, errorSeq: 0, ...(ctx.job.checkpoint as Partial<Checkpoint> | undefined) };
    const batch = await rows.findBatch(db, tenantId, batchId);
    if (!batch || batch.status !== 'processing') return;
    const files = await rows.listFiles(db, tenantId, batchId);
    let done = batch.recordsTotal;
    let failed = batch.recordsFailed;

    const flush = async (file: { name: string }, chunk: FileRecord[], next: Checkpoint, problem?: FileProblem) => {
      const items: IngestItem[] = [];
      const positions: number[] = [];
      const errors: BatchError[] = problem ? [{ file: file.name, row: 0, code: problem.code, path: '', message: problem.message }] : [];
      for (const r of chunk) {
        if ('error' in r) errors.push({ file: file.name, row: r.row, code: 'RECORD_UNREADABLE', path: '', message: r.error });
        else {
          items.push({ datasetId: batch.datasetId, record: r.record, ...(r.text === undefined ? {} : { text: r.text }) });
          positions.push(r.row);
        }
      }
      const prepared = await ingest.prepare(tenantId, items);
      for (const f of prepared.failures) {
        for (const e of f.errors) errors.push({ file: file.name, row: positions[f.index]!, code: e.code, path: e.path, message: e.message });
      }
      errors.sort((a, b) => a.row - b.row);
      const failedRecords = chunk.length - prepared.records.length;
      next.errorSeq = cp.errorSeq + errors.length;
      next.fileFailed = cp.fileFailed === true || problem !== undefined;
      const stillProcessing = await ctx.commit(next, async (tx) => {
        const current = await rows.findBatch(tx, tenantId, batchId);
        if (current?.status !== 'processing') return false;
        await ingest.write(tx, tenantId, prepared, batchId);
        await rows.insertErrors(tx, tenantId, batchId, cp.errorSeq, errors);
        await rows.addCounts(tx, tenantId, batchId, chunk.length, failedRecords, clock());
        return true;
      });
      if (stillProcessing) ingest.countRecords('batch', prepared.records.length, failedRecords);
      Object.assign(cp, next);
      done += chunk.length;
      failed += failedRecords;
      onProgress({ batchId, records: done, failed });
      return stillProcessing;
    };

    for (let f = cp.file; f < files.length; f++) {
      const file = files[f]!;
      let chunk: FileRecord[] = [];
      let offset = f === cp.file ? cp.offset : 0;
      const unreadable = await checkFile(file.path, batch.format as FileFormat);
      if (unreadable !== undefined) {
        if (!(await flush(file, [], { file: f + 1, offset: 0, errorSeq: 0 }, { code: unreadable === EMPTY_FILE ? 'FILE_EMPTY' : 'FILE_UNREADABLE', message: unreadable }))) return;
        continue;
      }
      const resumed = offset > 0;
      try {
        for await (const record of readRecords(file.path, offset)) {
          chunk.push(record);
          if (chunk.length === CHUNK) {
            offset += chunk.length;
            if (!(await flush(file, chunk, { file: f, offset, errorSeq: 0 }))) return;
            chunk = [];
          }
        }
      } catch (err) {
        // A file that breaks partway (a truncated gzip stream): the rows read so far stay, the rest is one file error.
        offset += chunk.length;
        const broken: FileProblem = { code: 'FILE_UNREADABLE', message: `unreadable after row ${offset}: ${(err as Error).message}` };
        if (!(await flush(file, chunk, { file: f + 1, offset: 0, errorSeq: 0 }, broken))) return;
        continue;
      }
      offset += chunk.length;
      // An empty array or a file of blank lines passes the first-bytes check but is no more a batch than 0 bytes.
      const empty: FileProblem | undefined = !resumed && offset === 0 ? { code: 'FILE_EMPTY', message: EMPTY_FILE } : undefined;
      // The last chunk of a file moves the checkpoint to the next file, even when the chunk is empty.
      if (!(await flush(file, chunk, { file: f + 1, offset: 0, errorSeq: 0 }, empty))) return;
    }

    await db.transaction(async (tx) => {
      const final = await rows.findBatch(tx, tenantId, batchId);
      const allFailed = final !== undefined && final.recordsFailed === final.recordsTotal;
      const status = cp.fileFailed === true || allFailed ? 'failed' : 'success';
      const moved = await rows.transition(tx, tenantId, batchId, ['processing'], status, clock());
      if (moved && cp.fileFailed === true) await setFailureReason(tx, tenantId, batchId, await fileProblems(tx, tenantId, batchId));
    });
    if (files[0]) await rm(dirname(files[0].path), { recursive: true, force: true });
  };
}
