/** `rtprofile pql` through a Command object: check, eval and convert, their output and exit codes. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Command, CommanderError } from 'commander';
import { registerPqlCommand } from './pql.command.js';

const dir = mkdtempSync(join(tmpdir(), 'rtprofile-pql-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const profile = file('p.json', JSON.stringify({ homeAddress: { countryCode: 'US' }, person: { birthYear: 1985 } }));
const events = file('e.ndjson', [
  { eventType: 'commerce.purchases', timestamp: '2024-05-15T10:00:00Z', commerce: { order: { priceTotal: 20 } } },
  { eventType: 'commerce.purchases', timestamp: '2024-05-01T10:00:00Z', commerce: { order: { priceTotal: 5.5 } } },
  { eventType: 'homePageView', timestamp: '2024-05-15T11:00:00Z' },
].map((e) => JSON.stringify(e)).join('\n') + '\n');
const schema = file('schema.json', JSON.stringify({
  profile: { type: 'object', properties: { person: { type: 'object', properties: { birthYear: { type: 'integer' } } } } },
}));

/** Runs `rtprofile pql ...args` in-process; returns the exit code and what was written. */
async function pql(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const program = new Command('rtprofile').exitOverride().configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  registerPqlCommand(program);
  try {
    await program.parseAsync(['pql', ...args], { from: 'user' });
    return { code: 0, out, err };
  } catch (e) {
    if (e instanceof CommanderError) return { code: e.exitCode, out, err };
    throw e;
  }
}

describe('pql check', () => {
  test('prints the canonical text, an AST summary, the return type and the mode', async () => {
    const r = await pql('check', 'homeAddress.countryCode = "US" and CHAIN(xEvent, timestamp, [C0: WHAT(eventType = "x") WHEN(today)])');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^ok: homeAddress\.countryCode = "US" and chain\(/);
    assert.match(r.out, /ast: {5}logical and; \d+ nodes, depth \d+; calls chain/);
    assert.match(r.out, /returns: boolean/);
    assert.match(r.out, /mode: {4}streaming: a single event within 24 hours/);
    assert.match(r.out, /reads: {3}profile homeAddress\.countryCode; event eventType, timestamp/);
  });
  test('a syntax error prints the caret excerpt and exits 2', async () => {
    const r = await pql('check', 'xEvent.sum(price from xEvent)');
    assert.equal(r.code, 2);
    assert.equal(r.out, '');
    assert.equal(r.err, "PQL 1:18: expected ')' after arguments of sum, found 'from'\n  xEvent.sum(price from xEvent)\n                   ^^^^\n  (PQL_SYNTAX)\n");
  });
  test('--schema rejects unknown fields', async () => {
    const r = await pql('check', 'person.birthYr > 1990', '--schema', schema);
    assert.equal(r.code, 2);
    assert.match(r.err, /PQL_UNKNOWN_FIELD/);
    assert.match(r.err, /did you mean 'birthYear'/);
  });
  test('--json prints a machine-readable report; pql/json input is accepted', async () => {
    const json = JSON.stringify({ nodeType: 'fnApply', fnName: '>', params: [{ nodeType: 'fieldLookup', fieldName: 'age' }, { nodeType: 'literal', literalType: 'Integer', value: 3 }] });
    const r = await pql('check', json, '--json');
    assert.equal(r.code, 0, r.err);
    const report = JSON.parse(r.out) as { expression: string; returnType: string; mode: string };
    assert.deepEqual([report.expression, report.returnType, report.mode], ['age > 3', 'boolean', 'streaming']);
  });
  test('a missing schema file exits 1', async () => {
    const r = await pql('check', 'a', '--schema', join(dir, 'nope.json'));
    assert.equal(r.code, 1);
    assert.match(r.err, /cannot read the schema file/);
  });
});

describe('pql eval', () => {
  test('prints the result as JSON', async () => {
    const r = await pql('eval', 'xEvent[eventType = "commerce.purchases" and timestamp occurs < 7 days before now].sum(commerce.order.priceTotal)', '--profile', profile, '--events', events, '--now', '2024-05-15T12:00:00Z');
    assert.deepEqual(r, { code: 0, out: '20\n', err: '' });
  });
  test('objects, maps and dates come out as JSON', async () => {
    const r = await pql('eval', '{"byType": xEvent.groupBy(eventType).map((K, G) => mapEntry(K, G.count())), "day": today}', '--profile', profile, '--events', events, '--now', '2024-05-15T12:00:00Z');
    assert.deepEqual(JSON.parse(r.out), { byType: { 'commerce.purchases': 2, homePageView: 1 }, day: '2024-05-15' });
  });
  test('events may be a JSON array; --segments feeds inSegment; --stats adds steps', async () => {
    const arr = file('e.json', JSON.stringify([{ eventType: 'a' }]));
    const r = await pql('eval', 'inSegment("s1") and xEvent.count() = 1', '--profile', profile, '--events', arr, '--segments', 's0, s1', '--stats');
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(JSON.parse(r.out), { value: true, steps: 0 });
  });
  test('an evaluation error exits 2', async () => {
    const r = await pql('eval', 'true', '--profile', profile, '--now', 'not-a-time');
    assert.equal(r.code, 2);
    assert.match(r.err, /PQL_BAD_ARGUMENT/);
  });
  test('a malformed events line names its line and exits 1', async () => {
    const bad = file('bad.ndjson', '{"a": 1}\n{oops\n');
    const r = await pql('eval', 'true', '--profile', profile, '--events', bad);
    assert.equal(r.code, 1);
    assert.match(r.err, /bad\.ndjson:2 is not a JSON event/);
  });
  test('--profile is required', async () => {
    const r = await pql('eval', 'true');
    assert.notEqual(r.code, 0);
    assert.match(r.err, /--profile/);
  });
});

describe('pql convert', () => {
  test('text to json (the ref §6 example) and back', async () => {
    const toJson = await pql('convert', 'workAddress.country = "US"');
    assert.equal(toJson.code, 0);
    const json = JSON.parse(toJson.out) as { fnName: string };
    assert.equal(json.fnName, '=');
    const back = await pql('convert', toJson.out);
    assert.deepEqual(back, { code: 0, out: 'workAddress.country = "US"\n', err: '' });
  });
  test('--to text normalizes text; a bad --to exits 1; bad input exits 2', async () => {
    assert.equal((await pql('convert', 'a=1 AND b', '--to', 'text')).out, 'a = 1 and b\n');
    assert.equal((await pql('convert', 'a', '--to', 'xml')).code, 1);
    assert.equal((await pql('convert', '{"nodeType": "nope"}')).code, 2);
  });
});

// End to end through bin/rtprofile.js, the way a user runs it.
{
  test('bin/rtprofile.js pql check exits 0 on a good definition and 2 on a bad one', () => {
    const bin = new URL('../../bin/rtprofile.js', import.meta.url).pathname;
    const good = spawnSync(process.execPath, [bin, 'pql', 'check', 'person.age > 3'], { encoding: 'utf8' });
    assert.equal(good.status, 0, good.stderr);
    assert.match(good.stdout, /returns: boolean/);
    const bad = spawnSync(process.execPath, [bin, 'pql', 'check', 'person.age >'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /PQL 1:13/);
  });
}
