/** Profile job scenarios: an export of every profile to Parquet, and a dataset delete that touches many profiles. */
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { person } from '../src/cli/demo/people.js';
import { type BenchRow, median, row } from './lib/stats.js';
import { feedCaughtUp } from './lib/freshness.js';
import { httpCall } from './lib/server.js';
import { type Setup, importBatch, lines } from './http.bench.js';

/** Polls a job until `done` says it ended; returns the last answer and the server's peak RSS meanwhile. */
async function waitFor(s: Setup, path: string, done: (job: any) => boolean): Promise<{ job: any; rssMb: number; anonMb: number }> {
  const api = httpCall(s.server);
  let rss = 0;
  let anon = 0;
  for (;;) {
    const job = await api(s.server.headers, 'GET', path);
    rss = Math.max(rss, s.server.rssMb());
    anon = Math.max(anon, s.server.anonMb());
    if (done(job)) return { job, rssMb: rss, anonMb: anon };
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Downloads an export's first file through the Data Access API. */
async function firstFile(s: Setup, batchId: string): Promise<ArrayBuffer> {
  const api = httpCall(s.server);
  const files = await api(s.server.headers, 'GET', `/data/foundation/export/batches/${batchId}/files`);
  const fileId = files.data[0].dataSetFileId as string;
  const detail = (await api(s.server.headers, 'GET', `/data/foundation/export/files/${fileId}`)).data[0];
  const res = await fetch(`${s.server.url}/data/foundation/export/files/${fileId}?path=${encodeURIComponent(detail.name)}`, { headers: s.server.headers });
  return res.arrayBuffer();
}

/**
 * The ceiling: the Parquet encoder alone (hyparquet-writer, in this process) writing rows the export wrote, with the
 * export's own schema and row groups of the same size — what an export would reach if reading and merging were free.
 */
async function encoderRate(file: ArrayBuffer, rows: number): Promise<number> {
  const meta = parquetMetadata(file);
  const sample = (await parquetReadObjects({ file, rowEnd: Math.min(rows, 50_000) })) as Record<string, unknown>[];
  const columns: string[] = [];
  for (let at = 1; at < meta.schema.length; at = skip(meta.schema, at)) columns.push(meta.schema[at]!.name);
  const started = performance.now();
  let written = 0;
  const writer = new ParquetWriter({ writer: new ByteWriter(), schema: meta.schema as never });
  while (written < rows) {
    const group = sample.slice(0, Math.min(4_000, rows - written));
    writer.write({ columnData: columns.map((name) => ({ name, data: group.map((r) => r[name] ?? null) })), rowGroupSize: group.length });
    written += group.length;
  }
  writer.finish();
  return written / ((performance.now() - started) / 1000);
}

/** The index after element `at` and all its descendants (the flattened schema counts children in pre-order). */
function skip(schema: ReadonlyArray<{ num_children?: number }>, at: number): number {
  let next = at + 1;
  for (let c = 0; c < (schema[at]!.num_children ?? 0); c++) next = skip(schema, next);
  return next;
}

/** Exports every profile of the sandbox to Parquet; reports profiles/s against the encoder alone, and peak RSS. */
export async function exportProfiles(s: Setup, people: number, label: string, runs: number): Promise<BenchRow[]> {
  const api = httpCall(s.server);
  await feedCaughtUp(s);
  const target = ((await api(s.server.headers, 'POST', '/data/foundation/catalog/dataSets', {
    name: 'Profile export',
    schemaRef: { id: 'https://ns.adobe.com/xdm/context/profile__union', contentType: 'application/vnd.adobe.xed+json;version=1' },
    fileDescription: { persisted: true, containerFormat: 'parquet', format: 'parquet' },
  })) as string[])[0]!.replace('@/dataSets/', '');
  const rates: number[] = [];
  const cpu: number[] = [];
  const ceiling: number[] = [];
  let rss = 0;
  let anon = 0;
  // The export's own memory is what it adds to the process: the loads before it leave their heap behind.
  const rssBefore = s.server.rssMb();
  for (let run = 0; run < runs; run++) {
    const cpuBefore = s.server.cpuSeconds();
    const created = await api(s.server.headers, 'POST', '/data/core/ups/export/jobs', { schema: { name: '_xdm.context.profile' }, destination: { datasetId: target } });
    const started = Date.now();
    const end = await waitFor(s, `/data/core/ups/export/jobs/${created.id}`, (j) => j.status === 'SUCCEEDED' || j.status === 'FAILED');
    if (end.job.status !== 'SUCCEEDED') throw new Error(`export: ${JSON.stringify(end.job.errors)}`);
    const exported = end.job.metrics.totalExportedProfileCounter as number;
    if (exported < people) throw new Error(`export wrote ${exported} of ${people} profiles`);
    rates.push(exported / ((Date.now() - started) / 1000));
    cpu.push(((s.server.cpuSeconds() - cpuBefore) * 1e6) / exported);
    rss = Math.max(rss, end.rssMb);
    anon = Math.max(anon, end.anonMb);
    ceiling.push(await encoderRate(await firstFile(s, end.job.destination.batchId), Math.min(exported, 250_000)));
  }
  return [
    row(`${label}export to Parquet (${people.toLocaleString('en-US')} profiles; ceiling: the Parquet encoder alone)`, 'profiles/s', rates, ceiling, {
      'server CPU µs/profile': median(cpu),
      'peak RSS MB': Math.round(rss),
      'of it anonymous': Math.round(anon),
      'RSS before the export MB': Math.round(rssBefore),
    }),
  ];
}

/**
 * A dataset delete touching `touched` people: a dataset whose records link a new identity into each of them is
 * truncated; the time runs from the request to the job's SUCCESS with every touched profile recomputed (the feed
 * caught up), against the time the same records took to import.
 */
export async function deleteDataset(s: Setup, touched: number, label: string): Promise<BenchRow[]> {
  const api = httpCall(s.server);
  const dataset = ((await api(s.server.headers, 'POST', '/data/foundation/catalog/dataSets', {
    name: 'To delete',
    schemaRef: { id: s.ids.profileSchema },
    tags: { unifiedProfile: ['enabled:true'], unifiedIdentity: ['enabled:true'] },
  })) as string[])[0]!.replace('@/dataSets/', '');
  const record = (n: number) => [{ identityMap: { Email: [{ id: person(n).email, primary: true }], Phone: [{ id: `+1999${String(n).padStart(7, '0')}` }] }, person: { name: { middleName: `m${n}` } } }];
  const imported = await importBatch(s, dataset, lines(1, touched, record), 'json', touched);
  await feedCaughtUp(s);
  const cpuBefore = s.server.cpuSeconds();
  const started = Date.now();
  const created = await api(s.server.headers, 'POST', '/data/core/ups/system/jobs', { dataSetId: dataset });
  const end = await waitFor(s, `/data/core/ups/system/jobs/${created.requestId}`, (j) => j.status === 'SUCCESS' || j.status === 'FAILED');
  if (end.job.status !== 'SUCCESS') throw new Error(`delete: ${end.job.metrics}`);
  await feedCaughtUp(s);
  const seconds = (Date.now() - started) / 1000;
  const metrics = JSON.parse(end.job.metrics as string) as { profiles: number; splits: number };
  if (metrics.profiles !== touched) throw new Error(`delete touched ${metrics.profiles} of ${touched} profiles`);
  return [
    row(`${label}dataset delete touching ${touched.toLocaleString('en-US')} profiles, recomputed (ceiling: their import)`, 's', [seconds], [touched / imported.rate], {
      'profiles/s': Math.round(touched / seconds),
      'graph splits': metrics.splits,
      'server CPU µs/profile': Math.round(((s.server.cpuSeconds() - cpuBefore) * 1e6) / touched),
      'peak RSS MB': Math.round(end.rssMb),
    }),
  ];
}
