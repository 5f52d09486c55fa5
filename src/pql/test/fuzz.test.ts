/** Fuzz: 100k random token streams, mutated examples and mutated pql/json; only PqlError may escape, within limits. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { PqlError, checkPql, classifyPql, compilePql, formatPql, fromPqlJson, parsePql, toPqlJson } from '../index.js';
import { EVENTS, NOW, PROFILE, SESSION } from './fixtures.js';
import { ALL_CASES } from './tables.js';

const MAX_STEPS = 20_000;
// Reproducible by default; set PQL_FUZZ_SEED to explore other corners.
const SEED = Number(process.env.PQL_FUZZ_SEED ?? 20240515);
const CONTEXTS = [
  { profile: PROFILE, events: EVENTS, now: NOW },
  { profile: { a: [1, 'x', null, { b: [] }], t: '2024-05-15', n: -0.5 }, events: SESSION, now: NOW },
  { profile: null, events: [], now: NOW },
];

let worstMs = 0;
let inputs = 0;

/** Runs every pass over one input; returns normally or throws only PqlError, and never exceeds the step limit. */
function probe(input: string | unknown): void {
  inputs++;
  const started = performance.now();
  try {
    const query = typeof input === 'string' ? parsePql(input) : fromPqlJson(input);
    const text = formatPql(query);
    const json = toPqlJson(query);
    fromPqlJson(json);
    parsePql(text);
    classifyPql(query);
    checkPql(query);
    const compiled = compilePql(query, { maxSteps: MAX_STEPS });
    for (const ctx of CONTEXTS) {
      try {
        const { steps, value } = compiled.evaluateWithStats(ctx);
        assert.ok(steps <= MAX_STEPS, `${steps} steps`);
        JSON.stringify(value);
      } catch (e) {
        if (!(e instanceof PqlError)) throw e;
      }
    }
  } catch (e) {
    if (!(e instanceof PqlError)) {
      throw new Error(`non-PQL error for ${typeof input === 'string' ? input : JSON.stringify(input)}: ${String(e)}`, { cause: e });
    }
    assert.ok(e.code && e.message.startsWith('PQL'), e.message);
  } finally {
    worstMs = Math.max(worstMs, performance.now() - started);
  }
}

const VOCABULARY = [
  'and', 'or', 'not', 'in', 'notIn', 'like', 'occurs', 'between', 'on', 'before', 'after', 'from', 'now', 'today',
  'yesterday', 'tomorrow', 'this', 'last', 'next', 'select', 'exists', 'forall', 'some', 'all', 'none', 'one', 'where',
  'over', 'let', 'true', 'false', 'null', 'xEvent', 'chain', 'CHAIN', 'WHAT', 'WHEN', 'COUNT', 'WHERE', 'if', 'date',
  'inSegment', 'mapEntry', 'currentMonth', 'modelInstances', 'xdmObject', 'sum', 'count', 'average', 'min', 'max',
  'day', 'days', 'hours', 'month', 'weeks', 'years', 'millennia', 'timestamp', 'eventType', 'person', 'orders',
  'commerce', 'order', 'priceTotal', 'X', 'E', 'K', 'G', 'xdm:tags', '__proto__', 'constructor',
  '(', ')', '[', ']', '{', '}', ',', '.', ':', '^', '^^', '$1', '$2', '=', '!=', '<', '<=', '>', '>=', '+', '-', '*',
  '/', '%', '!', '=>', '.count()', '.sum(', '.map(', '.groupBy(', '.head()', '.topN(', '.matches(', '.startsWith(',
  '.equals(', '.get(', '.keys()', '.isNull()', '.getMonth()', '.distinct()', '.regexGroup(', '.exists(', '.filter(',
  '0', '1', '7', '24', '-3', '3.5', '1e3', '"PS"', '"download"', '"(a+)+b"', '"%es%"', '"(?i)^j"', '""', '"\\u0041"',
  '"', '\\', '@', "'", '#',
];

const tokenStream = fc
  .array(fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...VOCABULARY) }, { weight: 1, arbitrary: fc.integer({ min: -5, max: 99 }).map(String) }, { weight: 1, arbitrary: fc.string({ maxLength: 4 }).map((s) => JSON.stringify(s)) }), { maxLength: 28 })
  .chain((tokens) => fc.constantFrom(' ', '').map((sep) => tokens.join(sep)));

const EXAMPLES = [...new Set(ALL_CASES.map((k) => k.expr))];

type Mutation = (s: string) => string;
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.nat(), fc.nat({ max: 8 })).map(([at, n]): Mutation => (s) => s.slice(0, at % (s.length + 1)) + s.slice((at % (s.length + 1)) + n)),
  fc.tuple(fc.nat(), fc.constantFrom(...VOCABULARY)).map(([at, tok]): Mutation => (s) => {
    const i = at % (s.length + 1);
    return `${s.slice(0, i)} ${tok} ${s.slice(i)}`;
  }),
  fc.tuple(fc.nat(), fc.nat(), fc.nat({ max: 20 })).map(([from, to, n]): Mutation => (s) => {
    const i = from % (s.length + 1);
    const j = to % (s.length + 1);
    return s.slice(0, j) + s.slice(i, i + n) + s.slice(j);
  }),
  fc.tuple(fc.nat(), fc.string({ minLength: 1, maxLength: 1, unit: "binary" })).map(([at, ch]): Mutation => (s) => {
    const i = at % Math.max(1, s.length);
    return s.slice(0, i) + ch + s.slice(i + 1);
  }),
);
const mutatedExample = fc
  .tuple(fc.constantFrom(...EXAMPLES), fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([expr, ms]) => ms.reduce((s, m) => m(s), expr));

const JSON_EXAMPLES = EXAMPLES.slice(0, 200).map((e) => JSON.stringify(toPqlJson(parsePql(e))));
const mutatedJson = fc
  .tuple(fc.constantFrom(...JSON_EXAMPLES), fc.array(mutation, { minLength: 1, maxLength: 3 }))
  .map(([json, ms]) => {
    const text = ms.reduce((s, m) => m(s), json);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  });

describe('fuzz (100,000 inputs)', () => {
  const runs = (n: number): { numRuns: number; seed: number } => ({ numRuns: n, seed: SEED });
  test('random token streams', () => {
    fc.assert(fc.property(tokenStream, (s) => probe(s)), runs(45_000));
  });
  test('mutated examples from the case tables', () => {
    fc.assert(fc.property(mutatedExample, (s) => probe(s)), runs(45_000));
  });
  test('mutated pql/json', () => {
    fc.assert(fc.property(mutatedJson, (v) => probe(v)), runs(10_000));
  });
  test('all inputs ran, none took long', () => {
    assert.ok(inputs >= 100_000, String(inputs));
    assert.ok(worstMs < 1000, `slowest input took ${worstMs.toFixed(1)} ms`);
  });
});
