/** The storage contract: a small SQL port that the SQLite and PostgreSQL adapters both implement. */

/** A bound parameter: booleans are stored as 0/1 so both dialects agree. */
export type SqlParam = string | number | bigint | boolean | null | undefined | Buffer;

/** A column type of a many-row statement (PostgreSQL binds each column as one array of this type). */
export type ColumnType = 'bigint' | 'text';

/**
 * A statement over many rows: `@rows` in its text stands for the rows (`INSERT INTO t (a, b) @rows ON CONFLICT …`,
 * `… WHERE (a, b) IN (@rows)`), each row holding a value per `types` entry; `?`s may only come before `@rows`.
 * The text never changes with the number of rows: SQLite expands it to a VALUES list per chunk (statements cached by
 * size), PostgreSQL to `SELECT * FROM unnest($n::type[], …)`, one statement prepared once per connection whatever
 * the count, with one array per column instead of thousands of parameters.
 */
export interface RowsStatement {
  readonly sql: string;
  readonly types: readonly ColumnType[];
}

/** Declares a many-row statement (checked once, where it is defined). */
export function rowsStatement(sql: string, types: readonly ColumnType[]): RowsStatement {
  const at = sql.indexOf('@rows');
  if (at < 0 || sql.indexOf('@rows', at + 1) >= 0) throw new Error(`a rows statement needs exactly one @rows: ${sql}`);
  if (sql.indexOf('?', at) >= 0) throw new Error(`a rows statement takes its '?' parameters before @rows: ${sql}`);
  return { sql, types };
}

/** Runs statements written in the portable subset: `?` placeholders, ON CONFLICT upserts, RETURNING. */
export interface SqlExecutor {
  /** Every row the statement returns. */
  all<T = Record<string, unknown>>(sql: string, params?: readonly SqlParam[]): Promise<T[]>;
  /**
   * Every row as an array of its columns, in the statement's column order. Cheaper to build than `all`'s objects
   * (the drivers set each property through their native API), which counts on reads of many rows, like event pages.
   */
  values<T extends unknown[] = unknown[]>(sql: string, params?: readonly SqlParam[]): Promise<T[]>;
  /** The first row, or undefined. */
  get<T = Record<string, unknown>>(sql: string, params?: readonly SqlParam[]): Promise<T | undefined>;
  /** A statement for its effect; `changes` counts the rows it touched. */
  run(sql: string, params?: readonly SqlParam[]): Promise<{ changes: number }>;
  /** A many-row statement for its effect over `rows` (none: no statement runs); `params` bind its leading `?`s. */
  runRows(statement: RowsStatement, params: readonly SqlParam[], rows: ReadonlyArray<readonly SqlParam[]>): Promise<{ changes: number }>;
  /** The rows (as arrays) a many-row statement returns over `rows`, in no particular order across chunks. */
  valuesRows<T extends unknown[] = unknown[]>(statement: RowsStatement, params: readonly SqlParam[], rows: ReadonlyArray<readonly SqlParam[]>): Promise<T[]>;
  /**
   * Inside a transaction: holds an exclusive lock on (space, key) until the transaction ends, so writers of the same
   * key (e.g. one sandbox's identity graph) take turns. Free on SQLite, whose transactions already take turns.
   */
  lock(space: number, key: number): Promise<void>;
  /**
   * Publishes `payload` on `channel` to every subscriber of every process on this database. Inside a transaction it is
   * delivered only if the transaction commits, and before `transaction()` resolves in this process; outside one it
   * is delivered at once (in this process before the call returns). Payloads are small (under 8,000 bytes).
   */
  notify(channel: string, payload: string): Promise<void>;
}

/** Receives a channel's payloads; `undefined` means notices may have been missed (a reconnect), so drop everything. */
export type NoticeHandler = (payload: string | undefined) => void;

/** What a backend can do, so callers branch on capability and never on the dialect's name. */
export interface DbCapabilities {
  /** Many processes may write at once (PostgreSQL); otherwise one process owns the file. */
  readonly concurrentWriters: boolean;
  /** `SELECT … FOR UPDATE SKIP LOCKED` is available for leasing jobs. */
  readonly skipLocked: boolean;
  /** Whose SQL the few dialect-specific statements (JSON paths) are written in. */
  readonly dialect: 'sqlite' | 'postgres';
}

/** A table's name and columns, for introspection in `/ready` and contract tests. */
export interface TableInfo {
  readonly name: string;
  readonly columns: readonly string[];
}

/** How a transaction is scheduled. */
export interface TransactionOptions {
  /**
   * Runs ahead of transactions already waiting for a single writer (SQLite): derived-state consumers use it, so their
   * freshness does not wait behind a queue of request writes. No effect where writers run concurrently.
   */
  readonly first?: boolean;
}

/** A connected database: plain reads and writes, transactions, migrations and lifecycle. */
export interface Db extends SqlExecutor {
  readonly dialect: 'sqlite' | 'postgres';
  readonly capabilities: DbCapabilities;
  /**
   * Runs `fn` in one transaction: it commits when `fn` resolves and rolls back when it throws. A backend may run `fn`
   * again after a deadlock or serialization failure, so `fn` must have no effects outside the database.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Applies pending migrations; returns the ids it applied. */
  migrate(): Promise<string[]>;
  /** Migration ids known to the code but not applied to this database. */
  pendingMigrations(): Promise<string[]>;
  /** Every table with its columns. */
  tables(): Promise<TableInfo[]>;
  /**
   * Calls `handler` for every notice on `channel`, from this process and others; resolves, with the way to stop, once
   * notices from other processes are being received (PostgreSQL: one LISTEN connection per Db, reconnected with
   * backoff, every handler told `undefined` on each reconnect).
   */
  subscribe(channel: string, handler: NoticeHandler): Promise<() => void>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** Closes every connection; waits for a running transaction to end first. */
  close(): Promise<void>;
}

/** Converts a JS value to what both drivers bind the same way. */
export function normalizeParam(p: SqlParam): unknown {
  return p === undefined ? null : typeof p === 'boolean' ? (p ? 1 : 0) : p;
}

/** Converts JS values to what both drivers bind the same way. */
export function normalizeParams(params: readonly SqlParam[] | undefined): unknown[] {
  return params ? params.map(normalizeParam) : [];
}

/** Folds (table, column) rows into TableInfo entries. */
export function groupColumns(rows: ReadonlyArray<{ name: string; column: string }>): TableInfo[] {
  const byName = new Map<string, string[]>();
  for (const r of rows) {
    const cols = byName.get(r.name) ?? [];
    cols.push(r.column);
    byName.set(r.name, cols);
  }
  return [...byName].map(([name, columns]) => ({ name, columns }));
}

const HOT = new Map<string, string>();

/**
 * Marks a statement as one of the hot reads and returns it unchanged: PostgreSQL prepares it once per connection under
 * a name (no parse or plan per call); SQLite caches every statement already.
 */
export function hot(sql: string): string {
  if (!HOT.has(sql)) HOT.set(sql, `rtprofile_hot_${HOT.size}`);
  return sql;
}

/** The prepared-statement name of a hot statement, or undefined. */
export function hotName(sql: string): string | undefined {
  return HOT.get(sql);
}

/** Bound parameters per SQLite statement (its default limit is 32,766) and rows per chunk, to keep texts modest. */
const SQLITE_PARAMS = 30_000;
const SQLITE_ROWS = 500;
const expanded = new Map<string, string>();

/**
 * A many-row statement as SQLite runs it: one VALUES text and its parameters per chunk of rows. Texts are cached
 * by (statement, size), so a steady stream of same-size chunks reuses one prepared statement.
 */
export function sqliteChunks(statement: RowsStatement, params: readonly SqlParam[], rows: ReadonlyArray<readonly SqlParam[]>): Array<{ sql: string; params: SqlParam[] }> {
  const width = statement.types.length;
  const size = Math.max(1, Math.min(SQLITE_ROWS, Math.floor((SQLITE_PARAMS - params.length) / width)));
  const out: Array<{ sql: string; params: SqlParam[] }> = [];
  for (let i = 0; i < rows.length; i += size) {
    const slice = rows.slice(i, i + size);
    const key = `${slice.length}\u0000${statement.sql}`;
    let sql = expanded.get(key);
    if (sql === undefined) {
      const tuple = `(${Array.from({ length: width }, () => '?').join(', ')})`;
      sql = statement.sql.replace('@rows', `VALUES ${Array.from({ length: slice.length }, () => tuple).join(', ')}`);
      if (expanded.size < 5_000) expanded.set(key, sql);
    }
    const values: SqlParam[] = [...params];
    for (const row of slice) for (const v of row) values.push(v);
    out.push({ sql, params: values });
  }
  return out;
}
