/**
 * `rtprofile edge`: an edge node as its own process. It follows its hub's stream of projected profiles for one data
 * center into its own store (SQLite in the data folder, or Redis with REDIS_URL) and answers profile lookups from it.
 */
import type { Command } from 'commander';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { DATA_CENTERS, type DataCenter } from '../edge/edge.js';
import { openEdgeStore } from '../edge/node/open-edge-store.js';
import { EdgeSync } from '../edge/node/edge-sync.js';
import { buildEdgeApp } from '../http/edge-node/edge-app.js';
import { createLogger } from '../shared/logger.js';
import { createTokenVerifier, readSecret } from '../tenancy/index.js';
import { configFrom } from './options.js';
import { CliError } from './cli-error.js';

interface EdgeOptions {
  dataCenter: string;
  hub: string;
  port?: string;
  host?: string;
  data?: string;
  redisPrefix?: string;
}

/** Registers `edge`. */
export function registerEdgeCommand(program: Command): void {
  program
    .command('edge')
    .description('run an edge node: follow a hub for one data center and answer profile lookups from its own store')
    .requiredOption('--data-center <dc>', `the data center this edge serves: ${DATA_CENTERS.join(', ')}`)
    .requiredOption('--hub <url>', 'the hub (an `rtprofile serve`) to follow, e.g. http://127.0.0.1:8080')
    .option('--port <port>', 'port to listen on (env PORT, default 8081)')
    .option('--host <host>', 'interface to listen on (env HOST, default 127.0.0.1)')
    .option('--data <dir>', 'data folder: the edge store (SQLite) and its state, and the shared secret (env RTPROFILE_DATA, default ./data)')
    .option('--redis-prefix <prefix>', 'key prefix in Redis, so several edges can share one server (default rtp:<data center>:)')
    .action(async (options: EdgeOptions) => {
      const dataCenter = options.dataCenter.toUpperCase();
      if (!(DATA_CENTERS as readonly string[]).includes(dataCenter)) throw new CliError(`--data-center '${options.dataCenter}' is not one of ${DATA_CENTERS.join(', ')}`);
      if (!/^https?:\/\/[^/\s]+/.test(options.hub)) throw new CliError(`--hub '${options.hub}' is not an http:// or https:// URL`);
      const config = configFrom(options, { port: options.port === undefined ? (process.env.PORT ? undefined : 8081) : Number(options.port), host: options.host });
      // Client tokens are checked with the token secret and/or a JWKS; the stream is signed with the edge secret, else the
      // token secret. An edge host trusted less than the hub gets RTPROFILE_EDGE_SECRET and RTPROFILE_JWKS only.
      const tokenSecret = config.jwtSecret ?? readSecret(config.dataDir);
      const secret = config.edgeSecret ?? tokenSecret;
      if (!secret) throw new CliError(`no shared secret: give the edge the hub's RTPROFILE_EDGE_SECRET or RTPROFILE_JWT_SECRET, or its data folder (--data) holding jwt-secret`);
      if (!tokenSecret && !config.jwks) throw new CliError('no way to check client tokens: give the edge RTPROFILE_JWKS (or the hub\'s RTPROFILE_JWT_SECRET)');
      const logger = createLogger({ level: config.logLevel, pretty: config.logPretty });
      mkdirSync(config.dataDir, { recursive: true });
      const store = await openEdgeStore({
        ...(config.redisUrl ? { redisUrl: config.redisUrl } : {}),
        sqlitePath: join(config.dataDir, `edge-${dataCenter}.db`),
        redisPrefix: options.redisPrefix ?? `rtp:${dataCenter}:`,
      }).catch((err: Error) => {
        // The URL may hold a password: name the hosts only.
        const where = config.redisUrl ? `Redis at ${config.redisUrl.replace(/\/\/[^@/]*@/, '//')}` : `SQLite at ${config.dataDir}`;
        throw new CliError(`cannot open the edge store (${where}): ${err.message}`);
      });
      const clock = () => Date.now();
      const sync = new EdgeSync({ hubUrl: options.hub.replace(/\/+$/, ''), dataCenter: dataCenter as DataCenter, secret, store, stateFile: join(config.dataDir, `edge-${dataCenter}.state.json`), clock, logger });
      await sync.start();
      const app = await buildEdgeApp({ store, sync, verify: createTokenVerifier({ ...(tokenSecret ? { secret: tokenSecret } : {}), ...(config.jwks ? { jwks: config.jwks } : {}) }), dataCenter, clock, logger });
      let address: string;
      try {
        address = await app.listen({ port: config.port, host: config.host });
      } catch (err) {
        await sync.stop();
        await store.close();
        const code = (err as NodeJS.ErrnoException).code;
        throw new CliError(`cannot listen on ${config.host}:${config.port}: ${code === 'EADDRINUSE' ? 'the port is in use (choose another with --port)' : (err as Error).message}`);
      }
      process.stdout.write(`rtprofile edge ${dataCenter} listening on ${address} (store: ${store.kind === 'redis' ? 'Redis' : `SQLite ${config.dataDir}/edge-${dataCenter}.db`}), following ${options.hub} from offset ${sync.position()}\n`);
      let stopping = false;
      const stop = async () => {
        if (stopping) return;
        stopping = true;
        await app.close();
        await sync.stop();
        await store.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    });
}
