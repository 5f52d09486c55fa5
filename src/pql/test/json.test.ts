/** pql/json: the adobe/xdm fixtures round-trip, Adobe's conversion example, tolerant reading, and text → json → text. */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { compilePql, formatPql, fromPqlJson, parsePql, toPqlJson } from '../index.js';
import { contextOf, run, type EvalCase } from './case.js';
import { TABLES } from './tables.js';
import { OFFERS, OFFER_MODEL } from './fixtures.js';
import { SHARED, needsShared, sharedPath } from '../../../test/support/shared-files.js';

const readFixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(sharedPath(SHARED.pqlJson), name), 'utf8'));
const astOf = (name: string): Record<string, unknown> => {
  const doc = readFixture(name);
  return (doc['xdm:value'] as Record<string, unknown>) ?? doc;
};

describe('adobe/xdm pql/json fixtures', needsShared(SHARED.pqlJson), () => {
  const fixtureNames = readdirSync(sharedPath(SHARED.pqlJson)).filter((f) => f.includes('.example.'));
  test('there are four example files', () => assert.equal(fixtureNames.length, 4));
  for (const name of fixtureNames) {
    test(`${name}: json → AST → json is the identity`, () => {
      const json = astOf(name);
      assert.deepStrictEqual(toPqlJson(fromPqlJson(json)), json);
    });
    test(`${name}: json → text → AST → json is the identity`, () => {
      const json = astOf(name);
      const text = formatPql(fromPqlJson(json));
      assert.deepStrictEqual(toPqlJson(parsePql(text)), json);
    });
    test(`${name}: the JSON string form reads the same`, () => {
      const json = astOf(name);
      assert.deepStrictEqual(toPqlJson(fromPqlJson(JSON.stringify(json))), json);
    });
  }

  const offers = { [OFFER_MODEL]: OFFERS };
  test('example 1.1b selects the offers with a representation in placement-1001', () => {
    const q = compilePql(fromPqlJson(astOf('filter-expression.example.1.1b.json')));
    assert.deepStrictEqual(q.evaluate({ models: offers }), [OFFERS[0]]);
  });
  test('example 2.3b selects the offers carrying all of the listed tags', () => {
    const q = compilePql(fromPqlJson(astOf('filter-expression.example.2.3b.json')));
    assert.deepStrictEqual(q.evaluate({ models: offers }), [OFFERS[0]]);
  });
  test('example 3.1 selects a profile by name, or one whose events are all in Tōkyō', () => {
    const q = compilePql(fromPqlJson(astOf('filter-expression.example.3.1.json')));
    const tokyo = { endUserIDs: ['u1'], placecontext: { geo: { city: 'Tōkyō' } } };
    const paris = { endUserIDs: ['u1'], placecontext: { geo: { city: 'Paris' } } };
    const someone = { person: { firstName: 'Ann', lastName: 'Lee' }, identities: ['u1'] };
    assert.deepStrictEqual(q.evaluate({ profile: { person: { firstName: 'Dennis' } }, events: [paris] }), [{ person: { firstName: 'Dennis' } }]);
    assert.deepStrictEqual(q.evaluate({ profile: someone, events: [tokyo] }), [someone]);
    assert.deepStrictEqual(q.evaluate({ profile: someone, events: [tokyo, paris] }), []);
  });

  test('the eligibility rule: its text and JSON forms agree where their conditions coincide', () => {
    const doc = readFixture('eligibility-rule.example.1.json');
    const fromJson = compilePql(fromPqlJson(doc['xdm:value']));
    const fromText = compilePql(String(doc['xdm:valueAsText']));
    const profile = { homeAddress: { stateOrProvince: 'CA' }, identities: ['111'] };
    const big = { endUserIDs: ['111'], commerce: { order: { priceTotal: 1500, currencyCode: 'USD' } } };
    const small = { endUserIDs: ['111'], commerce: { order: { priceTotal: 500, currencyCode: 'USD' } } };
    for (const [events, expected] of [[[big], true], [[small], false], [[small, big], true], [[], false]] as const) {
      assert.equal(fromJson.evaluate({ profile, events }), expected);
      assert.equal(fromText.evaluate({ profile, events }), expected);
    }
    assert.equal(fromJson.evaluate({ profile: { homeAddress: { stateOrProvince: 'NV' }, identities: ['111'] }, events: [big] }), false);
  });
});

describe('reading pql/json', () => {
  test('ref §6: workAddress.country = "US" converts exactly as documented', () => {
    const documented = {
      nodeType: 'fnApply', fnName: '=', params: [
        { nodeType: 'fieldLookup', fieldName: 'country', object: { nodeType: 'fieldLookup', fieldName: 'workAddress', object: { nodeType: 'parameterReference', position: 1 } } },
        { nodeType: 'literal', literalType: 'String', value: 'US' },
      ],
    };
    assert.deepStrictEqual(toPqlJson(parsePql('workAddress.country = "US"')), documented);
    assert.equal(formatPql(fromPqlJson(documented)), 'workAddress.country = "US"');
  });

  test('envelopes in either format, and text where JSON was promised (ref §6)', () => {
    const expected = toPqlJson(parsePql('workAddress.country = "US"'));
    assert.deepStrictEqual(toPqlJson(fromPqlJson({ type: 'PQL', format: 'pql/text', value: 'workAddress.country = "US"' })), expected);
    assert.deepStrictEqual(toPqlJson(fromPqlJson({ type: 'PQL', format: 'pql/json', value: JSON.stringify(expected) })), expected);
    assert.deepStrictEqual(toPqlJson(fromPqlJson({ type: 'PQL', format: 'pql/json', value: 'workAddress.country = "US"' })), expected);
    assert.deepStrictEqual(toPqlJson(fromPqlJson('workAddress.country = "US"')), expected);
  });

  test('Sources-style filters: no literalType, an array value, upper-case NOT, no object on fieldLookup', () => {
    const q = fromPqlJson({
      nodeType: 'fnApply', fnName: 'NOT', params: [{
        nodeType: 'fnApply', fnName: 'in', params: [{ nodeType: 'fieldLookup', fieldName: 'country' }, { nodeType: 'literal', value: ['US', 'CA'] }],
      }],
    });
    assert.equal(formatPql(q), 'not (country in ["US", "CA"])');
    assert.equal(compilePql(q).evaluate({ profile: { country: 'FR' } }), true);
  });

  test('a three-parameter = is a string comparison with a case flag', () => {
    const q = fromPqlJson({ nodeType: 'fnApply', fnName: '=', params: [
      { nodeType: 'fieldLookup', fieldName: 'a' }, { nodeType: 'literal', literalType: 'String', value: 'X' }, { nodeType: 'literal', literalType: 'Boolean', value: false },
    ] });
    assert.equal(compilePql(q).evaluate({ profile: { a: 'x' } }), true);
  });

  test('a lambda head is a root fnCreate', () => {
    const text = '(Profile) => Profile.a = 1';
    const json = toPqlJson(parsePql(text));
    assert.equal(json.nodeType, 'fnCreate');
    assert.equal(formatPql(fromPqlJson(json)), text);
  });
});

describe('text → json → text for every case in the tables', () => {
  let n = 0;
  for (const [name, cases] of Object.entries(TABLES)) {
    cases.forEach((k: EvalCase, i) => {
      n++;
      test(`${name} ${i + 1}: ${k.expr.replace(/\s+/g, ' ').slice(0, 90)}`, () => {
        const json = toPqlJson(parsePql(k.expr));
        const back = fromPqlJson(JSON.parse(JSON.stringify(json)));
        assert.deepStrictEqual(toPqlJson(back), json, 'pql/json is a fixed point');
        const text = formatPql(back);
        assert.deepStrictEqual(toPqlJson(parsePql(text)), json, `formatted text reads back: ${text}`);
        assert.equal(formatPql(parsePql(text)), text, 'the formatter is stable');
        assert.deepStrictEqual(run({ ...k, expr: text }), k.expect, `formatted text evaluates the same: ${text}`);
        assert.deepStrictEqual(compilePql(back, k.options).evaluate(contextOf(k)), k.expect, 'the JSON form evaluates the same');
      });
    });
  }
  test('covers at least 300 expressions', () => assert.ok(n >= 300, String(n)));
});
