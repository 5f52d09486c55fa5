/** Streaming ingest scenarios: one service, and on PostgreSQL two services on one database, every message counted back. */
import Database from 'better-sqlite3';
import pg from 'pg';
import { join } from 'node:path';
import { person, webEvents } from '../src/cli/demo/people.js';
import { rawInsertRate } from './lib/ceiling.js';
import { drive } from './lib/load.js';
import { type BenchRow, median, row } from './lib/stats.js';
import { feedCaughtUp, lagBuckets, lagP99, mergeStream } from './lib/freshness.js';
import type { Setup, Sizes } from './http.bench.js';

/** Events stored under a run's `_id` prefix, read straight from the store. */
async function countEvents(s: Setup, prefix: string): Promise<number> {
  if (s.server.databaseUrl) {
    const client = new pg.Client({ connectionString: s.server.databaseUrl });
    await client.connect();
    const r = await client.query('SELECT COUNT(*) AS n FROM events WHERE event_id LIKE $1', [`${prefix}%`]);
    await client.end();
    return Number(r.rows[0].n);
  }
  const db = new Database(join(s.server.dataDir, 'profile.db'), { readonly: true });
  const n = (db.prepare('SELECT COUNT(*) AS n FROM events WHERE event_id LIKE ?').get(`${prefix}%`) as { n: number }).n;
  db.close();
  return n;
}

export function sampleEventRows(count: number): string[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => JSON.stringify({ ...webEvents(person(1 + (i % 1000)), 1, now)[0], _id: `ceil-${i}` }));
}

/** Streaming ingest: /collection/batch with 100 messages per request; every acknowledged message is then counted. */
export async function ingest(s: Setup, z: Sizes, label: string): Promise<BenchRow[]> {
  const rates: number[] = [];
  const p99: number[] = [];
  const lagBefore = await lagBuckets(s, 'effective');
  const allBefore = await lagBuckets(s);
  const fresh: number[] = [];
  const cpu: number[] = [];
  const dbCpu: number[] = [];
  for (let run = 0; run < z.runs; run++) {
    const runId = `bench${run}x${Date.now()}`;
    const cpuBefore = s.server.cpuSeconds();
    const dbCpuBefore = s.server.dbCpuSeconds();
    let running = true;
    const side = mergeStream(s, () => running, 5_000_000 + run * 100_000);
    const r = await drive({ url: s.server.url, connections: 8, amount: Math.ceil(z.ingestMessages / z.runs / 100), headers: s.server.headers, kind: 'ingest', perRequest: 100, inletId: s.ids.inletId, datasetId: s.ids.web, schemaId: s.ids.eventSchema, org: s.server.headers['x-gw-ims-org-id']!, runId });
    running = false;
    fresh.push(...(await side));
    if (r.non2xx > 0 || r.errors > 0) throw new Error(`ingest: ${r.non2xx} non-2xx, ${r.errors} errors`);
    const acknowledged = r.status2xx * 100;
    const stored = await countEvents(s, runId);
    // Requests still in flight when the run ends may commit without their answer being counted, hence the slack.
    if (stored < acknowledged || stored > acknowledged + 8 * 100) throw new Error(`ingest: ${acknowledged} messages acknowledged but ${stored} stored`);
    rates.push(acknowledged / r.seconds);
    p99.push(r.p99);
    // The side stream's few hundred messages ride along; they are well under 1% of a run's.
    cpu.push(((s.server.cpuSeconds() - cpuBefore) * 1e6) / Math.max(acknowledged, 1));
    dbCpu.push(((s.server.dbCpuSeconds() - dbCpuBefore) * 1e6) / Math.max(acknowledged, 1));
  }
  // Freshness: fragment writes refresh their people's views before the write is acknowledged; what a merge or delete
  // drops waits for the consumer, so its lag from commit to application is how stale a view can be.
  await feedCaughtUp(s);
  const consumerLag = lagP99(allBefore, await lagBuckets(s));
  const rebuiltLag = lagP99(lagBefore, await lagBuckets(s, 'effective'));
  fresh.sort((a, b) => a - b);
  const freshness = fresh[Math.min(fresh.length - 1, Math.floor(fresh.length * 0.99))] ?? NaN;
  const rows = sampleEventRows(50_000);
  const ceiling = [0, 1, 2].map(() => rawInsertRate(rows));
  return [
    row(`${label}streaming ingest, ${z.ingestMessages.toLocaleString('en-US')} messages, 100/request, verified stored`, 'messages/s', rates, ceiling, {
      'p99 ms': median(p99),
      'server CPU µs/message': median(cpu),
      ...(median(dbCpu) > 0 ? { 'database CPU µs/message': median(dbCpu) } : {}),
      'merged view fresh after ack p99 ms': freshness,
      'people merged meanwhile': fresh.length,
      'rebuild lag p99 ms (metric)': rebuiltLag,
      'consumer lag p99 ms (metric)': consumerLag,
    }),
    ...(s.server.databaseUrl ? [await twoProcessIngest(s, z, label, ceiling)] : []),
  ];
}

/**
 * PostgreSQL only: the same stream split over two `rtprofile serve` processes on one database, as a deployment adds
 * throughput for one tenant; each process gets half the messages from a load generator of its own.
 */
async function twoProcessIngest(s: Setup, z: Sizes, label: string, ceiling: number[]): Promise<BenchRow> {
  const peer = await s.server.peer();
  const rates: number[] = [];
  const p99: number[] = [];
  const cpu: number[] = [];
  const dbCpu: number[] = [];
  try {
    for (let run = 0; run < z.runs; run++) {
      const runId = `two${run}x${Date.now()}`;
      const before = [s.server.cpuSeconds(), peer.cpuSeconds(), s.server.dbCpuSeconds()] as const;
      const half = Math.ceil(z.ingestMessages / z.runs / 200);
      const common = { connections: 4, amount: half, headers: s.server.headers, kind: 'ingest' as const, perRequest: 100, inletId: s.ids.inletId, datasetId: s.ids.web, schemaId: s.ids.eventSchema, org: s.server.headers['x-gw-ims-org-id']! };
      const results = await Promise.all([drive({ ...common, url: s.server.url, runId: `${runId}a` }), drive({ ...common, url: peer.url, runId: `${runId}b` })]);
      if (results.some((r) => r.non2xx > 0 || r.errors > 0)) throw new Error(`two-process ingest: ${results.map((r) => `${r.non2xx} non-2xx, ${r.errors} errors`).join('; ')}`);
      const acknowledged = results.reduce((n, r) => n + r.status2xx * 100, 0);
      const stored = await countEvents(s, runId);
      if (stored < acknowledged || stored > acknowledged + 8 * 100) throw new Error(`two-process ingest: ${acknowledged} messages acknowledged but ${stored} stored`);
      rates.push(acknowledged / Math.max(...results.map((r) => r.seconds)));
      p99.push(Math.max(...results.map((r) => r.p99)));
      cpu.push(((s.server.cpuSeconds() - before[0] + peer.cpuSeconds() - before[1]) * 1e6) / acknowledged);
      dbCpu.push(((s.server.dbCpuSeconds() - before[2]) * 1e6) / acknowledged);
    }
  } finally {
    await peer.stop();
  }
  return row(`${label}streaming ingest, two processes, ${z.ingestMessages.toLocaleString('en-US')} messages, 100/request, verified stored`, 'messages/s', rates, ceiling, {
    'p99 ms': median(p99),
    'server CPU µs/message (both)': median(cpu),
    'database CPU µs/message': median(dbCpu),
  });
}

