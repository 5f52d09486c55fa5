/** The server backend: a `pg` pool; many API and worker processes may share one PostgreSQL database. */
import pg from 'pg';
import { type Db, type SqlExecutor, type SqlParam, type TableInfo, groupColumns, normalizeParams } from '../db.js';
import { applyMigrations, pendingMigrationIds } from '../migrate.js';
import { toPositional } from './placeholders.js';

/** Options for the connection pool. */
export interface PostgresOptions {
  poolSize?: number;
}

// BIGINT (int8) and NUMERIC come back as strings by default; our int8 columns hold epoch ms and counters.
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
};

class ClientExecutor implements SqlExecutor {
  constructor(private readonly client: pg.PoolClient | pg.Pool) {}

  async all<T>(sql: string, params?: readonly SqlParam[]): Promise<T[]> {
    const result = await this.client.query({ text: toPositional(sql), values: normalizeParams(params), types: typeParsers });
    return result.rows as T[];
  }
  async values<T extends unknown[]>(sql: string, params?: readonly SqlParam[]): Promise<T[]> {
    const result = await this.client.query({ text: toPositional(sql), values: normalizeParams(params), types: typeParsers, rowMode: 'array' });
    return result.rows as T[];
  }
  async get<T>(sql: string, params?: readonly SqlParam[]): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }
  async run(sql: string, params?: readonly SqlParam[]): Promise<{ changes: number }> {
    const result = await this.client.query({ text: toPositional(sql), values: normalizeParams(params), types: typeParsers });
    return { changes: result.rowCount ?? 0 };
  }
  async lock(space: number, key: number): Promise<void> {
    await this.client.query('SELECT pg_advisory_xact_lock($1::int, $2::int)', [space | 0, key | 0]);
  }
}

/** Connects a pool to `url` and returns the Db port over it. */
export function openPostgres(url: string, options: PostgresOptions = {}): PostgresDb {
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10 });
  // An idle client that loses its server emits 'error' on the pool; without a listener that would crash the process.
  pool.on('error', () => undefined);
  return new PostgresDb(pool);
}

/** The PostgreSQL implementation of the storage contract. */
export class PostgresDb implements Db {
  readonly dialect = 'postgres' as const;
  readonly capabilities = { concurrentWriters: true, skipLocked: true };
  private readonly direct: ClientExecutor;

  constructor(private readonly pool: pg.Pool) {
    this.direct = new ClientExecutor(pool);
  }

  all<T>(sql: string, params?: readonly SqlParam[]): Promise<T[]> {
    return this.direct.all<T>(sql, params);
  }
  get<T>(sql: string, params?: readonly SqlParam[]): Promise<T | undefined> {
    return this.direct.get<T>(sql, params);
  }
  values<T extends unknown[]>(sql: string, params?: readonly SqlParam[]): Promise<T[]> {
    return this.direct.values<T>(sql, params);
  }
  run(sql: string, params?: readonly SqlParam[]): Promise<{ changes: number }> {
    return this.direct.run(sql, params);
  }
  async lock(): Promise<void> {
    // A session-less advisory lock outside a transaction would be released at once; only tx.lock() means anything.
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    // A deadlock or serialization failure aborts one side; running it again is the documented remedy, so `fn` must
    // only touch the database (the contract says so).
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(fn);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if ((code !== '40P01' && code !== '40001') || attempt >= 5) throw err;
        await new Promise((r) => setTimeout(r, attempt * 5 + Math.random() * 10));
      }
    }
  }

  private async attempt<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(new ClientExecutor(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async migrate(): Promise<string[]> {
    // One advisory lock per migration transaction: processes starting together apply each migration once.
    return applyMigrations(this.dialect, (fn) =>
      this.transaction(async (tx) => {
        await tx.run('SELECT pg_advisory_xact_lock(7261201)');
        return fn(tx);
      }),
    );
  }

  async pendingMigrations(): Promise<string[]> {
    return this.transaction(async (tx) => {
      await tx.run('SELECT pg_advisory_xact_lock(7261201)');
      return pendingMigrationIds(tx);
    });
  }

  async tables(): Promise<TableInfo[]> {
    const rows = await this.all<{ name: string; column: string }>(
      `SELECT table_name AS name, column_name AS "column" FROM information_schema.columns
       WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`,
    );
    return groupColumns(rows);
  }

  async ping(): Promise<void> {
    await this.all('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
