/** The computed-attribute fold checked against the PQL evaluator on seeded random data, through the engine and incrementally. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { compilePql } from '../pql/index.js';
import { CA_FUNCTIONS, type CaFunction } from './ca-plan.js';
import { type FoldState, emptyState, fold, timestampOf, valueOf } from './ca-fold.js';
import { type CompiledCa, type Evaluation, type PersonEvent, SEEN_MARGIN_MS, compileCa, emptyValue, evaluateNew, evaluateWhole } from './ca-engine.js';
import { type Duration, type Lookback, expiryOf, inWindow } from './ca-window.js';
import type { ComputedAttribute } from './ca.js';

import { BASE, DAY, HOUR, MIN, type Rng, iso, rng } from './test/random.js';

// '2024-03-02' and '2024-03-02T00:00:00Z' are one instant spelled two ways: MIN/MAX keep the earliest event's spelling.
const TIMES = ['2024-03-01T00:00:00Z', '2024-03-02', '2024-03-02T00:00:00Z', '2024-02-28T23:30:00.500+01:00', '2024-03-05T10:00:00.000Z'];
const STRINGS = ['apple', 'Banana', 'kiwi', '7'];
const FILTERS = ['', 'eventType = "buy"', 'commerce.order.priceTotal > 5', 'eventType = "buy" and commerce.order.priceTotal > 5'];
/**
 * A field value. Numbers are multiples of 1/4 so sums are exact in any order (arbitrary doubles differ in the last
 * bits with the order of the additions: see the last block); objects are alike across events, which PQL's distinct
 * still counts apart.
 */
function value(r: Rng, _fn: CaFunction, _serial: number): unknown {
  switch (r.int(11)) {
    case 0: return undefined;
    case 1: return null;
    case 2: return r.int(21) - 5;
    case 3: return (r.int(81) - 20) / 4;
    case 4: return Array.from({ length: r.int(4) }, () => (r.int(5) === 0 ? null : r.int(4) === 0 ? r.pick(TIMES) : r.int(19) / 2));
    case 5: return r.pick(TIMES);
    case 6: return r.pick(STRINGS);
    case 7: return r.int(2) === 0;
    case 8: return r.int(3) === 0 ? { sku: 'o1' } : r.int(12);
    default: return r.int(12);
  }
}

/** `count` events at times drawn from `times` (so ties happen), keys `ds-a\0e<i>` (ties then go by key). */
function history(r: Rng, fn: CaFunction, count: number, times: readonly number[], ingestedAt: () => number = () => 0): PersonEvent[] {
  const slot = (serial: number): Record<string, unknown> => {
    const v = value(r, fn, serial);
    return v === undefined ? {} : { priceTotal: v };
  };
  return Array.from({ length: count }, (_, i) => {
    const ts = r.pick(times);
    // Now and then several orders, so the path maps over an array inside the event as well.
    const order = r.int(10) === 0 ? [slot(i), slot(i + 100)] : slot(i);
    const data = { _id: `e${i}`, timestamp: iso(ts), eventType: r.pick(['buy', 'view']), commerce: { order } };
    return { ts, key: `ds-${r.pick(['a', 'b'])}\u0000e${i}`, ingestedAt: ingestedAt(), data };
  });
}

function pqlOf(fn: CaFunction, filter: string, size: number): string {
  const x = filter ? `xEvent[${filter}]` : 'xEvent';
  const f = 'commerce.order.priceTotal';
  switch (fn) {
    case 'SUM': return `${x}.sum(${f})`;
    case 'COUNT': return `${x}.count()`;
    case 'MIN': return `${x}.min(${f})`;
    case 'MAX': return `${x}.max(${f})`;
    case 'AVG': return `${x}.average(${f})`;
    case 'MOST_RECENT': return `${x}.topN(timestamp, 1).head().${f}`;
    case 'FIRST': return `${x}.bottomN(timestamp, 1).head().${f}`;
    case 'LIST': return `${x}.topN(timestamp, ${size}).${f}`;
    case 'COUNT_DISTINCT': return `${x}.${f}.distinct().count()`;
  }
}

function def(text: string, fn: CaFunction | null, duration: Duration | null): ComputedAttribute {
  return {
    tenantId: 1, id: 'ca-1', api: 'ca', name: 'prop', fieldPath: '_acme.prop', status: 'PROCESSED', version: 1, displayName: 'prop',
    description: '', expression: { type: 'PQL', format: 'pql/text', value: text }, path: '_acme', duration, keepCurrent: false,
    active: true, returnType: 'number', mergeFunction: fn, dependencies: [], createdBy: 'test', lastEvaluation: null, createdAt: 0, updatedAt: 0,
  };
}

const byTime = (a: PersonEvent, b: PersonEvent): number => a.ts - b.ts || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
/** The reference: the evaluator over the events sorted by (timestamp, datasetId, eventId). */
const pql = (text: string, evs: readonly PersonEvent[], now: number): unknown => compilePql(text).evaluate({ events: [...evs].sort(byTime).map((e) => e.data), now });
/** The evaluator's value, as compared. */
const reference = (_fn: CaFunction, v: unknown): unknown => v;
/** The events `xEvent[filter]` keeps, per the evaluator. */
const keptTimes = (filter: string, evs: readonly PersonEvent[], now: number): number[] =>
  (pql(filter ? `xEvent[${filter}]` : 'xEvent', evs, now) as { timestamp: string }[]).map((e) => Date.parse(e.timestamp));

/** Folds `evs` in the order given, as the engine does: the plan's filter on the one event, then its projection. */
function foldIn(ca: CompiledCa, evs: readonly PersonEvent[], now: number): FoldState {
  const state = emptyState();
  for (const e of evs) {
    if (ca.filter && (ca.filter.evaluate({ events: [e.data], now }) as unknown[]).length === 0) continue;
    fold(ca.plan.fn!, ca.plan.size, state, { ts: e.ts, key: e.key, value: ca.projection ? ca.projection.evaluate({ profile: e.data, now: e.ts }) : null });
  }
  return state;
}

/** What is served: an evaluation that writes no row serves the expression's value over nothing. */
const served = (ca: CompiledCa, ev: Evaluation): unknown => (ev.state === null && ev.expiresAt === null ? emptyValue(ca) : ev.value);

function same(actual: unknown, expected: unknown, context: () => string): void {
  if (!isDeepStrictEqual(actual, expected)) assert.fail(`${context()}\n  got:      ${JSON.stringify(actual)}\n  expected: ${JSON.stringify(expected)}`);
}

const casesOf = (evs: readonly PersonEvent[]): string => JSON.stringify([...evs].sort(byTime).map((e) => [e.key.replace('\u0000', '/'), e.data]));

describe('fold ≡ PQL over the sorted events, whatever order the events are folded in', () => {
  const now = BASE + HOUR;
  const times = [BASE - 2 * MIN, BASE - MIN, BASE, BASE + 1];
  for (const [i, fn] of CA_FUNCTIONS.entries()) {
    it(fn, () => {
      const r = rng(1000 + i);
      for (let n = 0; n < 300; n++) {
        const filter = r.pick(FILTERS);
        const text = pqlOf(fn, filter, fn === 'LIST' ? 1 + r.int(4) : 1);
        const ca = compileCa(def(text, fn, null), []);
        assert.equal(ca.plan.fn, fn, text);
        assert.ok(ca.plan.incremental, text);
        const evs = history(r, fn, r.int(13), times);
        const expected = reference(fn, pql(text, evs, now));
        const ctx = () => `${text} (seed ${1000 + i}, case ${n}) over ${casesOf(evs)}`;
        const state = foldIn(ca, r.shuffle(evs), now);
        same(valueOf(fn, state), expected, ctx);
        // The stored state is JSON: it must stand for the same value after a round trip.
        same(valueOf(fn, JSON.parse(JSON.stringify(state)) as FoldState), expected, ctx);
        if (fn === 'MOST_RECENT' || fn === 'FIRST') {
          const kept = keptTimes(filter, evs, now);
          same(timestampOf(fn, state), kept.length === 0 ? undefined : fn === 'FIRST' ? Math.min(...kept) : Math.max(...kept), ctx);
        }
        // And through the engine, in yet another order.
        same(served(ca, evaluateWhole(ca, {}, r.shuffle(evs), now)), expected, ctx);
      }
    });
  }
});

/** An independent window: HOURS/DAYS roll (start exclusive), WEEKS from Sunday 00:00 UTC, MONTHS from the 1st. */
function oracleIn(d: Duration, ts: number, now: number): boolean {
  if (ts > now) return false;
  const t = new Date(now);
  switch (d.unit) {
    case 'HOURS': return ts > now - d.count * HOUR;
    case 'DAYS': return ts > now - d.count * DAY;
    case 'WEEKS': return ts >= Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate() - t.getUTCDay() - 7 * (d.count - 1));
    case 'MONTHS': return ts >= Date.UTC(t.getUTCFullYear(), t.getUTCMonth() - (d.count - 1), 1);
  }
}

describe('evaluateWhole with a duration: only the window counts, and the row expires when that changes', () => {
  const durations: Duration[] = [{ count: 2, unit: 'HOURS' }, { count: 1, unit: 'DAYS' }, { count: 3, unit: 'DAYS' }, { count: 1, unit: 'WEEKS' }, { count: 2, unit: 'WEEKS' }, { count: 1, unit: 'MONTHS' }, { count: 2, unit: 'MONTHS' }];
  for (const [i, fn] of CA_FUNCTIONS.entries()) {
    it(fn, () => {
      const r = rng(2000 + i);
      for (let n = 0; n < 80; n++) {
        const duration = r.pick(durations);
        const filter = r.pick(FILTERS);
        const text = pqlOf(fn, filter, fn === 'LIST' ? 1 + r.int(4) : 1);
        const ca = compileCa(def(text, fn, duration), []);
        const now = r.int(5) === 0 ? r.pick([Date.UTC(2024, 2, 10), Date.UTC(2024, 2, 1), Date.UTC(2024, 3, 1)]) : Date.UTC(2024, 2, 1 + r.int(31), r.int(24), r.int(60));
        const t = new Date(now);
        const sunday = Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate() - t.getUTCDay());
        const month = Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), 1);
        const prevMonth = Date.UTC(t.getUTCFullYear(), t.getUTCMonth() - 1, 1);
        // Every window's edge and 1 ms to either side, plus future events.
        const edges = [now, now - 2 * HOUR, now - DAY, now - 3 * DAY, sunday, sunday - 7 * DAY, month, prevMonth];
        const times = edges.flatMap((e) => [e - 1, e, e + 1]).filter((ts) => ts <= now);
        if (r.int(3) === 0) times.push(now + 1, now + HOUR);
        const evs = history(r, fn, r.int(13), times);
        const inside = evs.filter((e) => oracleIn(duration, e.ts, now));
        const ctx = () => `${text} ${duration.count} ${duration.unit} at ${iso(now)} (seed ${2000 + i}, case ${n}) over ${casesOf(evs)}`;
        const got = evaluateWhole(ca, {}, r.shuffle(evs), now);
        same(served(ca, got), reference(fn, pql(text, inside, now)), ctx);
        const kept = keptTimes(filter, inside, now);
        const leaves = kept.length === 0 ? undefined : expiryOf(ca.lookback, Math.min(...kept));
        const future = evs.filter((e) => e.ts > now).map((e) => e.ts);
        const parts = [...(leaves === undefined ? [] : [leaves]), ...future];
        same(got.expiresAt, parts.length === 0 ? null : Math.min(...parts), ctx);
      }
    });
  }
});

describe('evaluateNew on the stored state ≡ evaluateWhole over everything; folded events presented again change nothing', () => {
  const T = BASE;
  const now = T + 2 * MIN;
  for (const [i, fn] of CA_FUNCTIONS.entries()) {
    it(fn, () => {
      const r = rng(3000 + i);
      for (let n = 0; n < 100; n++) {
        const duration = r.pick<Duration | null>([null, { count: 1, unit: 'DAYS' }, { count: 1, unit: 'MONTHS' }]);
        const text = pqlOf(fn, r.pick(FILTERS), fn === 'LIST' ? 1 + r.int(4) : 1);
        const ca = compileCa(def(text, fn, duration), []);
        const count = r.int(13);
        const cut = r.int(count + 1);
        // The prefix was stored before the whole evaluation at T: long before (not remembered), or within the margin (remembered).
        const prefix = history(r, fn, count, [T - 30 * MIN, T - MIN, T, T + HOUR], () => r.pick([T - 3 * HOUR, T - SEEN_MARGIN_MS - 1, T - SEEN_MARGIN_MS, T - 1000, T]));
        // Fresh events: stored after T, or committed after T by a transaction that began within the margin; some late, some future.
        const fresh = prefix.splice(cut).map((e) => {
          const ts = r.pick([T - HOUR, T - MIN, T, T + MIN, now, now + HOUR]);
          return { ...e, ts, ingestedAt: r.pick([T + 1, now, T - 1000]), data: { ...(e.data as object), timestamp: iso(ts) } };
        });
        const ctx = () => `${text} (seed ${3000 + i}, case ${n}) prefix ${casesOf(prefix)} fresh ${casesOf(fresh)}`;
        const first = evaluateWhole(ca, {}, r.shuffle(prefix), T);
        const held = first.state === null && first.expiresAt === null ? undefined : { version: 1, state: first.state, expiresAt: first.expiresAt };
        const all = evaluateWhole(ca, {}, [...prefix, ...fresh], now);
        const inc = evaluateNew(ca, held, r.shuffle(fresh), now);
        if (inc === 'whole') {
          assert.equal(held, undefined, `only a missing row needs a whole evaluation here: ${ctx()}`);
          continue;
        }
        const got = inc === 'same' ? first : inc;
        same([served(ca, got), got.valueTs, got.expiresAt], [served(ca, all), all.valueTs, all.expiresAt], ctx);
        if (!held) continue;
        // Idempotence: everything the whole evaluation folded (same keys and ingestedAt), before and after the fresh
        // fold, leaves the value as it was (a remembered event is forgotten as its entry comes: the state may change).
        const unchanged = (from: Evaluation, again: Evaluation | 'whole' | 'same') => {
          assert.notEqual(again, 'whole', ctx());
          if (again !== 'same' && again !== 'whole') same([served(ca, again), again.valueTs], [served(ca, from), from.valueTs], ctx);
        };
        unchanged(first, evaluateNew(ca, held, r.shuffle(prefix), now));
        if (inc !== 'same') unchanged(inc, evaluateNew(ca, { version: 1, state: inc.state, expiresAt: inc.expiresAt }, r.shuffle(prefix), now));
      }
    });
  }
});

describe('definitions whose filter reads the clock', () => {
  it('are evaluated again at the refresh cadence, whatever their window says', () => {
    const ca = compileCa(def('xEvent[timestamp occurs today].count()', 'COUNT', { count: 7, unit: 'DAYS' }), []);
    assert.equal(ca.plan.incremental, false);
    const now = BASE;
    const got = evaluateWhole(ca, {}, [{ ts: now - HOUR, key: 'ds-a\u0000e1', ingestedAt: 0, data: { timestamp: iso(now - HOUR) } }], now);
    assert.equal(got.value, 1);
    // The 7-day window alone would keep the row until the event is a week old; "today" ends sooner.
    assert.equal(got.expiresAt, now + DAY);
  });
});

/** The edges the random cases found, as minimal cases. */
describe('edges found against PQL', () => {
  const now = BASE;
  const ev = (i: number, ts: number, v: unknown): PersonEvent => ({ ts, key: `ds-a\u0000e${i}`, ingestedAt: 0, data: { timestamp: iso(ts), v } });
  /** Folds in the order given (newest first below) and compares with the evaluator. */
  const check = (text: string, evs: PersonEvent[]) => {
    const ca = compileCa(def(text, null, null), []);
    same(valueOf(ca.plan.fn!, foldIn(ca, evs, now)), pql(text, evs, now), () => text);
  };
  it('SUM of doubles agrees with PQL to the last bits (the additions come in another order)', () => {
    const evs = [ev(3, BASE - 1, 0.3), ev(2, BASE - 2, 0.2), ev(1, BASE - 3, 0.1)];
    const ca = compileCa(def('xEvent.sum(v)', null, null), []);
    const folded = valueOf('SUM', foldIn(ca, evs, now)) as number;
    const expected = pql('xEvent.sum(v)', evs, now) as number;
    assert.ok(Math.abs(folded - expected) <= 1e-12 * Math.abs(expected), `${folded} vs ${expected}`);
  });
  it('MIN of one instant spelled two ways keeps the spelling of the earliest event', () => {
    check('xEvent.min(v)', [ev(2, BASE - 1, '2024-01-01'), ev(1, BASE - 2, '2024-01-01T00:00:00Z')]);
  });
  it('LIST keeps nulls inside array values, as a PQL path over a list does', () => {
    check('xEvent.topN(timestamp, 2).v', [ev(1, BASE - 1, [1, null])]);
  });
  it('LIST over no values is [], as in PQL', () => {
    check('xEvent.topN(timestamp, 2).v', [ev(1, BASE - 1, null)]);
  });
  it('COUNT_DISTINCT counts a null inside an array once', () => {
    check('xEvent.v.distinct().count()', [ev(1, BASE - 1, [1, null]), ev(2, BASE - 2, [null])]);
  });
  it('COUNT_DISTINCT tells equal objects apart, as PQL compares them by identity', () => {
    check('xEvent.v.distinct().count()', [ev(2, BASE - 1, { a: 1 }), ev(1, BASE - 2, { a: 1 })]);
  });
  it('expiryOf of a month expression window is when the window, clamping its day, lets the event go', () => {
    const l: Lookback = { duration: null, windows: [{ amount: 1, unit: 'month', inclusive: false }] };
    const ts = Date.UTC(2024, 2, 31);
    assert.equal(inWindow(l, ts, Date.UTC(2024, 4, 1) - 1), true, 'PQL and inWindow keep it until 1 May');
    assert.equal(expiryOf(l, ts), Date.UTC(2024, 4, 1));
  });
});
