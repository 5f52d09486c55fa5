/**
 * WAL checkpoints off the main thread. SQLite's automatic checkpoint runs inside whichever COMMIT crosses the
 * threshold, so one request in a thousand paid for copying megabytes into the database file (and, with the default
 * threshold, index pages were copied again and again). A worker thread with its own connection runs PASSIVE
 * checkpoints instead; they never block the writer or readers. The writer keeps a higher threshold of its own: under
 * a steady stream a background checkpoint never reaches the WAL's end, and the writer's, finding almost everything
 * already copied, does — which is what lets the WAL file start over instead of growing.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// The worker is plain JavaScript evaluated from a string, so it needs no TypeScript loader in the thread.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
let timer;
const tick = () => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy: try again next tick */ }
  timer = setTimeout(tick, workerData.everyMs);
};
timer = setTimeout(tick, workerData.everyMs);
parentPort.on('message', () => { clearTimeout(timer); db.close(); parentPort.close(); });
`;

/** A running checkpointer; `stop` ends the thread and closes its connection. */
export interface Checkpointer {
  stop(): Promise<void>;
}

/** Starts checkpointing `file` every `everyMs` from a worker thread. */
export function startCheckpointer(file: string, everyMs = 250): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, { eval: true, workerData: { file, driver, everyMs } });
  // The thread must never keep the process alive, nor crash it: a failed checkpointer only means larger WAL files.
  worker.unref();
  worker.on('error', () => undefined);
  return {
    async stop() {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      // Held while it winds down, or a process with nothing else to do would exit mid-await.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
