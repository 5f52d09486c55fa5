/** `rtprofile ca list|create|get` from another folder against a real `rtprofile serve` on SQLite, plus `--duration` parsing. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseDuration } from '../src/cli/ca.command.js';
import { CliError } from '../src/cli/cli-error.js';
import { type Served, runCli, closedPort, serve } from './support/cli.js';

const ORG = 'CACLI@AdobeOrg';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// A NEW definition is picked up by the recompute job at once, so by the time it is read it may have moved on.
const LIVE = ['NEW', 'PROCESSING', 'PROCESSED'];


describe('parseDuration', () => {
  it('reads <count><h|d|w|m> into the API duration', () => {
    assert.deepEqual(parseDuration('7d'), { count: 7, unit: 'DAYS' });
    assert.deepEqual(parseDuration('24h'), { count: 24, unit: 'HOURS' });
    assert.deepEqual(parseDuration('2w'), { count: 2, unit: 'WEEKS' });
    assert.deepEqual(parseDuration('3m'), { count: 3, unit: 'MONTHS' });
    assert.deepEqual(parseDuration('1H'), { count: 1, unit: 'HOURS' });
  });

  it('refuses other spellings and counts outside the API ranges', () => {
    for (const bad of ['7', 'd', 'd7', '7 d', '7days', '1.5d', '-1d', '07d', '7y', '', '7d ']) {
      assert.throws(() => parseDuration(bad), (e: unknown) => e instanceof CliError && /must be a whole number and a unit letter/.test(e.message), bad);
    }
    for (const [bad, range] of [['0d', '1 to 7 days'], ['8d', '1 to 7 days'], ['25h', '1 to 24 hours'], ['5w', '1 to 4 weeks'], ['7m', '1 to 6 months']] as const) {
      assert.throws(() => parseDuration(bad), (e: unknown) => e instanceof CliError && e.message.includes(range), bad);
    }
  });
});

describe('rtprofile ca against a running service', () => {
  const serverDir = mkdtempSync(join(tmpdir(), 'rtprofile-ca-server-'));
  const work = mkdtempSync(join(tmpdir(), 'rtprofile-ca-work-'));
  let server: Served;
  let env: NodeJS.ProcessEnv;
  const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) => runCli(args, { ...env, ...extra }, work);
  const ok = (args: string[]) => {
    const r = cli([...args, '--org', ORG]);
    assert.equal(r.status, 0, r.stderr);
    return r;
  };
  let liveId: string;
  let draftId: string;

  before(async () => {
    server = await serve(['--data', join(serverDir, 'data')]);
    // The CLI runs in another folder and finds the service and its secret through these two variables.
    env = { RTPROFILE_URL: server.url, RTPROFILE_DATA: join(serverDir, 'data') };
  });
  after(async () => {
    await server.stop();
    rmSync(serverDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('list on an empty sandbox says so', () => {
    assert.equal(ok(['ca', 'list']).stdout, 'No computed attributes.\n');
  });

  it('create prints the id on stdout and a summary on stderr; --draft --json prints the object', () => {
    const live = ok(['ca', 'create', '--name', 'visits7d', '--expression', 'xEvent.count()', '--duration', '7d', '--description', 'events in a week']);
    liveId = live.stdout.trim();
    assert.match(liveId, UUID);
    assert.match(live.stderr, new RegExp(`^created computed attribute visits7d \\(NEW, COUNT, 7 DAYS\\): ${liveId}\\n$`));

    const draft = ok(['ca', 'create', '--name', 'visits24h', '--expression', 'xEvent.count()', '--duration-count', '24', '--duration-unit', 'hours', '--draft', '--keep-current', '--json']);
    const object = JSON.parse(draft.stdout);
    draftId = object.id;
    assert.match(draftId, UUID);
    assert.notEqual(draftId, liveId);
    assert.equal(object.name, 'visits24h');
    assert.equal(object.displayName, 'visits24h', 'displayName defaults to the name');
    assert.equal(object.description, '');
    assert.equal(object.status, 'DRAFT');
    assert.equal(object.keepCurrent, true);
    assert.deepEqual(object.duration, { count: 24, unit: 'HOURS' });
    assert.deepEqual(object.expression, { type: 'PQL', format: 'pql/text', value: 'xEvent.count()' });
  });

  it('get prints the stored object as JSON', () => {
    const got = JSON.parse(ok(['ca', 'get', liveId]).stdout);
    assert.equal(got.id, liveId);
    assert.equal(got.name, 'visits7d');
    assert.equal(got.displayName, 'visits7d');
    assert.equal(got.description, 'events in a week');
    assert.equal(got.keepCurrent, false);
    assert.deepEqual(got.duration, { count: 7, unit: 'DAYS' });
    assert.deepEqual(got.mergeFunction, { value: 'COUNT' });
    assert.equal(got.expression.value, 'xEvent.count()');
    assert.equal(got.imsOrgId, ORG);
    assert.ok(LIVE.includes(got.status), got.status);

    const missing = cli(['ca', 'get', 'no-such-id', '--org', ORG]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /404 CA_NOT_FOUND/);
  });

  it('list prints a table with a row per definition, and --json the API answer', () => {
    const lines = ok(['ca', 'list']).stdout.trimEnd().split('\n');
    assert.deepEqual(lines[0]!.split(/\s{2,}/), ['ID', 'NAME', 'STATUS', 'MERGE FUNCTION', 'DURATION', 'UPDATED']);
    assert.equal(lines.length, 3);
    const rows = new Map(lines.slice(1).map((l) => [l.split(/\s{2,}/)[0]!, l.split(/\s{2,}/)]));
    const [, draftName, draftStatus, draftFn, draftWindow, draftUpdated] = rows.get(draftId)!;
    assert.deepEqual([draftName, draftStatus, draftFn, draftWindow], ['visits24h', 'DRAFT', 'COUNT', '24 HOURS']);
    assert.match(draftUpdated!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
    const [, liveName, liveStatus, liveFn, liveWindow] = rows.get(liveId)!;
    assert.deepEqual([liveName, liveFn, liveWindow], ['visits7d', 'COUNT', '7 DAYS']);
    assert.ok(LIVE.includes(liveStatus!), liveStatus);

    const page = JSON.parse(ok(['ca', 'list', '--json']).stdout);
    assert.deepEqual(page.computedAttributes.map((c: { id: string }) => c.id).sort(), [liveId, draftId].sort());
    assert.equal(page._page.totalCount, 2);
    assert.equal(page.computedAttributes.find((c: { id: string }) => c.id === draftId).status, 'DRAFT');

    const drafts = JSON.parse(ok(['ca', 'list', '--status', 'draft', '--json']).stdout);
    assert.deepEqual(drafts.computedAttributes.map((c: { name: string }) => c.name), ['visits24h']);

    // One per page: the table says where the rest is.
    const first = ok(['ca', 'list', '--limit', '1']);
    assert.equal(first.stdout.trimEnd().split('\n').length, 2);
    assert.match(first.stderr, /1–1 of 2: --offset 1 for the next page/);
  });

  it('a refused expression exits 2 with the service message and its position, and stores nothing', () => {
    const refused = cli(['ca', 'create', '--name', 'broken', '--expression', 'xEvent[foo = ].count()', '--duration', '7d', '--org', ORG]);
    assert.equal(refused.status, 2);
    assert.equal(refused.stdout, '');
    assert.match(refused.stderr, /400 CA_EXPRESSION_INVALID: expression\.value is not a valid PQL expression at line 1, column 14: /);
    assert.equal(JSON.parse(ok(['ca', 'list', '--json']).stdout)._page.totalCount, 2);
  });

  it('a bad --duration (or a bad list flag) fails before any request', async () => {
    // Pointed at a port nothing listens on: reaching the network would fail with "cannot reach" instead.
    const nowhere = { RTPROFILE_URL: `http://127.0.0.1:${await closedPort()}` };
    const cases: Array<[string[], RegExp]> = [
      [['--duration', '7days'], /--duration '7days' must be a whole number and a unit letter: 24h \(hours\), 7d \(days\), 2w \(weeks\) or 3m \(months\)/],
      [['--duration', '8d'], /--duration 8d: a DAYS lookback is 1 to 7 days/],
      [['--duration', '7d', '--duration-unit', 'DAYS'], /either --duration \(e\.g\. 7d\) or --duration-count with --duration-unit, not both/],
      [['--duration-count', '3'], /--duration-count and --duration-unit go together/],
      [['--duration-count', '3', '--duration-unit', 'YEARS'], /--duration-unit 'YEARS' must be one of HOURS, DAYS, WEEKS, MONTHS/],
      [[], /needs a lookback window/],
    ];
    for (const [flags, message] of cases) {
      const r = cli(['ca', 'create', '--name', 'x', '--expression', 'xEvent.count()', ...flags, '--org', ORG], nowhere);
      assert.equal(r.status, 2, `${flags.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /cannot reach/);
    }
    const limit = cli(['ca', 'list', '--limit', '41', '--org', ORG], nowhere);
    assert.equal(limit.status, 2);
    assert.match(limit.stderr, /--limit '41' must be a whole number from 1 to 40/);
    // The same flags against the real service left nothing behind either.
    assert.equal(JSON.parse(ok(['ca', 'list', '--json']).stdout)._page.totalCount, 2);
  });
});
