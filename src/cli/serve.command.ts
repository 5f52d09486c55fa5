/** `rtprofile serve`: opens the store (migrating it), listens, prints a working curl line, and stops cleanly. */
import type { Command } from 'commander';
import { buildApp } from '../http/app.js';
import { startWriterThread, type WriterThread } from '../runtime/writer-thread.js';
import { SqliteDb } from '../store/sqlite/sqlite-db.js';
import { createLogger } from '../shared/logger.js';
import { openStore } from '../store/index.js';
import { issueToken, loadOrCreateSecret } from '../tenancy/index.js';
import { configFrom, withStoreOptions } from './options.js';
import { DEFAULT_API_KEY } from './token.command.js';

/** The org the start-up example uses; any org works with a token granting it. */
export const EXAMPLE_ORG = 'LOCAL@AdobeOrg';

interface ServeOptions {
  port?: string;
  host?: string;
  data?: string;
  databaseUrl?: string;
}

/** Registers `serve`. */
export function registerServeCommand(program: Command): void {
  withStoreOptions(
    program
      .command('serve')
      .description('run the HTTP API (SQLite in the data folder unless a database URL is given)')
      .option('--port <port>', 'port to listen on (env PORT, default 8080)')
      .option('--host <host>', 'interface to listen on (env HOST, default 127.0.0.1)'),
  ).action(async (options: ServeOptions) => {
    const config = configFrom(options, {
      port: options.port === undefined ? undefined : Number(options.port),
      host: options.host,
    });
    const logger = createLogger({ level: config.logLevel, pretty: config.logPretty });
    const db = await openStore(config);
    const secret = config.jwtSecret ?? loadOrCreateSecret(config.dataDir);
    const app = await buildApp({ config, db, secret, logger });
    let writer: WriterThread | undefined;
    if (config.writerThread && db instanceof SqliteDb) {
      // Without it the service still works, on one thread: say so rather than refuse to start.
      writer = await startWriterThread(db, config, app.services, logger).catch((err: Error) => {
        logger.warn({ err }, 'writer thread not started; streaming writes commit on the main thread');
        return undefined;
      });
    }
    let address: string;
    try {
      address = await app.listen({ port: config.port, host: config.host });
    } catch (err) {
      await writer?.stop();
      await db.close();
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'EADDRINUSE' ? 'the port is in use (choose another with --port)' : (err as Error).message;
      process.stderr.write(`rtprofile: cannot listen on ${config.host}:${config.port}: ${why}\n`);
      process.exit(2);
    }
    if (config.roles.has('worker')) {
      await app.services.jobs.start();
      await (writer ? writer.startFeed() : app.services.feed.start());
    }
    const store = config.databaseUrl ? 'PostgreSQL' : `SQLite ${config.dataDir}/profile.db`;
    if (!config.roles.has('api')) {
      process.stdout.write(`rtprofile worker listening on ${address} (store: ${store}): jobs and the change feed; HTTP serves only ${address}/health and ${address}/metrics\n`);
      return registerStop(app, db, writer, logger);
    }
    const token = await issueToken({ secret, orgs: [EXAMPLE_ORG], clientId: DEFAULT_API_KEY, ttlSeconds: 24 * 3600 });
    process.stdout.write(
      `rtprofile listening on ${address} (store: ${store})\n` +
        `Try it (token valid 24h; make more with: npx rtprofile token --org YOUR_ORG):\n` +
        `curl -s ${address}/data/foundation/sandbox-management/sandboxes \\\n` +
        `  -H 'Authorization: Bearer ${token}' \\\n  -H 'x-api-key: ${DEFAULT_API_KEY}' -H 'x-gw-ims-org-id: ${EXAMPLE_ORG}'\n`,
    );

    registerStop(app, db, writer, logger);
  });
}

/** Stops cleanly on SIGINT or SIGTERM: in-flight requests finish, then the writer thread, then the store. */
function registerStop(app: Awaited<ReturnType<typeof buildApp>>, db: { close(): Promise<void> }, writer: WriterThread | undefined, logger: ReturnType<typeof createLogger>): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: finishing in-flight requests');
    // close() stops accepting, waits for in-flight requests, then we close the store they were using.
    await app.close();
    await writer?.stop();
    await db.close();
    logger.flush?.();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}
