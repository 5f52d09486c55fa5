/** One test per rule in docs/merge-rules.md, named after its heading, running the rule's worked example. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileMergePolicy, merge, mergeFragments, MergePolicyError } from './index.js';
import type { Fragment, JsonObject, MergePolicyRules } from './index.js';

const TS: MergePolicyRules = { attributeMerge: { type: 'timestampOrdered' }, identityGraph: { type: 'pdg' } };
const byOrder = (...order: string[]): MergePolicyRules => ({ attributeMerge: { type: 'dataSetPrecedence', order }, identityGraph: { type: 'pdg' } });

/** `A@5` in the doc: a fragment of dataset A ingested at 5 (ms), unless `fields` say otherwise. */
function frag(datasetId: string, ingestedAt: number, data: JsonObject, fields: Partial<Fragment> = {}): Fragment {
  const fragmentId = `${datasetId}:ECID:${ingestedAt}`;
  return { datasetId, fragmentId, primaryIdentity: { namespace: 'ECID', id: String(ingestedAt) }, data, ingestedAt, ...fields };
}
const entity = (fragments: Fragment[], rules: MergePolicyRules = TS) => merge(fragments, rules).entity;
/** Compares as JSON text, so key order counts too. */
const sameJson = (actual: unknown, expected: unknown) => assert.equal(JSON.stringify(actual), JSON.stringify(expected));
const audit = (lastUpdatedDate: unknown) => ({ extSourceSystemAudit: { lastUpdatedDate } });

describe('Which fragments take part, and in what order', () => {
  test('Ranking under timestampOrdered', () => {
    const a = frag('A', 5, { person: { maritalStatus: 'single' } });
    const b = frag('B', 9, { person: { maritalStatus: 'married' } });
    assert.deepEqual(entity([a, b]), { person: { maritalStatus: 'married' } });
    assert.deepEqual(entity([b, a]), { person: { maritalStatus: 'married' } });
  });

  test('Custom timestamps', () => {
    const a = frag('A', Date.parse('2024-06-01T00:00:00Z'), { tier: 'gold', ...audit('2020-01-01T00:00:00Z') });
    const b = frag('B', Date.parse('2024-05-01T00:00:00Z'), { tier: 'silver' });
    sameJson(entity([a, b]), { tier: 'silver', extSourceSystemAudit: { lastUpdatedDate: '2020-01-01T00:00:00Z' } });
    // And the other way round: a custom time later than every ingestion wins although ingested first.
    const c = frag('C', 1, { tier: 'bronze', ...audit('2030-01-01T00:00:00+01:00') });
    assert.equal(entity([a, b, c])['tier'], 'bronze');
  });

  test('Invalid custom timestamps fall back to ingestion time', () => {
    const b = frag('B', 5, { tier: 'silver' });
    for (const bad of ['2024-05-01', '2024-05-01T10:00:00', '2023-02-29T00:00:00Z', '2024-05-01T23:59:60Z', 1e15, '', null]) {
      // Were `bad` read as a date, A would count at 2024 (or 1e15) and beat B's 5; read as invalid, A counts at 9.
      const a = frag('A', 9, { tier: 'gold', ...audit(bad) });
      const early = frag('E', 7, { tier: 'early', ...audit('1970-01-01T00:00:00.006Z') });
      assert.equal(merge([a, b, early], TS).lastModifiedAt, 9, `lastUpdatedDate ${JSON.stringify(bad)}`);
      assert.equal(entity([b, a, early])['tier'], 'gold');
    }
  });

  test('Ranking under dataSetPrecedence', () => {
    const a = frag('A', 9, { tier: 'gold' });
    const b = frag('B', 1, { tier: 'silver' });
    assert.deepEqual(entity([a, b], byOrder('B', 'A')), { tier: 'silver' });
    assert.deepEqual(entity([a, b], byOrder('A', 'B', 'A')), { tier: 'gold' });
    assert.deepEqual(entity([a, b], byOrder('B', 'A', 'B')), { tier: 'silver' }, 'a repeated dataset keeps its first position');
  });

  test('Datasets not in order are excluded', () => {
    const a = frag('A', 1, { a: 1 });
    const c = frag('C', 9, { a: 2, c: 3, identityMap: { ECID: [{ id: 'c' }] } });
    const profile = merge([a, c], byOrder('A'));
    assert.deepEqual(profile, { entity: { a: 1 }, sources: ['A'], lastModifiedAt: 1 });
    assert.deepEqual(merge([a, c], byOrder()), { entity: {}, sources: [], lastModifiedAt: 0 });
  });

  test('Several fragments from one dataset', () => {
    const x = frag('A', 1, { city: 'Paris' });
    const y = frag('A', 7, { city: 'Lyon' });
    const b = frag('B', 9, { city: 'Nice' });
    assert.deepEqual(entity([x, y, b], byOrder('A', 'B')), { city: 'Lyon' });
    const custom = frag('A', 3, { city: 'Lille', ...audit('2099-01-01T00:00:00Z') });
    assert.equal(entity([x, y, custom], byOrder('A'))['city'], 'Lille', 'custom timestamps apply within a dataset too');
  });

  test('Ties', () => {
    const t = audit('2024-01-01T00:00:00Z');
    const a = frag('A', 5, { x: 'a' });
    const b = frag('B', 5, { x: 'b' });
    assert.deepEqual(entity([b, a]), { x: 'a' }, 'same time and ingestion: the smaller fragmentId wins');
    const a6 = frag('A', 6, { x: 'a', ...t });
    const b7 = frag('B', 7, { x: 'b', ...t });
    assert.equal(entity([a6, b7])['x'], 'b', 'same custom time: the later ingestion wins');
    assert.equal(entity([b7, a6], byOrder('A', 'B'))['x'], 'a', 'precedence outranks time');
  });
});

describe('Values', () => {
  test('Objects merge field by field', () => {
    const a = frag('A', 9, { person: { name: { firstName: 'Jane' } } });
    const b = frag('B', 1, { person: { name: { firstName: 'J', lastName: 'Doe' } } });
    assert.deepEqual(entity([a, b]), { person: { name: { firstName: 'Jane', lastName: 'Doe' } } });
  });

  test('Fields only in one fragment are taken from it', () => {
    const a = frag('A', 9, { a: 1 });
    const b = frag('B', 1, { b: { c: 2 } });
    sameJson(entity([b, a]), { a: 1, b: { c: 2 } });
  });

  test('Arrays are taken whole from the winner', () => {
    const b = frag('B', 1, { tags: ['new', 'promo'], items: [{ sku: 1, note: 'x' }] });
    assert.deepEqual(entity([frag('A', 9, { tags: ['vip'], items: [{ sku: 2, note: null }] }), b]), {
      tags: ['vip'],
      items: [{ sku: 2, note: null }],
    });
    assert.deepEqual(entity([frag('A', 9, { tags: [] }), b])['tags'], []);
  });

  test('Maps merge key by key', () => {
    const a = frag('A', 9, { scores: { churn: 0.1 } });
    const b = frag('B', 1, { scores: { churn: 0.5, ltv: 900 } });
    assert.deepEqual(entity([a, b]), { scores: { churn: 0.1, ltv: 900 } });
  });

  test('Nulls never overwrite', () => {
    const a = frag('A', 9, { phone: null, fax: null, list: [null, 1], zero: 0, no: false, empty: '', obj: {}, arr: [] });
    const b = frag('B', 1, { phone: '+33 1', zero: 5, no: true, empty: 'x', obj: { k: 1 }, arr: [1] });
    assert.deepEqual(entity([a, b]), { phone: '+33 1', list: [null, 1], zero: 0, no: false, empty: '', obj: { k: 1 }, arr: [] });
  });

  test("Conflicting kinds: the winner's kind decides", () => {
    const a = frag('A', 9, { a: { x: 1 } });
    const b = frag('B', 5, { a: 7 });
    const c = frag('C', 1, { a: { y: 2 } });
    assert.deepEqual(entity([a, b, c]), { a: { x: 1, y: 2 } });
    assert.deepEqual(entity([frag('A', 9, { a: 7 }), c]), { a: 7 });
    assert.deepEqual(entity([frag('A', 9, { a: ['x'] }), c]), { a: ['x'] });
  });

  test('Special keys are ordinary fields', () => {
    const a = frag('A', 9, JSON.parse('{"m":{"__proto__":{"x":1}},"__proto__":{"p":1}}'));
    const b = frag('B', 1, JSON.parse('{"m":{"constructor":2,"__proto__":{"y":2}},"toString":{"t":1}}'));
    const result = entity([a, b]);
    assert.equal(Object.getPrototypeOf(result), Object.prototype);
    assert.equal(Object.getPrototypeOf(result['m']), Object.prototype);
    assert.equal(JSON.stringify(result), '{"m":{"__proto__":{"x":1,"y":2},"constructor":2},"__proto__":{"p":1},"toString":{"t":1}}');
    // A fragment without the field must not contribute the inherited Object.prototype or Object.
    assert.equal(JSON.stringify(entity([frag('A', 9, { constructor: { c: 1 } }), frag('B', 1, { x: 1 })])), '{"constructor":{"c":1},"x":1}');
  });
});

describe('identityMap', () => {
  test('identityMap is the union of all fragments', () => {
    const a = frag('A', 9, { identityMap: { ECID: [{ id: '1' }], Phone: [] } });
    const b = frag('B', 1, { identityMap: { ECID: [{ id: '2' }, { id: '1' }, { id: '' }, 'junk'], Email: [{ id: 'j@x' }], Bad: 'x' } });
    sameJson(entity([b, a]), { identityMap: { ECID: [{ id: '1' }, { id: '2' }], Email: [{ id: 'j@x' }] } });
    sameJson(entity([b]), { identityMap: { ECID: [{ id: '2' }, { id: '1' }], Email: [{ id: 'j@x' }] } });
  });

  test('Identity items merge field by field', () => {
    const a = frag('A', 9, { identityMap: { Email: [{ id: 'j@x', authenticatedState: null }] } });
    const b = frag('B', 1, { identityMap: { Email: [{ id: 'j@x', authenticatedState: 'authenticated' }] } });
    const c = frag('C', 0, { identityMap: { Email: [{ id: 'j@x', authenticatedState: 'loggedOut', extra: { n: 1 } }] } });
    assert.deepEqual(entity([a, b, c]), { identityMap: { Email: [{ id: 'j@x', authenticatedState: 'authenticated', extra: { n: 1 } }] } });
  });

  test('One primary identity', () => {
    const a = frag('A', 9, { identityMap: { ECID: [{ id: '1', primary: true }, { id: '2', primary: true }] } });
    const b = frag('B', 1, { identityMap: { CRMID: [{ id: 'c', primary: true }], Email: [{ id: 'j@x' }] } });
    assert.deepEqual(entity([b, a]), {
      identityMap: { ECID: [{ id: '1', primary: true }, { id: '2', primary: false }], CRMID: [{ id: 'c', primary: false }], Email: [{ id: 'j@x' }] },
    });
    const none = frag('N', 20, { identityMap: { ECID: [{ id: '2', primary: false }] } });
    assert.deepEqual(entity([a, none])['identityMap'], { ECID: [{ id: '2', primary: false }, { id: '1', primary: true }] }, 'the best fragment that flags one decides');
  });

  test('Namespace codes compare case-insensitively', () => {
    const a = frag('A', 9, { identityMap: { email: [{ id: 'j@x' }] } });
    const b = frag('B', 1, { identityMap: { Email: [{ id: 'j@x' }, { id: 'J@x' }] } });
    sameJson(entity([b, a]), { identityMap: { email: [{ id: 'j@x' }, { id: 'J@x' }] } });
  });
});

describe('The result', () => {
  test('sources', () => {
    const fragments = [frag('A', 9, { x: 1 }), frag('B', 1, { x: 2 }), frag('C', 5, { y: 3 }), frag('A', 2, {})];
    assert.deepEqual(merge(fragments, byOrder('B', 'A')), { entity: { x: 2 }, sources: ['B', 'A'], lastModifiedAt: 9 });
    assert.deepEqual(merge(fragments, TS).sources, ['A', 'C', 'B'], 'every dataset that took part, best first, even if it supplied nothing');
  });

  test('lastModifiedAt', () => {
    const a = frag('A', 100, audit('1970-01-01T00:00:00.300Z'));
    const b = frag('B', 200, {});
    assert.equal(merge([a, b], TS).lastModifiedAt, 300);
    assert.equal(merge([a, b], byOrder('B', 'A')).lastModifiedAt, 300);
    assert.equal(merge([a, b], byOrder('B')).lastModifiedAt, 200);
  });

  test('Empty input', () => {
    const empty = { entity: {}, sources: [], lastModifiedAt: 0 };
    assert.deepEqual(merge([], TS), empty);
    assert.deepEqual(merge([frag('X', 5, { a: 1 })], byOrder('A')), empty);
    const bodiless = frag('A', 5, null as unknown as JsonObject);
    assert.deepEqual(merge([bodiless], TS), { entity: {}, sources: ['A'], lastModifiedAt: 5 });
  });

  test('The result shares nothing with the input', () => {
    const data = () => ({ tags: ['a'], p: { n: { f: 'x' }, list: [{ k: 1 }] }, identityMap: { ECID: [{ id: '1', primary: true }] } });
    const fragments = [frag('A', 1, deepFreeze(data())), frag('B', 2, deepFreeze({ p: { n: { l: 'y' } } }))];
    for (const fs of [[fragments[0]!], fragments]) {
      const { entity: result } = merge(fs, TS); // frozen inputs: any write to them would throw in strict mode
      const inputs = new Set<object>();
      collectObjects(fs.map((f) => f.data), inputs);
      const outputs = new Set<object>();
      collectObjects(result, outputs);
      assert.deepEqual([...outputs].filter((o) => inputs.has(o)), []);
      (result['tags'] as unknown[]).push('b');
      assert.deepEqual(fragments[0]!.data, data());
    }
  });

  test('Provenance', () => {
    const a = frag('A', 9, { a: 1, o: { x: 1 }, identityMap: { ECID: [{ id: '1' }] } });
    const b = frag('B', 1, { a: 2, b: [3], o: { y: 'z', 'k/~': 1 }, identityMap: { ECID: [{ id: '1' }, { id: '2' }] } });
    const plan = compileMergePolicy(TS);
    const { provenance } = mergeFragments(plan, [b, a], { provenance: true });
    const A = { datasetId: 'A', fragmentId: a.fragmentId };
    const B = { datasetId: 'B', fragmentId: b.fragmentId };
    assert.deepEqual(provenance, { '/a': A, '/o/x': A, '/o/y': B, '/o/k~1~0': B, '/identityMap/ECID/0': A, '/identityMap/ECID/1': B, '/b': B });
    assert.equal(mergeFragments(plan, [a, b]).provenance, undefined);
  });
});

describe('Policies', () => {
  test('Invalid policies are rejected', () => {
    const invalid: unknown[] = [
      { attributeMerge: { type: 'dataSetPrecedence' }, identityGraph: { type: 'pdg' } },
      { attributeMerge: { type: 'dataSetPrecedence', order: ['A', 3] }, identityGraph: { type: 'pdg' } },
      { attributeMerge: { type: 'newest' }, identityGraph: { type: 'pdg' } },
      { attributeMerge: { type: 'timestampOrdered' }, identityGraph: { type: 'auto' } },
      { identityGraph: { type: 'none' } },
      null,
    ];
    for (const rules of invalid) {
      assert.throws(() => compileMergePolicy(rules as MergePolicyRules), (e: unknown) => e instanceof MergePolicyError && e.code === 'MERGE_POLICY_INVALID');
    }
    const plan = compileMergePolicy(byOrder('A', 'B'));
    assert.ok(Object.isFrozen(plan));
    assert.deepEqual([plan.attributeMerge, plan.identityGraph, [...plan.precedence!]], ['dataSetPrecedence', 'pdg', [['A', 0], ['B', 1]]]);
  });
});

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function collectObjects(value: unknown, into: Set<object>): void {
  if (value === null || typeof value !== 'object') return;
  into.add(value);
  for (const v of Object.values(value)) collectObjects(v, into);
}
