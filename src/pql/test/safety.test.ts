/** No host escape and bounded work: purity of src/pql, untouched inputs, prototype safety, limits, clock injection. */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LIMITS, PqlError, compilePql, fromPqlJson, parsePql } from '../index.js';
import { contextOf } from './case.js';
import { EVENTS, NOW, PROFILE } from './fixtures.js';
import { ALL_CASES } from './tables.js';

const PQL_DIR = fileURLToPath(new URL('..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'test' ? [] : sources(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    if (e instanceof PqlError) return e.code;
    throw e;
  }
  return undefined;
};

describe('src/pql is pure and closed', () => {
  const files = sources(PQL_DIR);
  test('it has source files', () => assert.ok(files.length > 15));
  for (const file of files) {
    const rel = file.slice(PQL_DIR.length);
    test(`${rel}: imports only src/pql, no I/O, no eval`, () => {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/from\s+'([^']+)'/g)) {
        const target = m[1]!;
        assert.ok(target.startsWith('./') || target.startsWith('../'), `${rel} imports ${target}`);
        const resolved = join(file, '..', target);
        assert.ok(resolved.startsWith(PQL_DIR), `${rel} reaches outside src/pql: ${target}`);
      }
      assert.doesNotMatch(text, /\beval\s*\(|new Function|\bFunction\s*\(|\brequire\s*\(|\bimport\s*\(|\bprocess\.|globalThis/);
    });
    test(`${rel}: starts with a one-line doc comment and stays under 300 lines`, () => {
      const text = readFileSync(file, 'utf8');
      assert.match(text, /^\/\*\* .+\*\/\n/);
      assert.ok(text.split('\n').length <= 300, `${text.split('\n').length} lines`);
    });
  }
});

describe('inputs stay untouched and the host stays out of reach', () => {
  test('every case evaluates against deeply frozen profiles and events', () => {
    for (const k of ALL_CASES) {
      const ctx = contextOf(k);
      const frozen = { ...ctx, profile: deepFreeze(structuredClone(ctx.profile)), events: deepFreeze(structuredClone(ctx.events)) };
      assert.deepStrictEqual(compilePql(k.expr, k.options).evaluate(frozen), k.expect, k.expr);
    }
  });
  test('object literals and __proto__ keys never pollute Object.prototype', () => {
    const probes = ['{"__proto__": {"polluted": 1}}', '{"constructor": {"prototype": {"polluted": 1}}}', 'x.polluted', 'x.get("__proto__")'];
    for (const p of probes) compilePql(p).evaluate({ profile: JSON.parse('{"x": {"__proto__": {"polluted": 1}}}') });
    for (const p of ['x.__proto__.polluted', 'x.constructor.prototype']) assert.throws(() => compilePql(p), /PQL_FORBIDDEN_FIELD|is not allowed/);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
  test('functions in the data are never returned or called', () => {
    let called = false;
    const profile = { f: () => (called = true), o: { toJSON: () => (called = true) } };
    assert.equal(compilePql('f').evaluate({ profile }), null);
    assert.equal(compilePql('o.toJSON').evaluate({ profile }), null);
    assert.equal(called, false);
  });
  test('results are plain JSON data', () => {
    const q = compilePql('{"when": now, "day": today, "m": xEvent.groupBy(eventType).map((K, G) => mapEntry(K, G.count())), "e": mapEntry(1, date(2020, 1, 2))}');
    const v = q.evaluate({ profile: PROFILE, events: EVENTS, now: NOW });
    assert.deepStrictEqual(JSON.parse(JSON.stringify(v)), v);
    assert.deepEqual((v as Record<string, unknown>).e, { key: 1, value: '2020-01-02' });
  });
});

describe('limits', () => {
  test('defaults', () => assert.deepEqual(DEFAULT_LIMITS, { maxSourceLength: 65_536, maxDepth: 100, maxSteps: 1_000_000 }));
  test('source length', () => {
    assert.equal(codeOf(() => parsePql('a'.repeat(65_537))), 'PQL_SOURCE_TOO_LONG');
    assert.equal(codeOf(() => fromPqlJson('1'.repeat(70_000))), 'PQL_SOURCE_TOO_LONG');
  });
  test('depth, for text and for JSON (no stack overflow either way)', () => {
    assert.equal(codeOf(() => parsePql(`${'not '.repeat(5000)}true`)), 'PQL_TOO_DEEP');
    assert.equal(codeOf(() => parsePql(`${'['.repeat(5000)}`)), 'PQL_TOO_DEEP');
    let json: unknown = { nodeType: 'literal', literalType: 'Boolean', value: true };
    for (let i = 0; i < 20_000; i++) json = { nodeType: 'fnApply', fnName: 'not', params: [json] };
    assert.equal(codeOf(() => fromPqlJson(json)), 'PQL_TOO_DEEP');
    assert.equal(codeOf(() => compilePql(`${'not '.repeat(40)}true`, { maxDepth: 20 })), 'PQL_TOO_DEEP');
  });
  test('steps: a cubic nest over 2,000 events stops quickly at the default limit', () => {
    const many = Array.from({ length: 2000 }, (_, i) => ({ i }));
    const q = compilePql('xEvent[xEvent[xEvent[i = 0].count() > 0].count() > 0].count()');
    const started = performance.now();
    assert.equal(codeOf(() => q.evaluate({ events: many })), 'PQL_STEP_LIMIT');
    assert.ok(performance.now() - started < 2000);
  });
  test('steps are reported and never exceed the limit', () => {
    const q = compilePql('xEvent[eventType = "download"].count()', { maxSteps: 8 });
    assert.deepEqual(q.evaluateWithStats({ events: EVENTS }), { value: 3, steps: 8 });
    assert.equal(codeOf(() => compilePql('xEvent[eventType = "download"].count()', { maxSteps: 7 }).evaluate({ events: EVENTS })), 'PQL_STEP_LIMIT');
  });
  test('path lookups through large arrays are charged', () => {
    const big = Array.from({ length: 50_000 }, () => ({ a: [{ b: 1 }] }));
    assert.equal(codeOf(() => compilePql('x.a.b.count()', { maxSteps: 10_000 }).evaluate({ profile: { x: big } })), 'PQL_STEP_LIMIT');
  });
});

describe('compile once, evaluate many; injectable clock', () => {
  test('one compiled definition serves interleaved profiles', () => {
    const q = compilePql('xEvent[timestamp occurs today].count() + person.n');
    const a = { profile: { person: { n: 1 } }, events: EVENTS, now: NOW };
    const b = { profile: { person: { n: 100 } }, events: [], now: NOW };
    assert.deepEqual([q.evaluate(a), q.evaluate(b), q.evaluate(a)], [3, 100, 3]);
  });
  test('now as a Date, epoch ms or ISO string; the compile-time clock when absent', () => {
    const q = compilePql('currentYear()', { clock: () => Date.UTC(1999, 0, 1) });
    assert.equal(q.evaluate({}), 1999);
    assert.equal(q.evaluate({ now: new Date(Date.UTC(2001, 5, 1)) }), 2001);
    assert.equal(q.evaluate({ now: Date.UTC(2002, 5, 1) }), 2002);
    assert.equal(q.evaluate({ now: '2003-06-01T00:00:00Z' }), 2003);
  });
  test('segment membership as a set, a list or a function', () => {
    const q = compilePql('inSegment("s")');
    assert.deepEqual([q.evaluate({ segments: new Set(['s']) }), q.evaluate({ segments: ['t'] }), q.evaluate({ segments: (id) => id === 's' })], [true, false, true]);
  });
  test('positional parameters', () => {
    assert.equal(compilePql('$1.a + $2.b').evaluate({ params: [{ a: 1 }, { b: 2 }] }), 3);
    assert.equal(compilePql('(P, Q) => P.a + Q.b').evaluate({ params: [{ a: 1 }, { b: 2 }] }), 3);
  });
});
