/** Throwaway Redis servers for tests: one node, or a three-master cluster, each on free ports and its own temp folder. */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { freePort } from './pg-cluster.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running server or cluster: the URL RedisEdgeStore.connect takes, and how to stop it. */
export interface RunningRedis {
  readonly url: string;
  stop(): Promise<void>;
}

const onPath = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;

function skipReason(): string | false {
  const missing = ['redis-server', 'redis-cli'].filter((command) => !onPath(command));
  if (missing.length === 0) return false;
  const reason = `${missing.join(' and ')} not on PATH (install Debian's redis-server package; .ci/run does)`;
  if (process.env.RTPROFILE_REDIS_REQUIRED === '1') throw new Error(`RTPROFILE_REDIS_REQUIRED=1: ${reason}`);
  return reason;
}

/**
 * The `skip` option for tests that need Redis: a reason when it is not installed, else false. With
 * RTPROFILE_REDIS_REQUIRED=1 (CI) a missing Redis throws when this module loads, so the run fails rather than passing short.
 */
export const redisSkip: string | false = skipReason();

function cli(port: number, ...args: string[]): { ok: boolean; out: string } {
  const result = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8', timeout: 10_000 });
  return { ok: result.status === 0, out: `${result.stdout}${result.stderr}` };
}

async function until(what: string, probe: () => boolean, withinMs = 15_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`not within ${withinMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One redis-server process; `cluster` adds cluster mode with its bus on a port of its own (port + 10000 may not exist). */
async function startNode(dir: string, cluster: boolean): Promise<{ port: number; process: ChildProcess }> {
  // A free port can be taken by someone else before the server binds it (tests run in parallel): try a few.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--dbfilename', `dump-${port}.rdb`, '--logfile', join(dir, `${port}.log`)];
    if (cluster) args.push('--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-port', String(await freePort()), '--cluster-node-timeout', '5000');
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    let exited = false;
    child.once('exit', () => (exited = true));
    try {
      // By its process id: a PONG alone could come from whoever took the port first.
      await until(`redis-server on port ${port} answers`, () => exited || cli(port, 'info', 'server').out.includes(`process_id:${child.pid}`));
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    if (!exited) return { port, process: child };
    if (attempt >= 3) throw new Error(`redis-server did not start (log: ${join(dir, `${port}.log`)})`);
  }
}

function stopper(dir: string, children: readonly ChildProcess[]): () => Promise<void> {
  const kill = () => {
    children.forEach((child) => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', kill);
  let stopped: Promise<void> | undefined;
  return () => {
    stopped ??= (async () => {
      process.removeListener('exit', kill);
      await Promise.all(children.map((child) => new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      })));
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopped;
  };
}

/** Starts one Redis node (no persistence), answering before this resolves. */
export async function startRedis(): Promise<RunningRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'rtprofile-redis-'));
  const node = await startNode(dir, false);
  return { url: `redis://127.0.0.1:${node.port}`, stop: stopper(dir, [node.process]) };
}

/** Starts a three-master Redis Cluster (no replicas), every node reporting cluster_state:ok before this resolves. */
export async function startRedisCluster(): Promise<RunningRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'rtprofile-redis-cluster-'));
  const nodes: Array<{ port: number; process: ChildProcess }> = [];
  const children: ChildProcess[] = [];
  // The stopper holds `children` itself, so nodes started later are covered too (and killed if startup fails).
  const stop = stopper(dir, children);
  try {
    for (let i = 0; i < 3; i++) {
      nodes.push(await startNode(dir, true));
      children.push(nodes[i]!.process);
    }
    const create = spawnSync('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8', timeout: 30_000 });
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
    await until('every cluster node reports cluster_state:ok', () => nodes.every((n) => cli(n.port, 'cluster', 'info').out.includes('cluster_state:ok')));
  } catch (error) {
    await stop();
    throw error;
  }
  const seeds = nodes.map((n) => `127.0.0.1:${n.port}`).join(',');
  return { url: `redis+cluster://${seeds}`, stop };
}
