/** The checker: return types (the §8.1 result-type column), schema paths, dependencies and definite type errors. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PqlError, checkPql } from '../index.js';
import { ALL_CASES } from './tables.js';

const DL7 = 'xEvent[(timestamp occurs < 7 days before now) and eventType="download"]';
const identityItem = { type: 'object', properties: { id: { type: 'string' }, primary: { type: 'boolean' } } };
const PROFILE_SCHEMA = {
  type: 'object',
  definitions: { address: { type: 'object', properties: { country: { type: 'string' }, countryCode: { type: 'string' } } } },
  properties: {
    person: {
      type: 'object',
      properties: {
        name: { type: 'object', properties: { firstName: { type: 'string' } } },
        birthDate: { type: 'string', format: 'date' },
        birthYear: { type: 'integer' },
        gender: { type: 'string' },
      },
    },
    homeAddress: { $ref: '#/definitions/address' },
    identityMap: { type: 'object', 'meta:xdmType': 'map', additionalProperties: { type: 'array', items: identityItem } },
    loyalty: { allOf: [{ type: 'object', properties: { points: { type: 'number' } } }, { properties: { tier: { type: 'string' } } }] },
  },
};
const EVENT_SCHEMA = {
  type: 'object',
  properties: {
    eventType: { type: 'string' },
    timestamp: { type: 'string', format: 'date-time' },
    product: { type: 'string' },
    commerce: { type: 'object', properties: { order: { type: 'object', properties: { priceTotal: { type: 'number' }, quantity: { type: 'integer' } } } } },
    productListItems: { type: 'array', items: { type: 'object', properties: { SKU: { type: 'string' } } } },
  },
};
const schema = { profile: PROFILE_SCHEMA, event: EVENT_SCHEMA };

describe('return types (ref §8.1 result-type column)', () => {
  const rows: [string, string, string][] = [
    [`${DL7}.count()`, 'number', 'integer'],
    [`${DL7}.sum(commerce.order.priceTotal)`, 'number', 'number'],
    [`${DL7}.sum(commerce.order.quantity)`, 'number', 'integer'],
    [`${DL7}.sum(commerce.order.priceTotal) / ${DL7}.count()`, 'number', 'number'],
    [`${DL7}.sum(commerce.order.priceTotal) > 100`, 'boolean', 'boolean'],
    ['chain(xEvent, timestamp, [A: WHAT(eventType = "transaction") WHEN(< 7 days before now)])', 'boolean', 'boolean'],
    [`${DL7}.min(commerce.order.priceTotal)`, 'number', 'number'],
    [`${DL7}.groupBy(product).map((K, G) => mapEntry(K, G.count()))`, 'map', 'map<integer>'],
    [`${DL7}.groupBy(product).map((K, G) => mapEntry(K, G.sum(commerce.order.priceTotal)))`, 'map', 'map<number>'],
    [`${DL7}.groupBy(product).map((K, G) => mapEntry(K, G.count())) / ${DL7}.groupBy(product).map((K, G) => mapEntry(K, G.count()))`, 'map', 'map<number>'],
    ['if(person.gender = "female", 60, 65)', 'number', 'integer'],
    ['if(person.gender = "female", 60, 65.5)', 'number', 'number'],
    ['person.birthYear >= 2000', 'boolean', 'boolean'],
    ['if(homeAddress.countryCode in ["US","MX","CA"], "NA", "ROW")', 'string', 'string'],
    [`${DL7}.groupBy(product).map((K, G) => mapEntry(K, G.sum(commerce.order.priceTotal) > 100))`, 'map', 'map<boolean>'],
    [`${DL7}.groupBy(product).map((K, G) => mapEntry(K, {"count": G.count(), "sum": G.sum(commerce.order.priceTotal)}))`, 'map', 'map<object>'],
    ['now', 'date-time', 'date-time'],
    ['date(2020, 1, 1)', 'date-time', 'date'],
    ['person.birthDate', 'date-time', 'date'],
    ['xEvent.timestamp', 'array', 'array<date-time>'],
    ['xEvent.productListItems.SKU', 'array', 'array<string>'],
    ['xEvent[eventType = "x"]', 'array', 'array<object>'],
    ['xEvent[eventType = "x"].head().commerce.order.priceTotal', 'number', 'number'],
    ['identityMap.get("ECID")', 'array', 'array<object>'],
    ['identityMap.get("ECID").id', 'array', 'array<string>'],
    ['identityMap.keys()', 'array', 'array<string>'],
    ['{"a": 1, "b": person.name.firstName}', 'object', 'object'],
    ['loyalty.points + 1', 'number', 'number'],
    ['loyalty.tier', 'string', 'string'],
    ['homeAddress.country', 'string', 'string'],
    ['person.name.firstName.regexGroup("(J)")', 'string', 'string'],
    ['let S = (sum X.commerce.order.priceTotal over X from xEvent) in S', 'number', 'number'],
    ['count X over X from xEvent', 'number', 'integer'],
    ['select X from xEvent where X.eventType = "a"', 'array', 'array<object>'],
    ['exists X from xEvent where X.eventType = "a"', 'boolean', 'boolean'],
    ['xdm:person.xdm:gender', 'string', 'string'],
  ];
  for (const [expr, returnType, name] of rows) {
    test(`${expr.slice(0, 100)} → ${name}`, () => {
      const r = checkPql(expr, schema);
      assert.equal(r.returnType, returnType);
      assert.equal(r.typeName, name);
    });
  }

  test('without a schema, fields are of unknown type', () => {
    assert.equal(checkPql('person.age').returnType, 'any');
    assert.equal(checkPql('person.age + 1').typeName, 'number');
  });
});

describe('dependencies', () => {
  test('profile and event paths the definition reads', () => {
    const r = checkPql(`person.birthYear > 1990 and ${DL7}.count() > 0 and chain(xEvent, timestamp, [A: WHAT(productListItems[SKU = "x"])])`, schema);
    assert.deepEqual(r.paths, { profile: ['person.birthYear'], event: ['eventType', 'productListItems.SKU', 'timestamp'] });
  });
  test('variables and lambda heads keep their origin', () => {
    const r = checkPql('(P) => P.person.gender = "f" and exists E from xEvent where E.commerce.order.priceTotal > 1', schema);
    assert.deepEqual(r.paths, { profile: ['person.gender'], event: ['commerce.order.priceTotal'] });
  });
});

describe('schema errors', () => {
  const rejects = (expr: string, code: string, detail: RegExp): void => {
    assert.throws(() => checkPql(expr, schema), (e: unknown) => e instanceof PqlError && e.code === code && detail.test(e.detail));
  };
  test('an unknown profile field suggests the nearest one', () => rejects('person.nmae.firstName = "x"', 'PQL_UNKNOWN_FIELD', /did you mean 'name'/));
  test('an unknown event field inside a filter', () => rejects('xEvent[eventTyp = "x"].count()', 'PQL_UNKNOWN_FIELD', /on event/));
  test('an unknown field through an array', () => rejects('xEvent.productListItems.sku', 'PQL_UNKNOWN_FIELD', /did you mean 'SKU'/));
  test('the §9 doc defect: var1 is not bound', () => rejects('chain(xEvent, timestamp, [X: WHAT(var1.a = "true")])', 'PQL_UNKNOWN_FIELD', /var1/));
  test('a string method on an integer', () => rejects('person.birthYear.startsWith("19")', 'PQL_TYPE', /startsWith\(\) needs a string/));
  test('arithmetic on a string', () => rejects('person.gender * 2', 'PQL_TYPE', /needs numbers/));
  test('occurs on a boolean', () => rejects('(person.birthYear > 1) occurs today', 'PQL_TYPE', /occurs needs a date/));
  test('a time reference that is not a time', () => rejects('xEvent.timestamp occurs before true', 'PQL_TYPE', /time reference/));
  test('getMonth of a boolean', () => rejects('(1 = 1).getMonth()', 'PQL_TYPE', /a date or date-time/));
  test('errors carry the position and caret', () => {
    try {
      checkPql('person.birthYear > 1 and person.nmae = "x"', schema);
      assert.fail('expected an error');
    } catch (e) {
      assert.ok(e instanceof PqlError);
      assert.equal(e.column, 26);
      assert.match(e.excerpt, /\^{11}/);
    }
  });
});

describe('every case of the tables', () => {
  // Deliberately ill-typed cases: they evaluate to null/false, and the checker rejects them up front
  // (the last one looks `tags` up on each string of the list, which is never what the author meant).
  const illTyped = new Set(['"a" + 1', 'true + 1', 'true occurs today', 'all t from ["a", "b"] where t in tags']);
  test('checks without a schema, except the deliberately ill-typed ones', () => {
    const rejected: string[] = [];
    for (const k of ALL_CASES) {
      try {
        checkPql(k.expr);
      } catch (e) {
        assert.ok(e instanceof PqlError, String(e));
        rejected.push(k.expr);
      }
    }
    assert.deepEqual(new Set(rejected), illTyped);
  });
});
