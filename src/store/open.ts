/** Chooses the backend from the config: PostgreSQL for a database URL, else the SQLite file in the data folder. */
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type { Db } from './db.js';
import { connectError, pgTarget } from './postgres/connect-errors.js';
import { ensurePostgresDatabase } from './postgres/ensure-database.js';
import { openPostgres } from './postgres/postgres-db.js';
import { openSqlite } from './sqlite/sqlite-db.js';

/** Opens the configured database (creating a missing PostgreSQL one when allowed) and migrates it, so a fresh setup just works. */
export async function openStore(config: Pick<Config, 'databaseUrl' | 'dataDir' | 'sqliteSync' | 'pgPoolSize'>): Promise<Db> {
  if (config.databaseUrl) await ensurePostgresDatabase(config.databaseUrl);
  const db = config.databaseUrl
    ? openPostgres(config.databaseUrl, { poolSize: config.pgPoolSize })
    : openSqlite(join(config.dataDir, 'profile.db'), { synchronous: config.sqliteSync });
  try {
    await db.migrate();
  } catch (err) {
    await db.close().catch(() => undefined);
    // The server may go away between the probe and the migrations; say so in the same words.
    throw (config.databaseUrl ? connectError(err, pgTarget(config.databaseUrl)) : undefined) ?? err;
  }
  return db;
}
