/**
 * Computed attributes: streaming ingest with five definitions against the same ingest without any, how soon an
 * acknowledged event shows in its person's values, and the recompute job over people with 50 events each.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { join } from 'node:path';
import { createDemoSandbox } from '../src/cli/demo/setup.js';
import { person, webEvents } from '../src/cli/demo/people.js';
import { httpCall } from './lib/server.js';
import { type BenchRow, median, row } from './lib/stats.js';
import { type Setup, type Sizes, importBatch, lines } from './http.bench.js';
import { ingest } from './ingest.bench.js';
import { freshnessProbe, p99 } from './lib/probe.js';
import { scalar } from './lib/freshness.js';

const CA = '/data/core/ca/attributes';

/** The five definitions of the ingest figure: one of each kind of fold the driver's events exercise. */
const FIVE: ReadonlyArray<[string, string]> = [
  ['benchCount', 'xEvent.count()'],
  ['benchSpend', 'xEvent[eventType = "commerce.purchases"].sum(commerce.order.priceTotal)'],
  ['benchMax', 'xEvent.max(commerce.order.priceTotal)'],
  ['benchLastPage', 'xEvent.topN(timestamp, 1).head().web.webPageDetails.name'],
  ['benchPages', 'xEvent.web.webPageDetails.name.distinct().count()'],
];

async function createDefinition(s: Setup, headers: Record<string, string>, name: string, value: string, duration = { count: 7, unit: 'DAYS' }): Promise<string> {
  const api = httpCall(s.server);
  const ca = await api(headers, 'POST', CA, { name, displayName: name, description: 'bench', expression: { type: 'PQL', format: 'pql/text', value }, duration, status: 'NEW' });
  return ca.id as string;
}

/** A fresh sandbox of its own, with the demo's schemas and datasets and a streaming inlet: the Setup `ingest` drives. */
export async function sandbox(s: Setup, name: string): Promise<Setup> {
  const headers = { ...s.server.headers, 'x-sandbox-name': name };
  const api = httpCall(s.server);
  const ids = await createDemoSandbox(api, headers, name);
  const conn = await api(headers, 'POST', '/data/foundation/flowservice/connections', {
    name,
    connectionSpec: { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadfd3', version: '1.0' },
    auth: { specName: 'Streaming Connection', params: { name, dataType: 'xdm', authenticationRequired: true } },
  });
  const inletId = (await api(headers, 'GET', `/data/foundation/flowservice/connections/${conn.id}`)).items[0].auth.params.inletId;
  const schemaOf = async (id: string) => (await api(headers, 'GET', `/data/foundation/catalog/dataSets/${id}`))[id].schemaRef.id as string;
  const profileSchema = await schemaOf(ids.crm);
  // The ingest scenario's side stream of merges writes web profiles too.
  const tags = { unifiedProfile: ['enabled:true'], unifiedIdentity: ['enabled:true'] };
  const webProfile = ((await api(headers, 'POST', '/data/foundation/catalog/dataSets', { name: 'Web profiles', schemaRef: { id: profileSchema }, tags })) as string[])[0]!.replace('@/dataSets/', '');
  return { server: { ...s.server, headers }, ids: { ...s.ids, ...ids, inletId, webProfile, eventSchema: await schemaOf(ids.web), profileSchema } };
}

/**
 * The same streaming load into two fresh sandboxes: one without definitions (the ceiling), one with five made before
 * the load (so the figure is the steady state, not a recompute); freshness probed during the second.
 */
async function ingestWithFive(s: Setup, z: Sizes, label: string): Promise<BenchRow[]> {
  const half: Sizes = { ...z, ingestMessages: Math.ceil(z.ingestMessages / 2) };
  const without = (await ingest(await sandbox(s, 'castream0'), half, label))[0]!;
  const five = await sandbox(s, 'castream5');
  for (const [name, value] of FIVE) await createDefinition(five, five.server.headers, name, value);
  let running = true;
  const probe = freshnessProbe(five, () => running, 'withCA=true', (entity) => entity[`_${five.ids.tenant}`]?.SystemComputedAttributes?.benchCount?.value === 1);
  const withFive = (await ingest(five, half, label))[0]!;
  running = false;
  const lags = await probe;
  const cpuWithout = Number(without.notes?.['server CPU µs/message'] ?? NaN);
  const cpuWith = Number(withFive.notes?.['server CPU µs/message'] ?? NaN);
  return [
    row(`${label}streaming ingest with 5 computed attributes (ceiling: the same without)`, 'messages/s', [withFive.median, withFive.min, withFive.max], [without.median], {
      'server CPU µs/message': cpuWith,
      'without: server CPU µs/message': cpuWithout,
      'p99 ms': Number(withFive.notes?.['p99 ms'] ?? NaN),
    }),
    row(`${label}computed value current after ack, p99 (ceiling: 1 s target)`, 'ms', [p99(lags)], [1000], { probes: lags.length, 'median ms': median(lags.length ? lags : [NaN]) }),
  ];
}

/** Reads and parses the JSON column of `sql` (one parameter: the tenant) once, in the bench process: a ceiling. */
export async function parseAll(s: Setup, sql: string, tenantKey: number): Promise<{ rows: number; ms: number }> {
  const started = performance.now();
  let n = 0;
  if (s.server.databaseUrl) {
    const client = new pg.Client({ connectionString: s.server.databaseUrl });
    await client.connect();
    const r = await client.query({ text: sql.replace('?', '$1'), values: [tenantKey], rowMode: 'array' });
    for (const [data] of r.rows as Array<[string]>) n += JSON.parse(data) ? 1 : 0;
    await client.end();
  } else {
    const db = new Database(join(s.server.dataDir, 'profile.db'), { readonly: true });
    for (const [data] of db.prepare(sql).raw().iterate(tenantKey) as Iterable<[string]>) n += JSON.parse(data) ? 1 : 0;
    db.close();
  }
  return { rows: n, ms: performance.now() - started };
}

/** Reads and parses every event of a sandbox once: what a recompute cannot do without. */
async function readAllEvents(s: Setup, tenantKey: number): Promise<number> {
  const { rows, ms } = await parseAll(s, 'SELECT data FROM events WHERE tenant_id = ?', tenantKey);
  if (rows === 0) throw new Error('recompute ceiling: no events read');
  return ms;
}

/** The newest sandbox of that name's key in the store. */
export async function tenantKeyOf(s: Setup, sandbox: string): Promise<number> {
  return scalar(s, 'SELECT tenant_id FROM sandboxes WHERE name = ? ORDER BY tenant_id DESC LIMIT 1', [sandbox]);
}

/** A sandbox of its own with `people` people of 50 page views each; a definition made NEW is timed until PROCESSED. */
async function recompute(s: Setup, people: number, label: string, runs: number): Promise<BenchRow[]> {
  const sub = await sandbox(s, 'cabench');
  const { headers } = sub.server;
  const api = httpCall(s.server);
  const ids = sub.ids;
  const now = Date.now();
  for (let from = 1; from <= people; from += 20_000) {
    const to = Math.min(people, from + 19_999);
    await importBatch(sub, ids.web, lines(from, to, (n) => webEvents(person(n), 50, now)), 'json', (to - from + 1) * 50);
  }
  const tenantKey = await tenantKeyOf(s, 'cabench');
  const rates: number[] = [];
  const cpu: number[] = [];
  const ceiling: number[] = [];
  for (let run = 0; run < runs; run++) {
    ceiling.push(people / ((await readAllEvents(s, tenantKey)) / 1000));
    const cpuBefore = s.server.cpuSeconds();
    const started = performance.now();
    // Page views of the last three calendar months: every one of the 50 events (spread over 60 days) is read.
    const id = await createDefinition(sub, headers, `benchPagesSeen${run}`, 'xEvent.web.webPageDetails.name.distinct().count()', { count: 3, unit: 'MONTHS' });
    for (;;) {
      const ca = await api(headers, 'GET', `${CA}/${id}`);
      if (ca.status === 'PROCESSED') break;
      if (ca.status === 'FAILED') throw new Error('recompute failed');
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    rates.push(people / seconds);
    cpu.push(((s.server.cpuSeconds() - cpuBefore) * 1e6) / people);
  }
  return [row(`${label}recompute job, ${people.toLocaleString('en-US')} people × 50 events (ceiling: reading and parsing them once)`, 'people/s', rates, ceiling, { 'server CPU µs/person': median(cpu) })];
}

/** The computed-attribute scenario's rows. */
export async function runComputedBench(s: Setup, z: Sizes, label: string, quick: boolean): Promise<BenchRow[]> {
  return [...(await ingestWithFive(s, z, label)), ...(await recompute(s, quick ? 2_000 : 100_000, label, quick ? 2 : 1))];
}
