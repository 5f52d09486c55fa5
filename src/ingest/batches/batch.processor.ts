/** The batch job: reads each file in chunks and ingests them, committing each chunk with its checkpoint. */
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Db, SqlExecutor } from '../../store/db.js';
import type { Clock } from '../../shared/clock.js';
import { type JobContext, saveJobStep } from '../../jobs/job-runner.js';
import type { IngestItem, IngestService, PreparedWrite } from '../ingest.service.js';
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

/** One chunk's writes: its records, the errors found reading and validating it, and the counts they add. */
export interface ChunkWrite {
  readonly tenantId: number;
  readonly batchId: string;
  readonly prepared: PreparedWrite;
  /** The sequence number of the chunk's first error row. */
  readonly errorSeq: number;
  readonly errors: readonly BatchError[];
  readonly records: number;
  readonly failed: number;
}

/** Commits a chunk together with its job's checkpoint; false when the batch stopped processing meanwhile. */
export type ChunkCommitter = (job: { readonly jobId: number; readonly owner: string }, checkpoint: unknown, chunk: ChunkWrite) => Promise<boolean>;

/** Where chunks commit: this thread's job context unless a committer is set (the SQLite writer thread's). */
export interface ChunkRoute {
  committer: ChunkCommitter | undefined;
}

/** Writes a chunk in `tx`; writes nothing and answers false when the batch is no longer processing (aborted, deleted). */
export async function writeChunk(tx: SqlExecutor, ingest: IngestService, c: ChunkWrite, now: number): Promise<boolean> {
  const current = await rows.findBatch(tx, c.tenantId, c.batchId);
  if (current?.status !== 'processing') return false;
  await ingest.write(tx, c.tenantId, c.prepared, c.batchId);
  await rows.insertErrors(tx, c.tenantId, c.batchId, c.errorSeq, [...c.errors]);
  await rows.addCounts(tx, c.tenantId, c.batchId, c.records, c.failed, now);
  return true;
}

/** The committer that runs a chunk and its checkpoint in one transaction of `db` (the writer thread's). */
export function chunkCommitter(db: Db, ingest: IngestService, clock: Clock): ChunkCommitter {
  return (job, checkpoint, chunk) =>
    db.transaction(async (tx) => {
      const written = await writeChunk(tx, ingest, chunk, clock());
      await saveJobStep(tx, job, checkpoint, clock());
      return written;
    });
}

/** Builds the handler of the batch job kind; `onProgress` hears every committed chunk (the CLI's progress bar). */
export function batchJobHandler(
  db: Db,
  ingest: IngestService,
  clock: Clock,
  onProgress: (p: { batchId: string; records: number; failed: number }) => void = () => undefined,
  route: ChunkRoute = { committer: undefined },
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
      const write: ChunkWrite = { tenantId, batchId, prepared, errorSeq: cp.errorSeq, errors, records: chunk.length, failed: failedRecords };
      next.errorSeq = cp.errorSeq + errors.length;
      next.fileFailed = cp.fileFailed === true || problem !== undefined;
      // The previous chunk commits while this one was read and validated; this one is sent only once that committed,
      // so chunks commit in order and a failed one stops the job before anything after it is written.
      if (!(await settled())) return false;
      const committed = route.committer ? route.committer({ jobId: ctx.job.jobId, owner: ctx.job.owner }, next, write) : ctx.commit(next, (tx) => writeChunk(tx, ingest, write, clock()));
      inFlight = committed.then((stillProcessing) => {
        if (stillProcessing) {
          ingest.countRecords('batch', prepared.records.length, failedRecords);
          done += chunk.length;
          failed += failedRecords;
          onProgress({ batchId, records: done, failed });
        }
        return stillProcessing;
      });
      // Awaited by the next flush or at the end; until then a failure must not count as unhandled.
      inFlight.catch(() => undefined);
      Object.assign(cp, next);
      return true;
    };
    let inFlight: Promise<boolean> = Promise.resolve(true);
    const settled = () => inFlight;

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
    if (!(await settled())) return;

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
