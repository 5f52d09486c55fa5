/** Before the pool opens: one probe connection, so a bad URL fails in one clear line, and a missing database is created. */
import pg from 'pg';
import { StoreConnectError, connectError, parsePgUrl, pgTarget, type PgTarget } from './connect-errors.js';

const CONNECT_TIMEOUT_MS = 10_000;
/** Where `CREATE DATABASE` is sent from: libpq's usual maintenance databases, in the order createdb tries them. */
const MAINTENANCE = ['postgres', 'template1'];

/** Connects a client to `url` and runs `fn` on it; resolves with the connection error instead of throwing it. */
async function withClient(url: string, fn: (client: pg.Client) => Promise<void>): Promise<unknown> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    return err;
  }
  try {
    await fn(client);
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const codeOf = (err: unknown) => (err as { code?: unknown }).code;
const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

async function createDatabase(url: string, target: PgTarget): Promise<void> {
  for (const maintenance of MAINTENANCE) {
    const at = parsePgUrl(url);
    at.pathname = `/${maintenance}`;
    const failed = await withClient(at.toString(), async (client) => {
      try {
        await client.query(`CREATE DATABASE ${quoteIdent(target.database)}`);
      } catch (err) {
        // Another process starting at the same moment may have created it first.
        if (codeOf(err) === '42P04') return;
        if (codeOf(err) === '42501') {
          throw new StoreConnectError(
            `database "${target.database}" does not exist on PostgreSQL at ${target.host}:${target.port} and role "${target.user}" ` +
              `may not create it: create it with createdb -O ${target.user} ${target.database} (as a role that may)`,
          );
        }
        throw connectError(err, target) ?? err;
      }
    });
    if (failed === undefined) return;
    if (codeOf(failed) !== '3D000') throw connectError(failed, target) ?? failed;
  }
  throw connectError({ code: '3D000' }, target);
}

/** Checks that `url` can be connected to, creating its database when it is missing and the role may create databases. */
export async function ensurePostgresDatabase(url: string): Promise<'exists' | 'created'> {
  const target = pgTarget(url);
  const failed = await withClient(url, async () => undefined);
  if (failed === undefined) return 'exists';
  if (codeOf(failed) !== '3D000') throw connectError(failed, target) ?? failed;
  await createDatabase(url, target);
  return 'created';
}
