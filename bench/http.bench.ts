/** HTTP scenarios: streaming ingest, batch import, profile lookup, events paging — the real service in its own process. */
import { Readable } from 'node:stream';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { createDemoSandbox, type DemoIds } from '../src/cli/demo/setup.js';
import { crmRecord, loyaltyRecord, person, webEvents } from '../src/cli/demo/people.js';
import { rawInsertRate, startCeilingServer } from './lib/ceiling.js';
import { drive } from './lib/load.js';
import { type BenchServer, httpCall, startServer } from './lib/server.js';
import { type BenchRow, median, row } from './lib/stats.js';
import { ingest, sampleEventRows } from './ingest.bench.js';
import { deleteDataset, exportProfiles } from './jobs.bench.js';
import { runComputedBench } from './computed.bench.js';
import { runSegmentsBench } from './segments.bench.js';
import { runEdgeBench } from './edge.bench.js';

/** Sizes of one run; `--quick` keeps the whole harness under two minutes for CI. */
export interface Sizes {
  people: number;
  eventPeople: number;
  eventsPerPerson: number;
  importRecords: number;
  seconds: number;
  /** Streaming ingest sends this many messages in all, split over the runs. */
  ingestMessages: number;
  runs: number;
  /** The store size the growth scenario measures lookups at, against `people`. */
  growTo: number;
  /** People loaded before the export scenario (the growth scenario's load counts). */
  exportPeople: number;
  /** People a dataset delete touches. */
  deleteTouches: number;
}

export const QUICK: Sizes = { people: 2_000, eventPeople: 40, eventsPerPerson: 500, importRecords: 20_000, seconds: 2, ingestMessages: 30_000, runs: 3, growTo: 20_000, exportPeople: 20_000, deleteTouches: 5_000 };
export const FULL: Sizes = { people: 10_000, eventPeople: 2_000, eventsPerPerson: 500, importRecords: 1_000_000, seconds: 10, ingestMessages: 1_000_000, runs: 3, growTo: 1_000_000, exportPeople: 1_000_000, deleteTouches: 100_000 };

export interface Setup {
  server: BenchServer;
  ids: DemoIds & { webProfile: string; eventSchema: string; profileSchema: string; inletId: string };
}

export async function setUp(store: 'sqlite' | 'postgres'): Promise<Setup> {
  const server = await startServer(store);
  const api = httpCall(server);
  const ids = await createDemoSandbox(api, server.headers, 'bench');
  const webDataset = (await api(server.headers, 'GET', `/data/foundation/catalog/dataSets/${ids.web}`))[ids.web];
  const profileSchema = (await api(server.headers, 'GET', `/data/foundation/catalog/dataSets/${ids.crm}`))[ids.crm].schemaRef.id;
  const webProfile = ((await api(server.headers, 'POST', '/data/foundation/catalog/dataSets', { name: 'Web profiles', schemaRef: { id: profileSchema }, tags: { unifiedProfile: ['enabled:true'], unifiedIdentity: ['enabled:true'] } })) as string[])[0]!.replace('@/dataSets/', '');
  const conn = await api(server.headers, 'POST', '/data/foundation/flowservice/connections', {
    name: 'bench',
    connectionSpec: { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadfd3', version: '1.0' },
    auth: { specName: 'Streaming Connection', params: { name: 'bench', dataType: 'xdm', authenticationRequired: true } },
  });
  const inletId = (await api(server.headers, 'GET', `/data/foundation/flowservice/connections/${conn.id}`)).items[0].auth.params.inletId;
  return { server, ids: { ...ids, webProfile, eventSchema: webDataset.schemaRef.id, profileSchema, inletId } };
}

/** Runs one load and adds the server's CPU µs per request (the service's cost, apart from the client sharing the cores). */
async function driveCpu(server: { cpuSeconds(): number }, config: Parameters<typeof drive>[0]): Promise<Awaited<ReturnType<typeof drive>> & { cpuUs: number }> {
  const before = server.cpuSeconds();
  const r = await drive(config);
  return { ...r, cpuUs: ((server.cpuSeconds() - before) * 1e6) / Math.max(r.total, 1) };
}

/** Uploads records as one batch and waits for it; returns records/s from COMPLETE to success and the peak server RSS. */
export async function importBatch(s: Setup, datasetId: string, body: Buffer | Iterable<string>, format: 'json' | 'parquet', expected: number): Promise<{ rate: number; rssMb: number; anonMb: number; cpuUs: number }> {
  const api = httpCall(s.server);
  const batch = await api(s.server.headers, 'POST', '/data/foundation/import/batches', { datasetId, inputFormat: { format } });
  const put = await fetch(`${s.server.url}/data/foundation/import/batches/${batch.id}/datasets/${datasetId}/files/data.${format === 'json' ? 'ndjson' : 'parquet'}`, {
    method: 'PUT',
    headers: { ...s.server.headers, 'content-type': 'application/octet-stream' },
    // Generated text is streamed, so a million-record file never sits in the harness's memory whole.
    ...(Buffer.isBuffer(body) ? { body } : { body: Readable.toWeb(Readable.from(body)) as ReadableStream, duplex: 'half' }),
  } as RequestInit);
  if (put.status !== 200) throw new Error(`upload: ${put.status} ${await put.text()}`);
  const started = Date.now();
  const cpuBefore = s.server.cpuSeconds();
  await api(s.server.headers, 'POST', `/data/foundation/import/batches/${batch.id}?action=COMPLETE`);
  let rss = s.server.rssMb();
  let anon = s.server.anonMb();
  for (;;) {
    const b = (await api(s.server.headers, 'GET', `/data/foundation/catalog/batches/${batch.id}`))[batch.id];
    rss = Math.max(rss, s.server.rssMb());
    anon = Math.max(anon, s.server.anonMb());
    if (b.status === 'success' || b.status === 'failed') {
      if (b.recordCount !== expected) throw new Error(`batch stored ${b.recordCount} of ${expected} (${b.failedRecordCount} failed)`);
      return { rate: expected / ((Date.now() - started) / 1000), rssMb: rss, anonMb: anon, cpuUs: ((s.server.cpuSeconds() - cpuBefore) * 1e6) / expected };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** NDJSON of the records `make` gives for people `from`..`to`, generated lazily in chunks of about a thousand lines. */
export function* lines(from: number, to: number, make: (n: number) => Array<Record<string, unknown>>): Generator<string> {
  let chunk: string[] = [];
  for (let n = from; n <= to; n++) {
    for (const r of make(n)) chunk.push(JSON.stringify(r));
    if (chunk.length >= 1000) {
      yield chunk.join('\n') + '\n';
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk.join('\n') + '\n';
}

const webProfileRecord = (n: number) => {
  const p = person(n);
  return { identityMap: { ECID: [{ id: p.ecid, primary: true }], Email: [{ id: p.email }] }, person: { name: { firstName: `web-${n}` } } };
};

/** Loads people `from`..`to` as four fragments from three datasets (CRM, loyalty ×2 via email and phone, web profile). */
export async function loadPeople(s: Setup, to: number, from = 1): Promise<void> {
  const people = to - from + 1;
  const tenant = s.ids.tenant;
  const phoneRecord = (n: number) => ({ identityMap: { Phone: [{ id: person(n).phone, primary: true }] }, [`_${tenant}`]: { loyalty: { points: n } } });
  await importBatch(s, s.ids.crm, lines(from, to, (n) => [crmRecord(person(n), tenant)]), 'json', people);
  await importBatch(s, s.ids.loyalty, lines(from, to, (n) => [loyaltyRecord(person(n), tenant), phoneRecord(n)]), 'json', 2 * people);
  await importBatch(s, s.ids.webProfile, lines(from, to, (n) => [webProfileRecord(n)]), 'json', people);
}

/** Batch import of NDJSON events and Parquet profile records. */
async function batchImport(s: Setup, z: Sizes, label: string): Promise<BenchRow[]> {
  const ndjsonRates: number[] = [];
  const parquetRates: number[] = [];
  const ndjsonCpu: number[] = [];
  const parquetCpu: number[] = [];
  let rss = 0;
  let anon = 0;
  const now = Date.now();
  for (let run = 0; run < z.runs; run++) {
    const body = lines(0, z.importRecords - 1, (i) => [{ ...webEvents(person(1 + (i % 100_000)), 1, now)[0], _id: `imp${run}-${i}` }]);
    const r = await importBatch(s, s.ids.web, body, 'json', z.importRecords);
    ndjsonRates.push(r.rate);
    ndjsonCpu.push(r.cpuUs);
    rss = Math.max(rss, r.rssMb);
    anon = Math.max(anon, r.anonMb);
    const rowsN = Math.min(z.importRecords, 200_000);
    const parquet = parquetWriteBuffer({
      rowGroupSize: 10_000,
      columnData: [
        { name: 'identityMap', data: Array.from({ length: rowsN }, (_, i) => ({ CRMID: [{ id: `pq${run}-${i}`, primary: true }], Email: [{ id: `pq${run}-${i}@example.com` }] })), type: 'JSON' },
        { name: 'person', data: Array.from({ length: rowsN }, (_, i) => ({ name: { firstName: `P${i}`, lastName: 'Parquet' } })), type: 'JSON' },
      ],
    });
    const q = await importBatch(s, s.ids.crm, Buffer.from(parquet), 'parquet', rowsN);
    parquetRates.push(q.rate);
    parquetCpu.push(q.cpuUs);
    rss = Math.max(rss, q.rssMb);
    anon = Math.max(anon, q.anonMb);
  }
  const ceiling = [0, 1, 2].map(() => rawInsertRate(sampleEventRows(50_000)));
  return [
    row(`${label}batch import NDJSON (${z.importRecords.toLocaleString('en-US')} events)`, 'records/s', ndjsonRates, ceiling, {
      'server CPU µs/record': median(ndjsonCpu),
      'peak RSS MB': Math.round(rss),
      'of it anonymous': Math.round(anon),
    }),
    row(`${label}batch import Parquet (${Math.min(z.importRecords, 200_000).toLocaleString('en-US')} profile records)`, 'records/s', parquetRates, ceiling, {
      'server CPU µs/record': median(parquetCpu),
      'peak RSS MB': Math.round(rss),
      'of it anonymous': Math.round(anon),
    }),
  ];
}

/** What a series of runs measured: requests/s, p99 ms and the server's CPU µs per request, one entry per run. */
export interface Runs {
  rates: number[];
  p99: number[];
  cpu: number[];
}

/** `z.runs` runs of one load; with `checked`, any non-2xx answer or error fails the benchmark under that name. */
export async function measure(server: { cpuSeconds(): number }, z: Sizes, config: Parameters<typeof drive>[0], checked?: string): Promise<Runs> {
  const out: Runs = { rates: [], p99: [], cpu: [] };
  for (let run = 0; run < z.runs; run++) {
    const r = await driveCpu(server, { duration: z.seconds, ...config });
    if (checked && (r.non2xx > 0 || r.errors > 0)) throw new Error(`${checked}: ${r.non2xx} non-2xx, ${r.errors} errors`);
    out.rates.push(r.requestsPerSecond);
    out.p99.push(r.p99);
    out.cpu.push(r.cpuUs);
  }
  return out;
}

/** The same load against a bare ceiling server holding `people` copies of the given bodies. */
export async function measureCeiling(z: Sizes, people: number, bodies: { profile: string; event: string }, config: { connections: number; path: string }): Promise<Runs> {
  const ceiling = await startCeilingServer(people, bodies.profile, bodies.event);
  try {
    return await measure(ceiling, z, { url: ceiling.url, headers: {}, kind: 'get', people, ...config });
  } finally {
    await ceiling.stop();
  }
}

/** A request-rate row: the service's runs against the ceiling's, with p99 and both CPU costs per request. */
export function rateRow(name: string, service: Runs, ceiling: Runs): BenchRow {
  return row(name, 'requests/s', service.rates, ceiling.rates, {
    'p99 ms': median(service.p99),
    'ceiling p99 ms': median(ceiling.p99),
    'server CPU µs/req': median(service.cpu),
    'ceiling CPU µs/req': median(ceiling.cpu),
  });
}

/** Profile lookups by a random identity under pdg (4 fragments, 3 datasets), against a bare Fastify + SQLite ceiling. */
async function lookup(s: Setup, z: Sizes, label: string): Promise<BenchRow[]> {
  const service = await measure(s.server, z, { url: s.server.url, connections: 50, headers: s.server.headers, kind: 'lookup', people: z.people }, 'lookup');
  const sample = await fetch(`${s.server.url}/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=${encodeURIComponent(person(1).email)}&entityIdNS=email`, { headers: s.server.headers });
  const event = JSON.stringify(webEvents(person(1), 1, Date.now())[0]);
  const ceiling = await measureCeiling(z, z.people, { profile: await sample.text(), event }, { connections: 50, path: '/p/{n}' });
  return [rateRow(`${label}profile lookup, pdg, ${z.people.toLocaleString('en-US')} people, 50 connections`, service, ceiling)];
}

/** Events of a profile: 500 events per person, a page of 100. */
async function events(s: Setup, z: Sizes, label: string): Promise<BenchRow[]> {
  const now = Date.now();
  const body = lines(1, z.eventPeople, (n) => webEvents(person(n), z.eventsPerPerson, now).map((e, i) => ({ ...e, _id: `ev-${n}-${i}` })));
  await importBatch(s, s.ids.web, body, 'json', z.eventPeople * z.eventsPerPerson);
  const service = await measure(s.server, z, { url: s.server.url, connections: 20, headers: s.server.headers, kind: 'events', people: z.eventPeople }, 'events');
  const event = JSON.stringify({ relatedEntityId: 'x', entityId: 'e', timestamp: now, entity: webEvents(person(1), 1, now)[0] });
  const ceiling = await measureCeiling(z, z.eventPeople, { profile: '{}', event }, { connections: 20, path: '/e/{n}' });
  return [rateRow(`${label}events of a profile, ${z.eventsPerPerson} events, page of 100`, service, ceiling)];
}

/** Lookup p99 as the store grows from `people` to `growTo` people: the figure is the p99 ratio (target ≤ 1.5). */
async function growth(s: Setup, z: Sizes, label: string): Promise<BenchRow[]> {
  const lookups = (people: number) => measure(s.server, z, { url: s.server.url, connections: 50, headers: s.server.headers, kind: 'lookup', people });
  const small = await lookups(z.people);
  // Load in slices so no upload holds more than a slice of generated text in memory.
  const slice = 100_000;
  for (let from = z.people + 1; from <= z.growTo; from += slice) await loadPeople(s, Math.min(from + slice - 1, z.growTo), from);
  const large = await lookups(z.growTo);
  return [
    row(`${label}lookup p99 at ${z.growTo.toLocaleString('en-US')} people (ceiling: p99 at ${z.people.toLocaleString('en-US')})`, 'ms', large.p99, small.p99, {
      'growth ×': median(large.p99) / Math.max(median(small.p99), 1),
      'requests/s small': median(small.rates),
      'requests/s large': median(large.rates),
    }),
  ];
}

/** Runs the HTTP scenarios on one store. */
export async function runHttpBench(opts: { quick: boolean; store: 'sqlite' | 'postgres'; only: ReadonlySet<string> }): Promise<Array<BenchRow & { scenario: string }>> {
  const z = opts.quick ? QUICK : FULL;
  const label = opts.store === 'postgres' ? '[postgres] ' : '';
  const s = await setUp(opts.store);
  const out: Array<BenchRow & { scenario: string }> = [];
  const want = (name: string) => opts.only.size === 0 || opts.only.has(name);
  try {
    if (want('ingest')) out.push(...(await ingest(s, z, label)).map((r) => ({ scenario: 'ingest', ...r })));
    if (want('import')) out.push(...(await batchImport(s, z, label)).map((r) => ({ scenario: 'import', ...r })));
    if (want('lookup') || want('events') || opts.only.has('growth')) await loadPeople(s, z.people);
    if (want('lookup')) out.push(...(await lookup(s, z, label)).map((r) => ({ scenario: 'lookup', ...r })));
    if (want('events')) out.push(...(await events(s, z, label)).map((r) => ({ scenario: 'events', ...r })));
    // Growth loads many more people, so it runs only at full size or when asked for by name.
    const grown = (!opts.quick && opts.only.size === 0) || opts.only.has('growth');
    if (grown) out.push(...(await growth(s, z, label)).map((r) => ({ scenario: 'growth', ...r })));
    if (want('export') || want('delete')) {
      const loaded = grown ? z.growTo : want('lookup') || want('events') ? z.people : 0;
      for (let from = loaded + 1; from <= z.exportPeople; from += 100_000) await loadPeople(s, Math.min(from + 99_999, z.exportPeople), from);
    }
    if (want('export')) out.push(...(await exportProfiles(s, Math.max(z.exportPeople, grown ? z.growTo : 0), label, opts.quick ? 2 : 1)).map((r) => ({ scenario: 'export', ...r })));
    if (want('delete')) out.push(...(await deleteDataset(s, z.deleteTouches, label)).map((r) => ({ scenario: 'delete', ...r })));
    // Last: their definitions would otherwise be evaluated by every later scenario's writes.
    if (want('computed')) out.push(...(await runComputedBench(s, z, label, opts.quick)).map((r) => ({ scenario: 'computed', ...r })));
    if (want('segments')) out.push(...(await runSegmentsBench(s, z, label, opts.quick)).map((r) => ({ scenario: 'segments', ...r })));
    if (want('edge')) out.push(...(await runEdgeBench(s, z, label, opts.quick)).map((r) => ({ scenario: 'edge', ...r })));
  } finally {
    await s.server.stop();
  }
  return out;
}
