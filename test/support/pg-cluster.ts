/** Starts a throwaway PostgreSQL cluster for tests (initdb + pg_ctl on a temp dir and a free port), as a non-root user. */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/** A running cluster: its superuser URL and how to stop it. */
export interface PgCluster {
  readonly url: string;
  /** The same server through its Unix socket (`?host=<socket folder>`), as a service on the database's machine connects. */
  readonly socketUrl: string;
  /** The postmaster's process id (benchmarks add its and its backends' CPU time to the service's). */
  readonly pid: number;
  stop(): void;
}

function findBinDir(): string {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin');
  }
  const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return join(which.stdout.trim(), '..');
  throw new Error('PostgreSQL server binaries not found: install Debian\'s postgresql package (.ci/run does)');
}

/** A port free at the time of asking (another process may take it before it is bound: callers retry). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** initdb refuses to run as root, so as root the cluster runs as `postgres` (created if missing). */
function asUser(): { prefix: string[]; uid?: number; gid?: number } {
  if (userInfo().uid !== 0) return { prefix: [] };
  if (spawnSync('id', ['-u', 'postgres']).status !== 0) {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
  }
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { prefix: ['runuser', '-u', 'postgres', '--'], uid, gid };
}

/** Options of a cluster: by default any local connection is trusted; with `password`, role `rtprofile` needs it (SCRAM). */
export interface PgClusterOptions {
  password?: string;
}

/** Creates and starts a cluster tuned for tests (no fsync); `stop()` kills it and removes its folder. */
export async function startPgCluster(options: PgClusterOptions = {}): Promise<PgCluster> {
  const bin = findBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'rtprofile-pg-'));
  const user = asUser();
  if (user.uid !== undefined) {
    chownSync(dir, user.uid, user.gid!);
    chmodSync(dir, 0o700);
  }
  const run = (cmd: string, args: string[]) => {
    const [exe, ...rest] = [...user.prefix, join(bin, cmd), ...args];
    const result = spawnSync(exe!, rest, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${cmd} failed: ${result.stderr || result.stdout}`);
  };
  const data = join(dir, 'data');
  const auth = ['--auth=trust'];
  if (options.password !== undefined) {
    const pwfile = join(dir, 'pwfile');
    writeFileSync(pwfile, `${options.password}\n`, { mode: 0o600 });
    if (user.uid !== undefined) chownSync(pwfile, user.uid, user.gid!);
    auth.splice(0, 1, '--auth=scram-sha-256', `--pwfile=${pwfile}`);
  }
  run('initdb', ['-D', data, '-U', 'rtprofile', ...auth, '-E', 'UTF8', '--no-sync', '--locale=C']);
  const port = await freePort();
  const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300`;
  run('pg_ctl', ['-D', data, '-o', serverOptions, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
  let stopped = false;
  const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const login = `rtprofile${options.password === undefined ? '' : `:${encodeURIComponent(options.password)}`}`;
  return {
    pid,
    socketUrl: `postgres://${login}@/postgres?host=${encodeURIComponent(dir)}&port=${port}`,
    url: `postgres://rtprofile${options.password === undefined ? '' : `:${encodeURIComponent(options.password)}`}@127.0.0.1:${port}/postgres`,
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
