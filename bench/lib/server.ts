/** Starts the real service as a separate process (SQLite, or PostgreSQL on a throwaway cluster) for a benchmark. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startPgCluster } from '../../test/support/pg-cluster.js';

const BIN = fileURLToPath(new URL('../../bin/rtprofile.js', import.meta.url));

/** A running service with credentials for one org. */
export interface BenchServer {
  readonly url: string;
  readonly pid: number;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly headers: Record<string, string>;
  /** Resident set size of the server process, in MB. */
  rssMb(): number;
  /** The anonymous part of it (heap, SQLite page caches), in MB: RSS minus file pages mapped from the database. */
  anonMb(): number;
  /** CPU seconds (user + system) the server process has used so far. */
  cpuSeconds(): number;
  /** Starts a second `rtprofile serve` on the same store (PostgreSQL: a second process writing the same database). */
  peer(): Promise<{ readonly url: string; cpuSeconds(): number; stop(): Promise<void> }>;
  /** CPU seconds the PostgreSQL cluster's processes have used so far (0 on SQLite, whose work is in the server's). */
  dbCpuSeconds(): number;
  stop(): Promise<void>;
}

/** Starts `rtprofile serve` on a free port with fresh data. */
export async function startServer(store: 'sqlite' | 'postgres', org = 'BENCH@AdobeOrg'): Promise<BenchServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rtprofile-bench-'));
  let cluster: Awaited<ReturnType<typeof startPgCluster>> | undefined;
  let databaseUrl: string | undefined;
  if (store === 'postgres') {
    cluster = await startPgCluster();
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    await client.query('CREATE DATABASE bench');
    await client.end();
    // The service reaches the database through its Unix socket, as one on the database's machine would.
    databaseUrl = cluster.socketUrl.replace('/postgres?', '/bench?');
  }
  const env = { ...process.env, LOG_LEVEL: 'warn', LOG_PRETTY: 'false', RTPROFILE_SQLITE_SYNC: 'normal', RTPROFILE_MAX_MERGE_POLICIES: '50', ...(databaseUrl ? { DATABASE_URL: databaseUrl, RTPROFILE_PG_POOL: '20' } : {}) };
  // BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=prof" profiles the server while it is measured.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const { child, url } = await spawnServe(nodeArgs, env, dataDir);
  const token = await new Promise<string>((resolve, reject) => {
    const t = spawn(process.execPath, [BIN, 'token', '--org', org, '--data', dataDir], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    t.stdout!.on('data', (d) => (text += d));
    t.once('exit', (code) => (code === 0 ? resolve(JSON.parse(text).accessToken) : reject(new Error('token failed'))));
  });
  return {
    url,
    pid: child.pid!,
    dataDir,
    databaseUrl,
    headers: { authorization: `Bearer ${token}`, 'x-api-key': 'rtprofile-cli', 'x-gw-ims-org-id': org, 'x-sandbox-name': 'bench' },
    rssMb() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const m = /VmRSS:\s+(\d+) kB/.exec(status);
      return m ? Number(m[1]) / 1024 : 0;
    },
    anonMb() {
      const m = /RssAnon:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      return m ? Number(m[1]) / 1024 : 0;
    },
    cpuSeconds: () => cpuSecondsOf(child.pid!),
    async peer() {
      const second = await spawnServe(nodeArgs, env, dataDir);
      return {
        url: second.url,
        cpuSeconds: () => cpuSecondsOf(second.child.pid!),
        stop: () =>
          new Promise<void>((resolve) => {
            second.child.once('exit', () => resolve());
            second.child.kill('SIGTERM');
          }),
      };
    },
    dbCpuSeconds: () => (cluster ? treeCpuSeconds(cluster.pid) : 0),
    async stop() {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
      cluster?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** CPU seconds (utime + stime) of a process, from /proc; the service's own cost per request, whatever the client costs. */
export function cpuSecondsOf(pid: number): number {
  return statOf(pid).cpuSeconds;
}

/** A process's parent and CPU seconds (utime + stime), from `/proc/<pid>/stat`. */
function statOf(pid: number): { parent: number; cpuSeconds: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  // After the command name: state is field 3, the parent 4, utime 14 and stime 15 (1-based, in ticks of 1/100 s).
  return { parent: Number(fields[1]), cpuSeconds: (Number(fields[11]) + Number(fields[12])) / 100 };
}

/** Spawns `rtprofile serve` on a free port and resolves with its URL once it listens. */
async function spawnServe(nodeArgs: readonly string[], env: NodeJS.ProcessEnv, dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, BIN, 'serve', '--port', '0', '--data', dataDir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 60_000);
    child.stdout!.on('data', () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', () => reject(new Error(`server exited:\n${out}`)));
  });
  return { child, url };
}

/** CPU seconds of a process and its live children (the postmaster and its backends). */
function treeCpuSeconds(root: number): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = statOf(Number(entry));
      if (Number(entry) === root || stat.parent === root) total += stat.cpuSeconds;
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return total;
}

/** JSON calls against the server (the demo setup's ApiCall over HTTP). */
export function httpCall(server: BenchServer) {
  return async (headers: Record<string, string>, method: string, url: string, payload?: unknown, extra: Record<string, string> = {}) => {
    const res = await fetch(server.url + url, {
      method,
      headers: { ...headers, ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...extra },
      ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
    });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`${method} ${url} answered ${res.status}: ${text.slice(0, 500)}`);
    return text === '' ? undefined : JSON.parse(text);
  };
}
