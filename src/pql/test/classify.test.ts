/** The ref §10.4 classifier on every PQL of the §10 tables (current rules), plus the inSegment and window details. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classifyPql, type PqlMode } from '../index.js';

const CHECKOUT_TODAY = 'CHAIN(xEvent, timestamp, [C0: WHAT(eventType.equals("commerce.checkouts", false)) WHEN(today)])';
const ROWS: [string, PqlMode, RegExp][] = [
  // §10.1 streaming, current rules
  [CHECKOUT_TODAY, 'streaming', /single event within 24 hours/],
  ['homeAddress.country.equals("Canada", false)', 'streaming', /profile-only/],
  [`workAddress.country.equals("Canada", false) and ${CHECKOUT_TODAY}`, 'streaming', /single event/],
  ['workAddress.country.equals("US", false) and CHAIN(xEvent, timestamp, [C0: WHAT(eventType.equals("directMarketing.emailClicked", false)) WHEN(today), C1: WHAT(eventType.equals("commerce.checkouts", false)) WHEN(today)])', 'streaming', /strict time order/],
  // §10.3 the older edge table, judged by the 2025 rules
  ['chain(xEvent, timestamp, [A: WHAT(eventType = "addToCart")])', 'batch', /no time window/],
  ['homeAddress.countryCode = "US"', 'streaming', /profile-only/],
  ['homeAddress.countryCode = "US" and chain(xEvent, timestamp, [A: WHAT(eventType = "addToCart")])', 'batch', /no time window/],
  ['not(chain(xEvent, timestamp, [A: WHAT(eventType = "homePageView")]))', 'batch', /negated|no time window/],
  ['chain(xEvent, timestamp, [X: WHAT(eventType = "addToCart") WHEN(< 8 days before now)])', 'batch', /longer than 24 hours/],
  ['homeAddress.countryCode = "US" and chain(xEvent, timestamp, [X: WHAT(eventType = "addToCart") WHEN(< 8 days before now)])', 'batch', /longer than 24 hours/],
  ['homeAddress.countryCode = "US" and not(chain(xEvent, timestamp, [X: WHAT(eventType = "addToCart") WHEN(< 8 days before now)]))', 'batch', /longer than 24 hours/],
  ['chain(xEvent, timestamp, [A: WHAT(eventType = "homePageView") WHEN(< 24 hours before now) COUNT(5) ] )', 'streaming', /single event/],
  ['homeAddress.countryCode = "US" and chain(xEvent, timestamp, [A: WHAT(eventType = "homePageView") WHEN(< 24 hours before now) COUNT(5) ] )', 'streaming', /single event/],
  ['not(chain(xEvent, timestamp, [A: WHAT(eventType = "homePageView") WHEN(< 24 hours before now) COUNT(5) ] ))', 'batch', /whole expression is negated/],
  ['chain(xEvent, timestamp, [X: WHAT(eventType = "homePageView") WHEN(< 24 hours before now)]) and chain(xEvent, timestamp, [X: WHAT(eventType = "checkoutPageView") WHEN(< 24 hours before now)])', 'streaming', /events all within 24 hours/],
  ['homeAddress.countryCode = "US" and inSegment("existing segment")', 'edge', /segment of segments/],
  ['chain(xEvent, timestamp, [A: WHAT(eventType = "addToCart") WHERE(externalSegmentMapProperty.values().exists(stringProperty="active"))])', 'batch', /no time window/],
  ['inSegment("a730ed3f") and inSegment("8fbbe169")', 'edge', /segment of segments/],
  // §10.4 details
  ['homeAddress.countryCode = "US" and not(chain(xEvent, timestamp, [X: WHAT(eventType = "addToCart") WHEN(< 24 hours before now)]))', 'streaming', /single event/],
  ['chain(xEvent, timestamp, [A: WHAT(eventType = "x") WHEN(<= 24 hours before now)])', 'streaming', /single event/],
  ['chain(xEvent, timestamp, [A: WHAT(eventType = "x") WHEN(< 25 hours before now)])', 'batch', /longer than 24 hours/],
  ['chain(xEvent, timestamp, [A: WHAT(eventType = "x") WHEN(< 1 day before now)])', 'streaming', /single event/],
  ['chain(xEvent, timestamp, [A: WHAT(eventType = "x") WHEN(yesterday)])', 'batch', /longer than 24 hours/],
  ['chain(xEvent, timestamp, [A: WHAT(eventType = "x") WHEN(today), B: WHAT(eventType = "y")])', 'batch', /step B/],
  ['xEvent[timestamp occurs < 24 hours before now and eventType = "x"].count() > 0', 'streaming', /single event/],
  ['exists E from xEvent where E.timestamp occurs today', 'streaming', /single event/],
  ['exists E from xEvent where E.eventType = "x"', 'batch', /without a time window/],
  ['exists E from xEvent where timestamp occurs today', 'streaming', /single event/],
  ['xEvent[(timestamp occurs < 7 days before now) and eventType="download"].count()', 'batch', /longer than 24 hours/],
  ['xEvent.metrics.commerce.abandons.value > 0', 'batch', /without a time window/],
  ['xEvent[timestamp occurs today].sum(commerce.order.priceTotal) > 3', 'batch', /aggregates event values/],
  ['sum X.commerce.order.priceTotal over X from xEvent where timestamp occurs today', 'batch', /aggregates/],
];

describe('evaluation mode of the §10 PQL', () => {
  for (const [expr, mode, why] of ROWS) {
    test(`${mode}: ${expr.slice(0, 110)}`, () => {
      const r = classifyPql(expr);
      assert.equal(r.mode, mode, r.reasons.join('; '));
      assert.equal(r.streaming, mode === 'streaming');
      assert.equal(r.edge, mode !== 'batch');
      assert.ok(r.reasons.some((x) => why.test(x)), r.reasons.join('; '));
    });
  }
});

describe('inSegment combined with an event (ref §10.1 mixing batch and streaming)', () => {
  const expr = `inSegment("batch-seg") and ${CHECKOUT_TODAY}`;
  test('a profile-only target is streaming', () => {
    assert.equal(classifyPql(expr, { segmentKind: () => 'profile' }).mode, 'streaming');
  });
  test('an event-based target is batch', () => {
    const r = classifyPql(expr, { segmentKind: () => 'events' });
    assert.equal(r.mode, 'batch');
    assert.match(r.reasons.join(), /itself built on events/);
  });
  test('an unknown target is batch, and says why', () => {
    assert.match(classifyPql(expr).reasons.join(), /cannot tell whether inSegment\("batch-seg"\)/);
  });
  test('the referenced ids are listed', () => assert.deepEqual(classifyPql(expr).segments, ['batch-seg']));
});

describe('Segment Builder warnings and edge notes', () => {
  test('more than three aggregations', () => {
    const r = classifyPql('xEvent.count() + xEvent.sum(a) + xEvent.min(a) + xEvent.max(a) > 0');
    assert.match(r.warnings.join(), /4 aggregation functions/);
  });
  test('arrays nested more than two levels', () => {
    const r = classifyPql('xEvent[a[b[c = 1]]].count() > 0');
    assert.match(r.warnings.join(), /nested 3 levels/);
  });
  test('edge verdicts carry the one-primary-identity precondition', () => {
    assert.match(classifyPql('homeAddress.countryCode = "US"').reasons.join(), /exactly one primary identity/);
  });
  test('the windows are reported per event use', () => {
    assert.deepEqual(classifyPql(CHECKOUT_TODAY).events, [{ kind: 'chain', window: 'today', withinDay: true }]);
  });
});
