/**
 * The SQLite writer thread's entry: a second writer connection to the store file, the domain services built over it,
 * and streaming writes and batch chunks committed here in groups while the main thread parses and validates the next requests. The
 * change-feed consumers run here too: their commits on the main thread's connection would make this one drop its
 * page cache after every group (SQLite discards a connection's cache when another connection wrote).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSqlite } from '../store/sqlite/sqlite-db.js';
import { systemClock } from '../shared/clock.js';
import { buildServices } from './services.js';
import { chunkCommitter } from '../ingest/batches/batch.processor.js';
import { type FromWriter, type ToWriter, type WriterThreadData, toWire } from './writer-protocol.js';

const port = parentPort!;
const data = workerData as WriterThreadData;
const send = (message: FromWriter) => port.postMessage(message);

try {
  const db = openSqlite(data.sharing.file, { synchronous: data.sharing.synchronous, turns: data.sharing.turns });
  // Notices committed here reach the main thread's subscribers before the write they belong to is answered there.
  const receive = db.bridge((notices) => send({ type: 'notices', notices }));
  const log = (level: 'info' | 'warn' | 'error') => (...args: unknown[]) =>
    send({ type: 'log', level, message: args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ') });
  const services = buildServices(
    { config: data.config, db, secret: undefined, verify: async () => Promise.reject(new Error('the writer thread verifies no tokens')) },
    systemClock,
    { info: log('info'), warn: log('warn'), error: log('error') } as Parameters<typeof buildServices>[2],
  );
  await services.catalogWatch;
  const commitChunk = chunkCommitter(db, services.ingest, systemClock);
  services.feed.addLagObserver((consumer, effect, lagsMs) => send({ type: 'lag', consumer, effect, lagsMs: [...lagsMs] }));
  port.on('message', (message: ToWriter) => {
    if (message.type === 'notices') receive(message.notices);
    else if (message.type === 'write') {
      services.ingest.commit(message.tenantId, message.prepared, message.batchId, message.inletId).then(
        (outcome) => send({ type: 'done', id: message.id, outcome }),
        (err: unknown) => send({ type: 'failed', id: message.id, error: toWire(err) }),
      );
    } else if (message.type === 'chunk') {
      commitChunk(message.job, message.checkpoint, message.chunk).then(
        (written) => send({ type: 'done', id: message.id, outcome: written }),
        (err: unknown) => send({ type: 'failed', id: message.id, error: toWire(err) }),
      );
    } else if (message.type === 'feed') {
      // Answered whatever happens, so the main thread never waits on a consumer that failed to start or stop.
      void (message.run ? services.feed.start() : services.feed.stop())
        .catch((err: Error) => send({ type: 'log', level: 'error', message: `change feed ${message.run ? 'start' : 'stop'} failed: ${err.message}` }))
        .then(() => send({ type: 'fed', running: message.run }));
    } else {
      void services.feed.stop().then(() => db.close()).finally(() => port.close());
    }
  });
  send({ type: 'ready' });
} catch (err) {
  send({ type: 'fatal', message: (err as Error).stack ?? String(err) });
}
