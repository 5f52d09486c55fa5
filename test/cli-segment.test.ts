/** `rtprofile segment create|list|run|preview` from another folder against a real `rtprofile serve` on SQLite, over three people. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Served, closedPort, runCli, seedSchemaFile, serve } from './support/cli.js';
import { PROFILE_SCHEMA_ID, envelope, personRecord, profileSchema } from './support/fixtures.js';

const ORG = 'SEGCLI@AdobeOrg';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const GOLD = '_acme.tier = "gold"';

/** The table's cells: columns are two or more spaces apart. */
const cells = (line: string) => line.split(/\s{2,}/);

describe('rtprofile segment against a running service', () => {
  const serverDir = mkdtempSync(join(tmpdir(), 'rtprofile-segment-server-'));
  const work = mkdtempSync(join(tmpdir(), 'rtprofile-segment-work-'));
  const data = join(serverDir, 'data');
  let server: Served;
  let env: NodeJS.ProcessEnv;
  const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) => runCli(args, { ...env, ...extra }, work);
  const ok = (args: string[]) => {
    const r = cli([...args, '--org', ORG]);
    assert.equal(r.status, 0, r.stderr);
    return r;
  };
  let goldId: string;
  let silverId: string;

  before(async () => {
    server = await serve(['--data', data]);
    // The CLI runs in another folder and finds the service and its secret through these two variables.
    env = { RTPROFILE_URL: server.url, RTPROFILE_DATA: data };
    // The people go in as a client's would: a Profile-enabled dataset, a default merge policy, an inlet, three records.
    const credential = JSON.parse(runCli(['token', '--org', ORG, '--data', data]).stdout);
    const headers = { authorization: `Bearer ${credential.accessToken}`, 'x-api-key': credential.apiKey, 'x-gw-ims-org-id': ORG, 'content-type': 'application/json' };
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(server.url + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      const text = await res.text();
      assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${text}`);
      return JSON.parse(text);
    };
    await call('GET', '/data/foundation/sandbox-management/sandboxes');
    // The served process has no Schema Registry write path for tests, so the tenant schema goes into its store file.
    seedSchemaFile(data, ORG, profileSchema());
    const dataset = ((await call('POST', '/data/foundation/catalog/dataSets', { name: 'CRM', schemaRef: { id: PROFILE_SCHEMA_ID }, tags: { unifiedProfile: ['enabled:true'], unifiedIdentity: ['enabled:true'] } })) as string[])[0]!.replace('@/dataSets/', '');
    await call('POST', '/data/core/ups/config/mergePolicies', { name: 'default', schema: { name: '_xdm.context.profile' }, identityGraph: { type: 'pdg' }, attributeMerge: { type: 'timestampOrdered' }, default: true });
    const conn = await call('POST', '/data/foundation/flowservice/connections', {
      name: 'stream',
      connectionSpec: { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadfd3', version: '1.0' },
      auth: { specName: 'Streaming Connection', params: { name: 'stream', sourceId: 'crm', dataType: 'xdm' } },
    });
    const inletId = (await call('GET', `/data/foundation/flowservice/connections/${conn.id}`)).items[0].auth.params.inletId as string;
    const people = [personRecord(1), personRecord(2), personRecord(3, { _acme: { loyaltyId: 'L3', tier: 'silver', points: 3 } })];
    for (const person of people) await call('POST', `/collection/${inletId}`, envelope(dataset, PROFILE_SCHEMA_ID, person, ORG));
  });
  after(async () => {
    await server.stop();
    rmSync(serverDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('list on a sandbox without definitions says so', () => {
    assert.equal(ok(['segment', 'list']).stdout, 'No segment definitions.\n');
  });

  it('create prints the id on stdout and a summary on stderr; without a flag the service chooses streaming', () => {
    const gold = ok(['segment', 'create', 'gold', GOLD, '--batch', '--description', 'gold tier']);
    goldId = gold.stdout.trim();
    assert.match(goldId, UUID);
    assert.match(gold.stderr, new RegExp(`^created segment gold \\(batch, merge policy [0-9a-f-]{36}\\): ${goldId}\\n$`));

    const silver = JSON.parse(ok(['segment', 'create', 'silver', '_acme.tier = "silver"', '--json']).stdout);
    silverId = silver.id;
    assert.match(silverId, UUID);
    assert.equal(silver.name, 'silver');
    assert.deepEqual(silver.evaluationInfo, { batch: { enabled: false }, continuous: { enabled: true }, synchronous: { enabled: false } }, 'a streamable expression streams by default');
    assert.deepEqual(silver.expression, { type: 'PQL', format: 'pql/text', value: '_acme.tier = "silver"' });
    assert.deepEqual(silver.schema, { name: '_xdm.context.profile' });
    assert.equal(silver.description, '');
  });

  it('list prints a table of id, name, evaluation and update time; --json the API answer; --limit says what is left', () => {
    const lines = ok(['segment', 'list']).stdout.trimEnd().split('\n');
    assert.deepEqual(cells(lines[0]!), ['ID', 'NAME', 'EVALUATION', 'UPDATED']);
    assert.equal(lines.length, 3);
    const rows = new Map(lines.slice(1).map((l) => [cells(l)[0]!, cells(l)]));
    assert.deepEqual(rows.get(goldId)!.slice(1, 3), ['gold', 'batch']);
    assert.deepEqual(rows.get(silverId)!.slice(1, 3), ['silver', 'streaming']);
    assert.match(rows.get(goldId)![3]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);

    const page = JSON.parse(ok(['segment', 'list', '--json']).stdout);
    assert.equal(page.page.totalCount, 2);
    assert.deepEqual(page.segments.map((s: { id: string }) => s.id).sort(), [goldId, silverId].sort());
    assert.equal(page.segments.find((s: { id: string }) => s.id === goldId).description, 'gold tier');

    const first = ok(['segment', 'list', '--limit', '1']);
    assert.equal(first.stdout.trimEnd().split('\n').length, 2);
    assert.match(first.stderr, /^1 of 2: --limit 2 for all\n$/);
  });

  it('run --wait ends SUCCEEDED and reports members, realized and exited per definition', () => {
    const run = ok(['segment', 'run', goldId, '--wait']);
    const [head, header, row, ...rest] = run.stdout.trimEnd().split('\n');
    assert.match(head!, /^segment job [0-9a-f-]{36} SUCCEEDED: 3 profiles in \d+\.\d s$/);
    assert.deepEqual(cells(header!), ['SEGMENT ID', 'NAME', 'MEMBERS', 'REALIZED', 'EXITED']);
    assert.deepEqual(cells(row!), [goldId, 'gold', '2', '2', '0']);
    assert.deepEqual(rest, []);
    assert.match(run.stderr, /^segment job [0-9a-f-]{36}: (NEW|PROCESSING|SUCCEEDED), 1 definition; waiting for it to finish\n$/);

    // Run again, the same two are members already: none realized in this job.
    const again = JSON.parse(ok(['segment', 'run', goldId, '--wait', '--json']).stdout);
    assert.equal(again.status, 'SUCCEEDED');
    assert.equal(again.metrics.segmentedProfileCounter[goldId], 2);
    assert.deepEqual(again.metrics.segmentedProfileByStatusCounter[goldId], { realized: 0, exited: 0, existing: 2 });
  });

  it('run --all without --wait prints the queued job id, and the job covers every definition', () => {
    const run = ok(['segment', 'run', '--all']);
    const jobId = run.stdout.trim();
    assert.match(jobId, /^[0-9a-f-]{36}$/);
    assert.match(run.stderr, new RegExp(`^segment job ${jobId}: (NEW|PROCESSING|SUCCEEDED), 2 definitions\\n$`));
    const job = JSON.parse(ok(['segment', 'run', '--all', '--json']).stdout);
    assert.deepEqual(job.segments.map((s: { segmentId: string }) => s.segmentId).sort(), [goldId, silverId].sort());
  });

  it('preview reports the matched count, the people read, and lists the people who match', () => {
    const out = ok(['segment', 'preview', GOLD]).stdout.split('\n');
    assert.deepEqual(out.slice(0, 4), ['matched:   2', 'estimated: 2', 'read:      3 people', '']);
    assert.deepEqual(cells(out[4]!), ['OBJECT ID', 'IDENTITIES']);
    const people = out.slice(5, -1).map(cells);
    assert.equal(out.at(-1), '');
    assert.equal(people.length, 2);
    // The service spells namespace codes as its identity store keeps them (lower case today), so case is not asserted.
    const identities = people.map(([, ids]) => ids!.toLowerCase().split(', ').sort().join(' ')).sort();
    assert.deepEqual(identities, ['crmid:crm-1 email:person1@example.com', 'crmid:crm-2 email:person2@example.com']);
    for (const [objectId] of people) assert.ok(objectId!.length > 0);

    const json = JSON.parse(ok(['segment', 'preview', GOLD, '--graph', 'none', '--json']).stdout);
    assert.equal(json.preview.state, 'RESULT_READY');
    assert.equal(json.preview.page.totalCount, 2);
    assert.equal(json.estimate.estimatedSize, 2);
    assert.equal(json.estimate.profilesReadSoFar, 3);

    const one = ok(['segment', 'preview', GOLD, '--limit', '1']);
    assert.equal(one.stdout.trimEnd().split('\n').length, 6, 'three counts, a blank line, the header and one person');
    assert.match(one.stderr, /^first 1 of 2: --limit 2 for more\n$/);

    assert.deepEqual(ok(['segment', 'preview', '_acme.tier = "platinum"']).stdout.split('\n').slice(0, 4), ['matched:   0', 'estimated: 0', 'read:      3 people', 'No one matches.']);
  });

  it('a refused expression exits 2 with the service message and its position, and stores nothing', () => {
    const refused = cli(['segment', 'create', 'broken', '_acme.tier = ', '--org', ORG]);
    assert.equal(refused.status, 2);
    assert.equal(refused.stdout, '');
    assert.match(refused.stderr, /^rtprofile: POST \/data\/core\/ups\/segment\/definitions answered 400 SEGMENT_EXPRESSION_INVALID: .*line 1, column \d+/);
    assert.equal(JSON.parse(ok(['segment', 'list', '--json']).stdout).page.totalCount, 2);

    const preview = cli(['segment', 'preview', '_acme.tier = ', '--org', ORG]);
    assert.equal(preview.status, 2);
    assert.match(preview.stderr, /answered 400 \w+: .*line 1, column \d+/);

    const unknown = cli(['segment', 'run', 'no-such-segment', '--org', ORG]);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /answered 400 SEGMENT_JOB_INVALID: Segment definition 'no-such-segment' does not exist in this sandbox/);
  });

  it('a run naming nothing, or a bad flag, fails before any request', async () => {
    // Pointed at a port nothing listens on: reaching the network would fail with "cannot reach" instead.
    const nowhere = { RTPROFILE_URL: `http://127.0.0.1:${await closedPort()}` };
    const cases: Array<[string[], RegExp]> = [
      [['segment', 'run'], /name the segment definitions to evaluate \(`rtprofile segment list` shows their ids\), or pass --all/],
      [['segment', 'run', 'x', '--all'], /give segment ids or --all, not both/],
      [['segment', 'run', '--all', '--wait', '--timeout', '0'], /--timeout '0' must be a whole number from 1 to 604800/],
      [['segment', 'create', 'x', GOLD, '--streaming', '--batch'], /give --streaming or --batch, not both/],
      [['segment', 'list', '--limit', '0'], /--limit '0' must be a whole number from 1 to 100000/],
      [['segment', 'preview', GOLD, '--graph', 'full'], /--graph 'full' must be pdg or none/],
      [['segment', 'preview', GOLD, '--limit', '1001'], /--limit '1001' must be a whole number from 1 to 1000/],
    ];
    for (const [args, message] of cases) {
      const r = cli([...args, '--org', ORG], nowhere);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /cannot reach/);
    }
    assert.equal(JSON.parse(ok(['segment', 'list', '--json']).stdout).page.totalCount, 2, 'the same flags against the real service left nothing behind');
  });
});
