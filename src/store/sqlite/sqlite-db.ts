/** The embedded backend: better-sqlite3 on one WAL file, a serialised writer and a separate reader connection. */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Db, type NoticeHandler, type RowsStatement, type SqlExecutor, type SqlParam, type TableInfo, groupColumns, normalizeParams, sqliteChunks, type TransactionOptions } from '../db.js';
import { type Notice, NoticeHub, assertNotice } from '../notices.js';
import { applyMigrations, pendingMigrationIds } from '../migrate.js';
import { type Checkpointer, startCheckpointer } from './checkpointer.js';
import { GroupCommit } from './group-commit.js';
import { TURNS_BYTES, WriterTurns } from './writer-turns.js';

type Statement = Database.Statement<unknown[], unknown>;

/** Options for opening the SQLite file. */
export interface SqliteOptions {
  /** `full` fsyncs every commit (survives power loss); `normal` survives process crashes only. */
  synchronous?: 'full' | 'normal';
  /** Writer turns shared with another thread's connection to the same file (`SqliteDb.sharing()` of the first). */
  turns?: SharedArrayBuffer;
}

/** What a second thread needs to open a writer that takes turns with this one. */
export interface SqliteSharing {
  readonly file: string;
  readonly synchronous: 'full' | 'normal';
  readonly turns: SharedArrayBuffer;
}

/** Wraps one connection with a statement cache; every call is synchronous underneath. */
class Connection {
  private readonly cache = new Map<string, Statement>();
  private readonly arrays = new Map<string, Statement>();
  constructor(readonly raw: Database.Database) {}

  statement(sql: string): Statement {
    let stmt = this.cache.get(sql);
    if (!stmt) {
      stmt = this.raw.prepare(sql);
      this.cache.set(sql, stmt);
    }
    return stmt;
  }

  allSync<T>(sql: string, params?: readonly SqlParam[]): T[] {
    const stmt = this.statement(sql);
    const args = normalizeParams(params);
    if (!stmt.reader) {
      stmt.run(...args);
      return [];
    }
    return stmt.all(...args) as T[];
  }

  valuesSync<T>(sql: string, params?: readonly SqlParam[]): T[] {
    let stmt = this.arrays.get(sql);
    if (!stmt) {
      stmt = this.raw.prepare(sql);
      if (stmt.reader) stmt.raw(true);
      this.arrays.set(sql, stmt);
    }
    const args = normalizeParams(params);
    if (!stmt.reader) {
      stmt.run(...args);
      return [];
    }
    return stmt.all(...args) as T[];
  }

  runSync(sql: string, params?: readonly SqlParam[]): { changes: number } {
    return { changes: this.statement(sql).run(...normalizeParams(params)).changes };
  }

  async all<T>(sql: string, params?: readonly SqlParam[]): Promise<T[]> {
    return this.allSync<T>(sql, params);
  }
  async values<T extends unknown[]>(sql: string, params?: readonly SqlParam[]): Promise<T[]> {
    return this.valuesSync<T>(sql, params);
  }
  async get<T>(sql: string, params?: readonly SqlParam[]): Promise<T | undefined> {
    const stmt = this.statement(sql);
    return (stmt.reader ? stmt.get(...normalizeParams(params)) : undefined) as T | undefined;
  }
  async run(sql: string, params?: readonly SqlParam[]): Promise<{ changes: number }> {
    return this.runSync(sql, params);
  }
  async runRows(statement: RowsStatement, params: readonly SqlParam[], rows: ReadonlyArray<readonly SqlParam[]>): Promise<{ changes: number }> {
    let changes = 0;
    for (const chunk of sqliteChunks(statement, params, rows)) changes += this.runSync(chunk.sql, chunk.params).changes;
    return { changes };
  }
  async valuesRows<T extends unknown[]>(statement: RowsStatement, params: readonly SqlParam[], rows: ReadonlyArray<readonly SqlParam[]>): Promise<T[]> {
    const out: T[] = [];
    for (const chunk of sqliteChunks(statement, params, rows)) for (const row of this.valuesSync<T>(chunk.sql, chunk.params)) out.push(row);
    return out;
  }
  async lock(): Promise<void> {
    // Every SQLite transaction holds the single write lock already.
  }
}

/** One transaction's view of the writer: its statements, and the notices it publishes if it commits. */
class WriterTx implements SqlExecutor {
  readonly notices: Notice[] = [];
  constructor(private readonly conn: Connection) {}

  all<T>(sql: string, params?: readonly SqlParam[]): Promise<T[]> {
    return this.conn.all<T>(sql, params);
  }
  values<T extends unknown[]>(sql: string, params?: readonly SqlParam[]): Promise<T[]> {
    return this.conn.values<T>(sql, params);
  }
  get<T>(sql: string, params?: readonly SqlParam[]): Promise<T | undefined> {
    return this.conn.get<T>(sql, params);
  }
  run(sql: string, params?: readonly SqlParam[]): Promise<{ changes: number }> {
    return this.conn.run(sql, params);
  }
  runRows(statement: RowsStatement, params: readonly SqlParam[], rows: ReadonlyArray<readonly SqlParam[]>): Promise<{ changes: number }> {
    return this.conn.runRows(statement, params, rows);
  }
  valuesRows<T extends unknown[]>(statement: RowsStatement, params: readonly SqlParam[], rows: ReadonlyArray<readonly SqlParam[]>): Promise<T[]> {
    return this.conn.valuesRows<T>(statement, params, rows);
  }
  lock(): Promise<void> {
    return this.conn.lock();
  }
  async notify(channel: string, payload: string): Promise<void> {
    assertNotice(channel, payload);
    this.notices.push({ channel, payload });
  }
}

/** Opens (creating if needed) the SQLite file at `file` and returns the Db port over it. */
export function openSqlite(file: string, options: SqliteOptions = {}): SqliteDb {
  mkdirSync(dirname(file), { recursive: true });
  const writer = new Database(file);
  writer.pragma('journal_mode = WAL');
  writer.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
  writer.pragma('busy_timeout = 5000');
  writer.pragma('foreign_keys = ON');
  // A second connection reads only committed data, so a reader never sees a writer's open transaction.
  const reader = new Database(file);
  reader.pragma('busy_timeout = 5000');
  reader.pragma('query_only = ON');
  // Reads dominate lookups: the reader keeps a 64 MB page cache and maps up to 2 GB of the file (SQLite's ceiling),
  // so a lookup in a store far larger than the cache costs page faults, not a read() per page: at 250k people the
  // lookup rate fell by a third with a 256 MB map and held with 2 GB. The writer keeps 16 MB and 256 MB, since a
  // long import would otherwise hold pages it never reads again.
  // A thread joining the writer (the writer thread) reads little outside its transactions: a small cache will do.
  reader.pragma(options.turns === undefined ? 'cache_size = -65536' : 'cache_size = -2048');
  reader.pragma('mmap_size = 2147418112');
  writer.pragma('cache_size = -16384');
  writer.pragma('mmap_size = 268435456');
  // Checkpoints run in a worker thread (checkpointer.ts). The writer's own, at 16 MB of WAL, finds the pages
  // already copied and completes at once, which lets the next transaction start the WAL file over.
  writer.pragma('wal_autocheckpoint = 4000');
  const sharing = { file, synchronous: options.synchronous ?? 'full', turns: options.turns ?? new SharedArrayBuffer(TURNS_BYTES) };
  // One checkpointer per file: a thread joining the writer leaves it to the connection that started it.
  const checkpointer = options.turns === undefined ? startCheckpointer(file) : { stop: async () => undefined };
  return new SqliteDb(new Connection(writer), new Connection(reader), checkpointer, sharing);
}

/** The SQLite implementation of the storage contract. */
export class SqliteDb implements Db {
  readonly dialect = 'sqlite' as const;
  readonly capabilities = { concurrentWriters: false, skipLocked: false, dialect: 'sqlite' as const };
  private readonly group: GroupCommit;
  private readonly turns: WriterTurns;
  // One process owns the file, so notices never leave it: they are delivered here, after the commit that holds them.
  private readonly hub = new NoticeHub();
  private closed = false;
  /** Where this process's notices also go: the other thread writing to the file, when there is one. */
  private peer: ((notices: readonly Notice[]) => void) | undefined;

  constructor(
    private readonly writer: Connection,
    private readonly reader: Connection,
    private readonly checkpointer: Checkpointer,
    private readonly shared: SqliteSharing,
  ) {
    const connection = { exec: (sql: string) => writer.raw.exec(sql), get inTransaction() { return writer.raw.inTransaction; } };
    this.turns = new WriterTurns(shared.turns);
    this.group = new GroupCommit(connection, 256, this.turns);
  }

  /** Stops taking turns with the thread that shared this writer's file: it has ended, perhaps holding a turn. */
  writeAlone(): void {
    this.turns.abandon();
  }

  /** What another thread needs to open a writer on this file that takes turns with this one. */
  sharing(): SqliteSharing {
    return this.shared;
  }

  /**
   * Links this Db's notices with another thread's Db on the same file: every notice published here is also passed to
   * `send`; the returned function delivers the other thread's notices to this Db's subscribers (and no further).
   */
  bridge(send: (notices: readonly Notice[]) => void): (notices: readonly Notice[]) => void {
    this.peer = send;
    return (notices) => this.hub.deliver(notices);
  }

  async all<T>(sql: string, params?: readonly SqlParam[]): Promise<T[]> {
    if (isRead(sql)) return this.reader.allSync<T>(sql, params);
    return this.transaction((tx) => tx.all<T>(sql, params));
  }

  async get<T>(sql: string, params?: readonly SqlParam[]): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  async values<T extends unknown[]>(sql: string, params?: readonly SqlParam[]): Promise<T[]> {
    if (isRead(sql)) return this.reader.valuesSync<T>(sql, params);
    return this.transaction((tx) => tx.values<T>(sql, params));
  }

  async run(sql: string, params?: readonly SqlParam[]): Promise<{ changes: number }> {
    return this.transaction(async (tx) => tx.run(sql, params));
  }

  async runRows(statement: RowsStatement, params: readonly SqlParam[], rows: ReadonlyArray<readonly SqlParam[]>): Promise<{ changes: number }> {
    return this.transaction(async (tx) => tx.runRows(statement, params, rows));
  }

  async valuesRows<T extends unknown[]>(statement: RowsStatement, params: readonly SqlParam[], rows: ReadonlyArray<readonly SqlParam[]>): Promise<T[]> {
    if (isRead(statement.sql)) return this.reader.valuesRows<T>(statement, params, rows);
    return this.transaction((tx) => tx.valuesRows<T>(statement, params, rows));
  }

  async lock(): Promise<void> {
    // Outside a transaction there is nothing to hold.
  }

  /** Transactions waiting for the writer share one commit (see group-commit.ts); each still succeeds or fails alone. */
  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T> {
    if (this.closed) throw new Error('database is closed');
    const { value, notices } = await this.group.run(async () => {
      // A fresh view per run: a job the group runs again alone starts with no notices from its failed first run.
      const tx = new WriterTx(this.writer);
      return { value: await fn(tx), notices: tx.notices };
    }, options?.first === true);
    this.publish(notices);
    return value;
  }

  async notify(channel: string, payload: string): Promise<void> {
    assertNotice(channel, payload);
    this.publish([{ channel, payload }]);
  }

  private publish(notices: readonly Notice[]): void {
    if (notices.length === 0) return;
    this.hub.deliver(notices);
    this.peer?.(notices);
  }

  async subscribe(channel: string, handler: NoticeHandler): Promise<() => void> {
    return this.hub.add(channel, handler);
  }

  async migrate(): Promise<string[]> {
    return applyMigrations(this.dialect, (fn) => this.transaction(fn));
  }

  async pendingMigrations(): Promise<string[]> {
    return this.transaction((tx) => pendingMigrationIds(tx));
  }

  async tables(): Promise<TableInfo[]> {
    const rows = this.reader.allSync<{ name: string; column: string }>(
      `SELECT m.name AS name, p.name AS "column" FROM sqlite_master m, pragma_table_info(m.name) p
       WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid`,
    );
    return groupColumns(rows);
  }

  async ping(): Promise<void> {
    this.reader.allSync('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.group.idle();
    await this.checkpointer.stop();
    this.reader.raw.close();
    this.writer.raw.close();
  }
}

function isRead(sql: string): boolean {
  return /^\s*(SELECT|WITH)\b/i.test(sql) && !/\b(INSERT|UPDATE|DELETE)\b/i.test(sql);
}
