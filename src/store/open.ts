/** Chooses the backend from the config: PostgreSQL for a database URL, else the SQLite file in the data folder. */
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type { Db } from './db.js';
import { openPostgres } from './postgres/postgres-db.js';
import { openSqlite } from './sqlite/sqlite-db.js';

/** Opens the configured database and applies pending migrations, so a fresh data folder just works. */
export async function openStore(config: Pick<Config, 'databaseUrl' | 'dataDir' | 'sqliteSync' | 'pgPoolSize'>): Promise<Db> {
  const db = config.databaseUrl
    ? openPostgres(config.databaseUrl, { poolSize: config.pgPoolSize })
    : openSqlite(join(config.dataDir, 'profile.db'), { synchronous: config.sqliteSync });
  try {
    await db.migrate();
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
  return db;
}
