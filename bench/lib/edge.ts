/** Edge nodes for the edge benchmark: the real `rtprofile edge` process, the hub's projection API and stream head, Redis. */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSecret } from '../../src/tenancy/credentials.js';
import { SqliteEdgeStore } from '../../src/edge/node/sqlite-edge-store.js';
import type { EdgeRow } from '../../src/edge/edge.js';
import type { Setup } from '../http.bench.js';
import { scalar } from './freshness.js';
import { cpuSecondsOf } from './server.js';

const BIN = fileURLToPath(new URL('../../bin/rtprofile.js', import.meta.url));

/** The vendor media types of the projection API. */
const DESTINATION_TYPE = 'application/vnd.adobe.platform.projectionDestination+json; version=1';
const PROJECTION_TYPE = 'application/vnd.adobe.platform.projectionConfig+json; version=1';

/** A running edge process. */
export interface EdgeNode {
  readonly url: string;
  readonly pid: number;
  readonly dataDir: string;
  /** performance.now() when the process was spawned, and when it printed that it listens. */
  readonly spawnedAt: number;
  readonly listeningAt: number;
  /** The offset the edge said it resumed from. */
  readonly from: number;
  /** CPU seconds (user + system) the edge process has used so far. */
  cpuSeconds(): number;
  /** Sends a signal (SIGKILL: a crash) and resolves once it exited; SIGTERM also removes its data folder. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `rtprofile edge --data-center OR1` following the hub, with the hub's secret, in `dataDir` (a new folder unless
 * given); `redisUrl` puts its store in Redis. BENCH_EDGE_NODE_ARGS="--cpu-prof --cpu-prof-dir=prof" profiles it.
 */
export async function startEdgeNode(s: Setup, o: { dataDir?: string; redisUrl?: string; redisPrefix?: string } = {}): Promise<EdgeNode> {
  const secret = readSecret(s.server.dataDir);
  if (!secret) throw new Error(`the hub's data folder ${s.server.dataDir} holds no jwt-secret`);
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'rtprofile-bench-edge-'));
  const nodeArgs = (process.env.BENCH_EDGE_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const args = [...nodeArgs, BIN, 'edge', '--data-center', 'OR1', '--hub', s.server.url, '--port', '0', '--data', dataDir];
  if (o.redisPrefix) args.push('--redis-prefix', o.redisPrefix);
  const spawnedAt = performance.now();
  const child: ChildProcess = spawn(process.execPath, args, {
    env: { ...process.env, LOG_LEVEL: 'warn', LOG_PRETTY: 'false', RTPROFILE_JWT_SECRET: secret, REDIS_URL: o.redisUrl ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const onHarnessExit = () => child.kill('SIGKILL');
  process.once('exit', onHarnessExit);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`edge did not start:\n${out}`)), 60_000);
    child.stdout!.on('data', () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then(() => reject(new Error(`edge exited early:\n${out}`)));
  });
  const listeningAt = performance.now();
  return {
    url,
    pid: child.pid!,
    dataDir,
    spawnedAt,
    listeningAt,
    from: Number(/from offset (\d+)/.exec(out)?.[1] ?? NaN),
    cpuSeconds: () => cpuSecondsOf(child.pid!),
    async stop(signal = 'SIGTERM') {
      process.off('exit', onHarnessExit);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        await exited;
      }
      if (signal !== 'SIGKILL') rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Creates a PROACTIVE destination to OR1 and a projection of `selector` in the sandbox of `s`; returns the projection's id. */
export async function createEdgeProjection(s: Setup, selector: string): Promise<string> {
  const post = async (path: string, type: string, body: unknown) => {
    const res = await fetch(`${s.server.url}${path}`, { method: 'POST', headers: { ...s.server.headers, 'content-type': type }, body: JSON.stringify(body) });
    const text = await res.text();
    if (res.status !== 201) throw new Error(`POST ${path} answered ${res.status}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as { id: string };
  };
  const destination = await post('/data/core/ups/config/destinations', DESTINATION_TYPE, { type: 'EDGE', dataCenters: ['OR1'], ttl: 3600, replicationPolicy: 'PROACTIVE' });
  const projection = await post('/data/core/ups/config/projections?schemaName=_xdm.context.profile', PROJECTION_TYPE, { selector, destinationId: destination.id, name: 'bench' });
  return projection.id;
}

/** The edge's /ready answer. */
export async function edgeReady(edge: EdgeNode): Promise<{ offset: number; connected: boolean; syncedAt: string | null }> {
  return (await (await fetch(`${edge.url}/ready`)).json()) as { offset: number; connected: boolean; syncedAt: string | null };
}

/** Waits until the edge has applied offset `head` (polled every 10 ms); the performance.now() it saw it at. */
export async function edgeReaches(edge: EdgeNode, head: number, withinMs = 300_000): Promise<number> {
  const deadline = performance.now() + withinMs;
  for (;;) {
    const ready = await edgeReady(edge);
    if (ready.offset >= head) return performance.now();
    if (performance.now() > deadline) throw new Error(`the edge reached offset ${ready.offset}, not ${head}, within ${withinMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Waits until the hub's `edge-projector` consumer has read every change-feed entry, no reproject job is left and the
 * stream head (edge_counters.seq) held still for a moment; returns that head.
 */
export async function projectorSettled(s: Setup, withinMs = 600_000): Promise<number> {
  const deadline = Date.now() + withinMs;
  let head = -1;
  for (;;) {
    const unread = await scalar(s, "SELECT COUNT(*) AS n FROM changes c, change_offsets o WHERE o.consumer = 'edge-projector' AND (c.xid > o.xid OR (c.xid = o.xid AND c.seq > o.seq))");
    const jobs = await scalar(s, "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'edge-reproject' AND status IN ('queued', 'running')");
    const now = await scalar(s, "SELECT value FROM edge_counters WHERE name = 'seq'");
    if (unread === 0 && jobs === 0 && now === head) return head;
    head = unread === 0 && jobs === 0 ? now : -1;
    if (Date.now() > deadline) throw new Error(`the edge projector did not settle within ${withinMs / 1000} s (${unread} entries unread)`);
    await new Promise((r) => setTimeout(r, unread === 0 ? 200 : 100));
  }
}

/** A throwaway redis-server: its URL, its CPU seconds so far (from /proc), and how to stop it. */
export interface BenchRedis {
  readonly url: string;
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** A throwaway redis-server (no persistence) on a free port in a temp folder, or undefined when none is on PATH. */
export async function startBenchRedis(): Promise<BenchRedis | undefined> {
  const onPath = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
  if (!onPath('redis-server') || !onPath('redis-cli')) return undefined;
  // The tests' starter does what is needed (free port, its own folder, waits until it answers, killed on exit).
  const { startRedis } = await import('../../test/support/redis.js');
  const redis = await startRedis();
  const port = /:(\d+)$/.exec(redis.url)![1]!;
  const info = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', port, 'info', 'server'], { encoding: 'utf8' }).stdout;
  const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
  return { url: redis.url, cpuSeconds: () => (Number.isNaN(pid) ? NaN : cpuSecondsOf(pid)), stop: () => redis.stop() };
}

/**
 * Rows/s of SqliteEdgeStore.apply in a fresh file, in batches of 2,000 (the stream's page), in this process: the
 * ceiling of an edge's catch-up (no HTTP, no stream parsing).
 */
export async function rawApplyRate(rows: readonly EdgeRow[]): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'rtprofile-edge-ceiling-'));
  try {
    const store = SqliteEdgeStore.open(join(dir, 'edge.db'));
    const now = Date.now();
    const started = performance.now();
    for (let i = 0; i < rows.length; i += 2_000) {
      const batch = rows.slice(i, i + 2_000);
      await store.apply(batch, batch[batch.length - 1]!.seq, now);
    }
    const seconds = (performance.now() - started) / 1000;
    await store.close();
    return rows.length / seconds;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
