/** Same-run ceilings: raw better-sqlite3 inserts of the same rows, and a bare Fastify + SQLite server for lookups. */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSecondsOf } from './server.js';

/** Rows/s of raw better-sqlite3 inserts of `rows` JSON texts, in 1,000-row transactions (WAL, synchronous=NORMAL). */
export function rawInsertRate(rows: readonly string[]): number {
  const dir = mkdtempSync(join(tmpdir(), 'rtprofile-ceiling-'));
  try {
    const db = new Database(join(dir, 'c.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE t (id TEXT PRIMARY KEY, data TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO t (id, data) VALUES (?, ?)');
    const chunk = db.transaction((batch: readonly string[], offset: number) => {
      batch.forEach((data, i) => insert.run(String(offset + i), data));
    });
    const started = process.hrtime.bigint();
    for (let i = 0; i < rows.length; i += 1000) chunk(rows.slice(i, i + 1000), i);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    db.close();
    return rows.length / seconds;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A running ceiling server: `/p/{n}` returns one stored profile JSON, `/e/{n}` a page of 100 stored events. */
export interface CeilingServer {
  readonly url: string;
  /** CPU seconds the ceiling server has used so far. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL('./ceiling-server.ts', import.meta.url));

/** Starts the ceiling server as its own process, filled with `people` copies of the given JSON bodies. */
export function startCeilingServer(people: number, profile: string, event: string): Promise<CeilingServer> {
  // Its database is gigabytes at full size: removed when the server exits, and with the server when this process exits.
  const dir = mkdtempSync(join(tmpdir(), 'rtprofile-ceiling-'));
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, JSON.stringify({ people, profile, event, dir })], { stdio: ['ignore', 'pipe', 'inherit'] });
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const onHarnessExit = () => {
    child.kill('SIGKILL');
    remove();
  };
  process.once('exit', onHarnessExit);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      process.off('exit', onHarnessExit);
      remove();
      resolve(code);
    }),
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening (http:\/\/\S+)/.exec(out);
      if (m) {
        resolve({
          url: m[1]!,
          cpuSeconds: () => cpuSecondsOf(child.pid!),
          stop: async () => {
            child.kill('SIGTERM');
            await exited;
          },
        });
      }
    });
    void exited.then((code) => reject(new Error(`ceiling server exited ${code}`)));
  });
}
