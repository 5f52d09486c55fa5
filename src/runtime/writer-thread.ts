/**
 * Writes on a second thread (SQLite): the main thread parses, validates and extracts identities of streaming messages
 * and batch chunks, the writer thread runs their write transactions and commits. Both connections take turns at SQLite's write lock
 * (writer-turns.ts), notices flow both ways, and a write is answered only after the commit that holds it.
 */
import { Worker } from 'node:worker_threads';
import type { Config } from '../config/config.js';
import type { SqliteDb } from '../store/sqlite/sqlite-db.js';
import type { Committer, PreparedWrite, WriteOutcome } from '../ingest/ingest.service.js';
import type { ChunkCommitter } from '../ingest/batches/batch.processor.js';
import type { Services } from './services.js';
import { type FromWriter, type ToWriter, type WriterThreadData, fromWire } from './writer-protocol.js';

// Evaluated as CommonJS so that it can load tsx before the TypeScript entry: a new thread inherits neither the
// loader bin/rtprofile.js registers through tsx's API nor, for an evaluated script, one preloaded by --import.
const BOOT = `
const { workerData, parentPort } = require('node:worker_threads');
(async () => {
  (await import(workerData.tsx)).register();
  await import(workerData.entry);
})().catch((err) => parentPort.postMessage({ type: 'fatal', message: String((err && err.stack) || err) }));
`;

/** A running writer thread. */
export interface WriterThread {
  /** Commits a prepared write on the thread (the ingest service's committer while the thread runs). */
  readonly commit: Committer;
  /**
   * Runs the change-feed consumers on the thread (instead of `services.feed.start()`), so that during a stream of writes
   * only this thread's connection writes; their lags reach this thread's metrics.
   */
  startFeed(): Promise<void>;
  /** Finishes queued writes, closes the thread's connection and ends it; later writes go back to the main thread. */
  stop(): Promise<void>;
}

type Logger = { info(msg: string): void; warn(msg: string): void; error(msg: string): void };

/**
 * Starts the writer thread over `db`'s file and sends the ingest service's streaming writes through it. Resolves once
 * the thread is ready; should it die, writes go back to the main thread's writer and the in-flight ones fail.
 */
export async function startWriterThread(db: SqliteDb, config: Config, services: Pick<Services, 'ingest' | 'feed' | 'chunkRoute'>, log: Logger): Promise<WriterThread> {
  const { ingest, feed, chunkRoute } = services;
  const data: WriterThreadData = { sharing: db.sharing(), config, entry: new URL('./writer-worker.ts', import.meta.url).href, tsx: import.meta.resolve('tsx/esm/api') };
  const worker = new Worker(BOOT, { eval: true, workerData: data });
  const pending = new Map<number, { resolve: (o: never) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let running = false;
  let fed: (() => void) | undefined;
  /** The consumers run on the thread, or were asked to: should it die, this thread takes them back. */
  let feeding = false;
  let stopping = false;
  const receive = db.bridge((notices) => worker.postMessage({ type: 'notices', notices } satisfies ToWriter));

  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (m: FromWriter) => {
      if (m.type === 'ready') {
        running = true;
        resolve();
      } else if (m.type === 'fatal') reject(new Error(`writer thread failed to start: ${m.message}`));
      else if (m.type === 'notices') receive(m.notices);
      else if (m.type === 'done') take(m.id)?.resolve(m.outcome as never);
      else if (m.type === 'lag') feed.reportLag(m.consumer, m.effect, m.lagsMs);
      else if (m.type === 'fed') fed?.();
      else if (m.type === 'failed') take(m.id)?.reject(fromWire(m.error));
      else log[m.level](`writer thread: ${m.message}`);
    });
    worker.once('error', (err) => reject(err));
  });
  const take = (id: number) => {
    const p = pending.get(id);
    pending.delete(id);
    return p;
  };
  const exited = new Promise<void>((resolve) => {
    worker.once('exit', (code) => {
      running = false;
      // A thread that died may hold a turn, or wait for one, that nobody will give back: this thread writes alone.
      if (!stopping) db.writeAlone();
      db.bridge(() => undefined);
      ingest.useCommitter(undefined);
      chunkRoute.committer = undefined;
      // A thread that died while running the consumers hands them back to this thread.
      if (feeding) {
        feeding = false;
        feed.start().catch((err: Error) => log.error(`change feed not restarted: ${err.message}`));
      }
      fed?.();
      for (const p of pending.values()) p.reject(new Error(`writer thread stopped (exit code ${code}) before the write was answered`));
      pending.clear();
      resolve();
    });
  });
  worker.on('error', (err) => log.error(`writer thread failed: ${err.stack ?? err.message}`));

  try {
    await ready;
  } catch (err) {
    await worker.terminate();
    await exited;
    throw err;
  }
  /** Sends a message that the thread answers with `done` or `failed`. */
  const call = <T>(message: (id: number) => ToWriter) =>
    new Promise<T>((resolve, reject) => {
      if (!running) return reject(new Error('writer thread stopped'));
      const id = nextId++;
      pending.set(id, { resolve: resolve as (o: never) => void, reject });
      try {
        worker.postMessage(message(id));
      } catch (err) {
        // Not sent (a value that cannot be cloned): nothing will answer it.
        pending.delete(id);
        reject(err as Error);
      }
    });
  // The parsed records stay here: the transaction writes each record's text.
  const writable = (prepared: PreparedWrite): PreparedWrite => ({
    records: prepared.records.map(({ data: _data, ...r }: Record<string, unknown>) => r) as unknown as PreparedWrite['records'],
    datasets: prepared.datasets,
  });
  const commit: Committer = (tenantId, prepared, batchId, inletId) =>
    call<WriteOutcome>((id) => ({ type: 'write', id, tenantId, prepared: writable(prepared), batchId, inletId }));
  const commitChunk: ChunkCommitter = (job, checkpoint, chunk) =>
    call<boolean>((id) => ({ type: 'chunk', id, job: { jobId: job.jobId, owner: job.owner }, checkpoint, chunk: { ...chunk, prepared: writable(chunk.prepared) } }));
  chunkRoute.committer = commitChunk;
  ingest.useCommitter(commit);
  const feedControl = (run: boolean) =>
    new Promise<void>((resolve) => {
      if (!running) return resolve();
      feeding = run;
      fed = () => {
        fed = undefined;
        resolve();
      };
      worker.postMessage({ type: 'feed', run } satisfies ToWriter);
    });
  return {
    commit,
    startFeed: () => feedControl(true),
    async stop() {
      if (!running) return exited;
      if (feeding) await feedControl(false);
      stopping = true;
      // New writes go to the main thread's writer from here; the thread finishes what it was sent, in order.
      ingest.useCommitter(undefined);
      chunkRoute.committer = undefined;
      while (pending.size > 0) await new Promise((r) => setTimeout(r, 5));
      worker.postMessage({ type: 'stop' } satisfies ToWriter);
      await exited;
    },
  };
}
