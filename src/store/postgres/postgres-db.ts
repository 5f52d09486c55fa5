/** The server backend: a `pg` pool; many API and worker processes may share one PostgreSQL database. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Db, type NoticeHandler, type RowsStatement, type SqlExecutor, type SqlParam, type TableInfo, type TransactionOptions, groupColumns, hotName, normalizeParam, normalizeParams } from '../db.js';
import { type Notice, NoticeHub, assertNotice } from '../notices.js';
import { PgListener } from './listener.js';
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

const positional = new Map<string, string>();

/** The query config of a statement: hot ones are named (prepared once per connection) and converted once. */
function statement(sql: string, params: readonly SqlParam[] | undefined): { text: string; values: unknown[]; name?: string; types: typeof typeParsers } {
  const name = hotName(sql);
  if (name === undefined) return { text: toPositional(sql), values: normalizeParams(params), types: typeParsers };
  let text = positional.get(sql);
  if (text === undefined) positional.set(sql, (text = toPositional(sql)));
  return { name, text, values: normalizeParams(params), types: typeParsers };
}

const unnested = new Map<RowsStatement, { name: string; text: string }>();

/**
 * The query config of a many-row statement: `@rows` becomes `SELECT * FROM unnest($n::type[], …)`, so the text is
 * the same for any number of rows and is prepared once per connection; each column travels as one array.
 */
function rowsStatement(statement: RowsStatement, params: readonly SqlParam[], rows: ReadonlyArray<readonly SqlParam[]>) {
  let prepared = unnested.get(statement);
  if (prepared === undefined) {
    const sql = statement.sql.replace('@rows', `SELECT * FROM unnest(${statement.types.map((t) => `?::${t}[]`).join(', ')})`);
    prepared = { name: `rtprofile_rows_${unnested.size}`, text: toPositional(sql) };
    unnested.set(statement, prepared);
  }
  const columns = statement.types.map((_, j) => rows.map((row) => normalizeParam(row[j])));
  return { ...prepared, values: [...normalizeParams(params), ...columns], types: typeParsers };
}

class ClientExecutor implements SqlExecutor {
  /** Notices of the transaction, sent just before its COMMIT (the pool's executor never takes any: see PostgresDb). */
  readonly notices: Notice[] = [];
  constructor(private readonly client: pg.PoolClient | pg.Pool) {}

  async all<T>(sql: string, params?: readonly SqlParam[]): Promise<T[]> {
    const result = await this.client.query(statement(sql, params));
    return result.rows as T[];
  }
  async values<T extends unknown[]>(sql: string, params?: readonly SqlParam[]): Promise<T[]> {
    const result = await this.client.query({ ...statement(sql, params), rowMode: 'array' });
    return result.rows as T[];
  }
  async get<T>(sql: string, params?: readonly SqlParam[]): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }
  async run(sql: string, params?: readonly SqlParam[]): Promise<{ changes: number }> {
    const result = await this.client.query(statement(sql, params));
    return { changes: result.rowCount ?? 0 };
  }
  async runRows(statement: RowsStatement, params: readonly SqlParam[], rows: ReadonlyArray<readonly SqlParam[]>): Promise<{ changes: number }> {
    if (rows.length === 0) return { changes: 0 };
    const result = await this.client.query(rowsStatement(statement, params, rows));
    return { changes: result.rowCount ?? 0 };
  }
  async valuesRows<T extends unknown[]>(statement: RowsStatement, params: readonly SqlParam[], rows: ReadonlyArray<readonly SqlParam[]>): Promise<T[]> {
    if (rows.length === 0) return [];
    const result = await this.client.query({ ...rowsStatement(statement, params, rows), rowMode: 'array' });
    return result.rows as T[];
  }
  async lock(space: number, key: number): Promise<void> {
    await this.client.query('SELECT pg_advisory_xact_lock($1::int, $2::int)', [space | 0, key | 0]);
  }
  async notify(channel: string, payload: string): Promise<void> {
    assertNotice(channel, payload);
    this.notices.push({ channel, payload });
  }

  /** Sends the queued notices in one statement; PostgreSQL holds them until COMMIT and drops them on ROLLBACK. */
  async send(origin: string): Promise<void> {
    if (this.notices.length === 0) return;
    await this.client.query('SELECT pg_notify(c, $3 || p) FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS n(c, p, i) ORDER BY i', [
      this.notices.map((n) => n.channel),
      this.notices.map((n) => n.payload),
      origin,
    ]);
  }
}

/** Connects a pool to `url` and returns the Db port over it. */
export function openPostgres(url: string, options: PostgresOptions = {}): PostgresDb {
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10 });
  // An idle client that loses its server emits 'error' on the pool; without a listener that would crash the process.
  pool.on('error', () => undefined);
  return new PostgresDb(pool, url);
}

/** The PostgreSQL implementation of the storage contract. */
export class PostgresDb implements Db {
  readonly dialect = 'postgres' as const;
  readonly capabilities = { concurrentWriters: true, skipLocked: true, dialect: 'postgres' as const };
  private readonly direct: ClientExecutor;
  private readonly hub = new NoticeHub();
  private readonly listener: PgListener;
  // Our own notices come back over LISTEN too; they were delivered here at commit, so the origin tag skips them.
  private readonly origin = `${randomBytes(6).toString('hex')}:`;

  constructor(
    private readonly pool: pg.Pool,
    url: string,
  ) {
    this.direct = new ClientExecutor(pool);
    this.listener = new PgListener(url, {
      notice: (channel, payload) => {
        if (!payload.startsWith(this.origin)) this.hub.deliver([{ channel, payload: payload.slice(payload.indexOf(':') + 1) }]);
      },
      // Whatever was published while the connection was down is lost: every cache starts over.
      connected: () => this.hub.flush(),
    });
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
  runRows(statement: RowsStatement, params: readonly SqlParam[], rows: ReadonlyArray<readonly SqlParam[]>): Promise<{ changes: number }> {
    return this.direct.runRows(statement, params, rows);
  }
  valuesRows<T extends unknown[]>(statement: RowsStatement, params: readonly SqlParam[], rows: ReadonlyArray<readonly SqlParam[]>): Promise<T[]> {
    return this.direct.valuesRows<T>(statement, params, rows);
  }
  async notify(channel: string, payload: string): Promise<void> {
    assertNotice(channel, payload);
    // The change is committed already: this process drops its caches now, the others when the notice reaches them.
    this.hub.deliver([{ channel, payload }]);
    await this.pool.query('SELECT pg_notify($1, $2)', [channel, this.origin + payload]);
  }

  async subscribe(channel: string, handler: NoticeHandler): Promise<() => void> {
    const remove = this.hub.add(channel, handler);
    try {
      await this.listener.listen(channel);
    } catch (err) {
      remove();
      throw err;
    }
    return remove;
  }

  async lock(): Promise<void> {
    // A session-less advisory lock outside a transaction would be released at once; only tx.lock() means anything.
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, _options?: TransactionOptions): Promise<T> {
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
      const tx = new ClientExecutor(client);
      const result = await fn(tx);
      await tx.send(this.origin);
      await client.query('COMMIT');
      this.hub.deliver(tx.notices);
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
    await this.listener.close();
    await this.pool.end();
  }
}
