/**
 * Segments: streaming ingest with ten streaming definitions against the same ingest without any, how soon an
 * acknowledged event qualifies its person; a preview over 100,000 profiles; and a segment job of five definitions
 * over every profile (1,000,000 at full size).
 */
import { crmRecord, loyaltyRecord, person } from '../src/cli/demo/people.js';
import { httpCall } from './lib/server.js';
import { type BenchRow, median, row } from './lib/stats.js';
import { freshnessProbe, p99 } from './lib/probe.js';
import { type Setup, type Sizes, importBatch, lines } from './http.bench.js';
import { ingest } from './ingest.bench.js';
import { parseAll, sandbox, tenantKeyOf } from './computed.bench.js';
import { scalar } from './lib/freshness.js';

const DEFINITIONS = '/data/core/ups/segment/definitions';
const DAY = 'timestamp occurs < 24 hours before now';

/** Ten streaming definitions over what the driver streams and the demo's profiles; the first is the probe's. */
const TEN = (tenant: string): string[] => [
  `xEvent[eventType = "web.webpagedetails.pageViews" and ${DAY}].count() > 0`,
  `xEvent[eventType = "commerce.purchases" and ${DAY}].count() > 0`,
  `xEvent[eventType = "web.webpagedetails.pageViews" and ${DAY}].count() >= 3`,
  `xEvent[web.webPageDetails.name = "page-7" and ${DAY}].count() > 0`,
  `xEvent[commerce.order.priceTotal > 50 and ${DAY}].count() > 0`,
  `CHAIN(xEvent, timestamp, [A: WHAT(eventType = "web.webpagedetails.pageViews") WHEN(< 24 hours before now), B: WHAT(eventType = "commerce.purchases") WHEN(< 24 hours before now)])`,
  'homeAddress.city = "Lisbon"',
  `_${tenant}.loyalty.tier = "gold"`,
  `_${tenant}.loyalty.points > 10000`,
  `person.name.lastName = "Smith" and xEvent[${DAY}].count() > 0`,
];

/** Five batch definitions: four over profile attributes, one over the person's events. */
const FIVE = (tenant: string): string[] => [
  'homeAddress.city = "Lisbon"',
  `_${tenant}.loyalty.tier = "gold" or _${tenant}.loyalty.tier = "platinum"`,
  `_${tenant}.loyalty.points > 10000 and person.name.lastName = "Smith"`,
  'person.birthDate occurs before date(1980, 1, 1)',
  'xEvent[eventType = "commerce.purchases"].count() > 0',
];

async function createDefinition(s: Setup, name: string, value: string, streaming: boolean): Promise<string> {
  const d = await httpCall(s.server)(s.server.headers, 'POST', DEFINITIONS, {
    name,
    expression: { type: 'PQL', format: 'pql/text', value },
    schema: { name: '_xdm.context.profile' },
    evaluationInfo: { batch: { enabled: !streaming }, continuous: { enabled: streaming }, synchronous: { enabled: false } },
  });
  return d.id as string;
}

/**
 * The same streaming load into two fresh sandboxes: one without definitions (the ceiling), one with ten streaming
 * definitions made before the load; qualification probed during the second.
 */
async function ingestWithTen(s: Setup, z: Sizes, label: string): Promise<BenchRow[]> {
  const half: Sizes = { ...z, ingestMessages: Math.ceil(z.ingestMessages / 2) };
  const without = (await ingest(await sandbox(s, 'segstream0'), half, label))[0]!;
  const ten = await sandbox(s, 'segstream10');
  const ids: string[] = [];
  for (const [i, pql] of TEN(ten.ids.tenant).entries()) ids.push(await createDefinition(ten, `stream${i}`, pql, true));
  let running = true;
  const probe = freshnessProbe(ten, () => running, '', (entity) => entity.segmentMembership?.ups?.[ids[0]!]?.status === 'realized');
  const withTen = (await ingest(ten, half, label))[0]!;
  running = false;
  const lags = await probe;
  return [
    row(`${label}streaming ingest with 10 streaming segments (ceiling: the same without)`, 'messages/s', [withTen.median, withTen.min, withTen.max], [without.median], {
      'server CPU µs/message': Number(withTen.notes?.['server CPU µs/message'] ?? NaN),
      'without: server CPU µs/message': Number(without.notes?.['server CPU µs/message'] ?? NaN),
      'p99 ms': Number(withTen.notes?.['p99 ms'] ?? NaN),
    }),
    row(`${label}streaming qualification after ack, p99 (ceiling: 1 s target)`, 'ms', [p99(lags)], [1000], { probes: lags.length, 'median ms': median(lags.length ? lags : [NaN]) }),
  ];
}

/** Loads people `from`..`to` as their CRM and loyalty records (one person each, through the email both carry). */
async function loadProfiles(s: Setup, from: number, to: number): Promise<void> {
  const tenant = s.ids.tenant;
  for (let a = from; a <= to; a += 100_000) {
    const b = Math.min(to, a + 99_999);
    await importBatch(s, s.ids.crm, lines(a, b, (n) => [crmRecord(person(n), tenant)]), 'json', b - a + 1);
    await importBatch(s, s.ids.loyalty, lines(a, b, (n) => [loyaltyRecord(person(n), tenant)]), 'json', b - a + 1);
  }
}

/** Waits until every feed consumer has applied what was recorded so far (the profiles are materialized). */
async function settled(s: Setup): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    const behind = await scalar(s, 'SELECT COUNT(*) AS n FROM changes c WHERE EXISTS (SELECT 1 FROM change_offsets o WHERE (c.xid, c.seq) > (o.xid, o.seq))');
    if (behind === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the change feed did not catch up within two minutes');
}

/** Reads and parses every materialized profile of the sandbox once, in the bench process: what a job cannot do without. */
async function readAllProfiles(s: Setup, sandboxName: string): Promise<{ people: number; ms: number }> {
  const { rows, ms } = await parseAll(s, 'SELECT entity FROM profile_views WHERE tenant_id = ?', await tenantKeyOf(s, sandboxName));
  return { people: rows, ms };
}

/** Polls `path` until `done`; the last answer. */
async function until(s: Setup, path: string, done: (body: any) => boolean): Promise<any> {
  const api = httpCall(s.server);
  for (;;) {
    const body = await api(s.server.headers, 'GET', path);
    if (done(body)) return body;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A preview of a simple definition over the sandbox's profiles, timed from the request to its last page being ready. */
async function preview(s: Setup, people: number, label: string, runs: number): Promise<BenchRow[]> {
  const api = httpCall(s.server);
  const seconds: number[] = [];
  const cpu: number[] = [];
  let matched = 0;
  for (let run = 0; run < runs; run++) {
    const cpuBefore = s.server.cpuSeconds();
    const started = performance.now();
    const created = await api(s.server.headers, 'POST', '/data/core/ups/preview', { predicateExpression: 'homeAddress.city = "Lisbon"', predicateType: 'pql/text', predicateModel: '_xdm.context.profile', graphType: 'pdg' });
    const done = await until(s, `/data/core/ups/preview/${created.previewId}?limit=1`, (p) => p.state !== 'RUNNING');
    if (done.state !== 'RESULT_READY') throw new Error(`preview: ${JSON.stringify(done)}`);
    seconds.push((performance.now() - started) / 1000);
    cpu.push(((s.server.cpuSeconds() - cpuBefore) * 1e6) / people);
    const estimate = await api(s.server.headers, 'GET', `/data/core/ups/estimate/${created.previewId}`);
    if (estimate.profilesReadSoFar !== people) throw new Error(`preview read ${estimate.profilesReadSoFar} of ${people} profiles`);
    matched = done.page.totalCount;
    await api(s.server.headers, 'DELETE', `/data/core/ups/preview/${created.previewId}`);
  }
  return [row(`${label}preview of a simple definition over ${people.toLocaleString('en-US')} profiles (ceiling: the 2 s target)`, 's', seconds, [2], { matched, 'server CPU µs/profile': median(cpu) })];
}

/** A segment job of five definitions over every profile of the sandbox, against reading and parsing them once. */
async function batchJob(s: Setup, sandboxName: string, people: number, label: string, runs: number): Promise<BenchRow[]> {
  const api = httpCall(s.server);
  const ids: string[] = [];
  for (const [i, pql] of FIVE(s.ids.tenant).entries()) ids.push(await createDefinition(s, `batch${i}`, pql, false));
  const rates: number[] = [];
  const ceiling: number[] = [];
  const cpu: number[] = [];
  const seconds: number[] = [];
  let members = 0;
  for (let run = 0; run < runs; run++) {
    const read = await readAllProfiles(s, sandboxName);
    ceiling.push(read.people / (read.ms / 1000));
    const cpuBefore = s.server.cpuSeconds();
    const started = performance.now();
    const job = await api(s.server.headers, 'POST', '/data/core/ups/segment/jobs', ids.map((segmentId) => ({ segmentId })));
    const done = await until(s, `/data/core/ups/segment/jobs/${job.id}`, (j) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(j.status));
    if (done.status !== 'SUCCEEDED') throw new Error(`segment job: ${JSON.stringify(done.errors)}`);
    if (done.metrics.totalProfiles < people) throw new Error(`segment job evaluated ${done.metrics.totalProfiles} of ${people} profiles`);
    const s_ = (performance.now() - started) / 1000;
    seconds.push(s_);
    rates.push(done.metrics.totalProfiles / s_);
    cpu.push(((s.server.cpuSeconds() - cpuBefore) * 1e6) / done.metrics.totalProfiles);
    members = Object.values(done.metrics.segmentedProfileCounter as Record<string, number>).reduce((a, b) => a + b, 0);
  }
  return [
    row(`${label}segment job, 5 definitions over ${people.toLocaleString('en-US')} profiles (ceiling: reading and parsing them once)`, 'profiles/s', rates, ceiling, {
      's (target < 60 at 1,000,000)': median(seconds),
      'server CPU µs/profile': median(cpu),
      'members in all': members,
    }),
  ];
}

/** The segments scenario's rows. */
export async function runSegmentsBench(s: Setup, z: Sizes, label: string, quick: boolean): Promise<BenchRow[]> {
  const out = await ingestWithTen(s, z, label);
  const name = 'segbatch';
  const sub = await sandbox(s, name);
  const previewPeople = quick ? 10_000 : 100_000;
  const jobPeople = quick ? 20_000 : 1_000_000;
  await loadProfiles(sub, 1, previewPeople);
  await settled(sub);
  out.push(...(await preview(sub, previewPeople, label, quick ? 2 : 3)));
  await loadProfiles(sub, previewPeople + 1, jobPeople);
  await settled(sub);
  out.push(...(await batchJob(sub, name, jobPeople, label, quick ? 2 : 1)));
  return out;
}
