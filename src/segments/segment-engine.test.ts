/** Monotonicity in events (what lets members skip re-evaluation and non-members skip expiry rows), and expiry times. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePql } from '../pql/index.js';
import type { SegmentDefinition } from './segment.js';
import { compileSegment, eventsMonotone, expiryOf } from './segment-engine.js';

const DAY = 'timestamp occurs < 24 hours before now';
const H = 3_600_000;

function def(pql: string): SegmentDefinition {
  return { tenantId: 1, id: 's', name: 's', description: '', expression: { type: 'PQL', format: 'pql/text', value: pql }, pql, schemaName: '_xdm.context.profile', mergePolicyId: '', evaluationInfo: { batch: { enabled: false }, continuous: { enabled: true }, synchronous: { enabled: false } }, mode: 'streaming', reasons: [], segments: [], readsEvents: true, version: 1, createdAt: 0, updatedAt: 0 };
}

describe('segment engine', () => {
  it('recognises definitions that more events can only help, and refuses the rest', () => {
    for (const pql of [
      'homeAddress.city = "Lisbon"',
      `xEvent[eventType = "x" and ${DAY}].count() > 0`,
      `xEvent[${DAY}].count() >= 3 or person.name.lastName = "Smith"`,
      `2 < xEvent[${DAY}].count()`,
      `CHAIN(xEvent, timestamp, [A: WHAT(eventType = "a") WHEN(< 24 hours before now), B: WHAT(eventType = "b") WHEN(< 24 hours before now)])`,
      `select X from xEvent where X.eventType = "a"`,
    ]) assert.equal(eventsMonotone(parsePql(pql).body), true, pql);
    for (const pql of [
      // An event condition that reads other events: a later purchase can undo it.
      `exists X from xEvent where X.eventType = "browse" and not (exists Y from xEvent where Y.eventType = "buy")`,
      `xEvent[eventType = "x" and ${DAY}].count() = 0`,
      `xEvent[${DAY}].count() < 3`,
      `not (xEvent[${DAY}].count() > 0)`,
      `xEvent[${DAY}].sum(commerce.order.priceTotal) > 100`,
      `xEvent[${DAY}].count() > 0 and xEvent[eventType = "b" and ${DAY}].count() = 0`,
    ]) assert.equal(eventsMonotone(parsePql(pql).body), false, pql);
  });

  it('dates expiry from events leaving windows for members and non-monotone definitions, from future events only otherwise', () => {
    const now = Date.UTC(2026, 5, 10, 12);
    const events = [{ timestamp: new Date(now - 2 * H).toISOString() }, { timestamp: new Date(now + H).toISOString() }, { timestamp: new Date(now - 30 * H).toISOString() }];
    const monotone = compileSegment(def(`xEvent[${DAY}].count() > 0`));
    assert.equal(expiryOf(monotone, events, now, true), now - 2 * H + 24 * H + 1);
    assert.equal(expiryOf(monotone, events, now, false), now + H);
    const negated = compileSegment(def(`xEvent[${DAY}].count() = 0`));
    assert.equal(expiryOf(negated, events, now, false), now + H);
    assert.equal(expiryOf(negated, events.slice(0, 1), now, false), now - 2 * H + 24 * H + 1);
    assert.equal(expiryOf(negated, events.slice(0, 1), now, true), now - 2 * H + 24 * H + 1);
    assert.equal(expiryOf(monotone, [], now, true), null);
    // A calendar period ends on its boundary: the hour for `this hour`, midnight UTC for `today`.
    const hour = compileSegment(def('xEvent[timestamp occurs this hour].count() > 0'));
    assert.equal(expiryOf(hour, [{ timestamp: new Date(now - 60_000).toISOString() }], now + 30 * 60_000, true), now + H);
    const today = compileSegment(def('xEvent[timestamp occurs today].count() > 0'));
    assert.equal(expiryOf(today, [{ timestamp: new Date(now - 60_000).toISOString() }], now, true), Date.UTC(2026, 5, 11));
    assert.equal(expiryOf(compileSegment({ ...def(`xEvent[${DAY}].count() > 0`), mode: 'batch' }), events, now, true), null);
  });
});
