/** Property tests (fast-check): promises the merge rules make together, checked on random fragments and policies. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { merge } from './index.js';
import type { Fragment, JsonObject, MergePolicyRules } from './index.js';

const TS: MergePolicyRules = { attributeMerge: { type: 'timestampOrdered' }, identityGraph: { type: 'pdg' } };
const byOrder = (order: string[]): MergePolicyRules => ({ attributeMerge: { type: 'dataSetPrecedence', order }, identityGraph: { type: 'pdg' } });

// Few keys and values, so that fragments collide often; awkward keys included on purpose.
const key = fc.constantFrom('a', 'b', 'c', 'k/~', '__proto__', 'constructor');
const scalar = fc.constantFrom<unknown>(null, '', 0, 1, -2, false, true, 'x', 'y');
const valueAt = (depth: number): fc.Arbitrary<unknown> =>
  depth === 0 ? scalar : fc.oneof(scalar, fc.array(valueAt(depth - 1), { maxLength: 3 }), objectAt(depth - 1));
const objectAt = (depth: number): fc.Arbitrary<JsonObject> => fc.dictionary(key, valueAt(depth), { maxKeys: 4 });
const identityItem = fc.record(
  { id: fc.constantFrom('1', '2', 'j@x', 'J@x', ''), primary: fc.boolean(), authenticatedState: fc.constantFrom(null, 'ambiguous', 'authenticated') },
  { requiredKeys: ['id'] },
);
const identityMap = fc.dictionary(fc.constantFrom('ECID', 'Email', 'email', 'CRMID'), fc.array(identityItem, { maxLength: 3 }), { maxKeys: 3 });
const lastUpdatedDate = fc.constantFrom('1970-01-01T00:00:00.002Z', '1970-01-01T00:00:00.003+00:00', '2024-02-30T00:00:00Z', 'later');
const data = fc
  .record({ fields: objectAt(3), identityMap, audit: fc.option(lastUpdatedDate, { nil: undefined }) }, { requiredKeys: ['fields'] })
  // Through JSON, as the store would hand it over (own `__proto__` keys, plain prototypes).
  .map(({ fields, identityMap, audit }) =>
    JSON.parse(JSON.stringify({ ...fields, identityMap, extSourceSystemAudit: audit === undefined ? undefined : { lastUpdatedDate: audit } })) as JsonObject,
  );
const fragmentsFrom = (datasets: string[], maxLength = 5) =>
  fc
    .array(fc.record({ datasetId: fc.constantFrom(...datasets), ingestedAt: fc.integer({ min: 0, max: 3 }), data }), { maxLength })
    .map((list) => list.map((f, i): Fragment => ({ ...f, fragmentId: `${f.datasetId}:${i}`, primaryIdentity: { namespace: 'ECID', id: String(i) } })));
const rules = fc.oneof(fc.constant(TS), fc.shuffledSubarray(['A', 'B', 'C'], { minLength: 1 }).map(byOrder));

test('the result does not depend on the order the fragments are passed in', () => {
  fc.assert(
    fc.property(fragmentsFrom(['A', 'B', 'C']), rules, fc.infiniteStream(fc.nat()), (fragments, policy, random) => {
      const shuffled = [...fragments];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = random.next().value % (i + 1);
        [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
      }
      const expected = JSON.stringify(merge(fragments, policy, { provenance: true }));
      assert.equal(JSON.stringify(merge(shuffled, policy, { provenance: true })), expected);
    }),
  );
});

test('every leaf of the result comes from a fragment, as provenance says, and none is null', () => {
  fc.assert(
    fc.property(fragmentsFrom(['A', 'B', 'C']), rules, (fragments, policy) => {
      const { entity, provenance } = merge(fragments, policy, { provenance: true });
      const byId = new Map(fragments.map((f) => [f.fragmentId, f]));
      const { identityMap: identities, ...rest } = entity;
      const leaves = leavesOf(rest);
      for (const [path, value] of leaves) {
        assert.notEqual(value, null, path);
        const source = provenance![path];
        assert.ok(source, `no provenance for ${path}`);
        assert.deepEqual(at(byId.get(source.fragmentId)!.data, path), value, path);
      }
      const itemPaths = Object.keys(provenance!).filter((p) => p.startsWith('/identityMap/'));
      assert.equal(leaves.length + itemPaths.length, Object.keys(provenance!).length);
      for (const path of itemPaths) {
        const [, , ns, index] = path.split('/');
        const item = at(entity, path) as JsonObject;
        const source = byId.get(provenance![path]!.fragmentId)!.data['identityMap'] as Record<string, JsonObject[]>;
        const found = Object.keys(source).some((k) => k.toLowerCase() === ns!.toLowerCase() && source[k]!.some((i) => i['id'] === item['id']));
        assert.ok(found, `identity ${path} (${index}) not in its source fragment`);
      }
      assert.equal(identities === undefined, !fragments.some((f) => 'identityMap' in f.data && isIncluded(f, policy)));
    }),
  );
});

test('under dataSetPrecedence, every leaf and identity of the first dataset survives', () => {
  fc.assert(
    fc.property(fragmentsFrom(['B', 'C']), fragmentsFrom(['D'], 1), fc.shuffledSubarray(['B', 'C']), (others, [first], rest) => {
      fc.pre(first !== undefined);
      const { entity } = merge([...others, first!], byOrder(['D', ...rest]));
      const { identityMap: identities, ...fields } = first!.data;
      for (const [path, value] of leavesOf(fields)) assert.deepEqual(at(entity, path), value, path);
      for (const [namespace, id] of identityPairs(identities)) assert.ok(identityPairs(entity['identityMap']).some(([n, i]) => n === namespace && i === id));
    }),
  );
});

test('identityMap holds every identity of the merged fragments once, with at most one primary', () => {
  fc.assert(
    fc.property(fragmentsFrom(['A', 'B', 'C']), rules, (fragments, policy) => {
      const pairs = identityPairs(merge(fragments, policy).entity['identityMap']);
      const keys = pairs.map(([n, i]) => `${n}\u0000${i}`);
      assert.equal(new Set(keys).size, keys.length);
      const expected = new Set(fragments.filter((f) => isIncluded(f, policy)).flatMap((f) => identityPairs(f.data['identityMap']).map(([n, i]) => `${n}\u0000${i}`)));
      assert.deepEqual(new Set(keys), expected);
      const items = Object.values((merge(fragments, policy).entity['identityMap'] ?? {}) as Record<string, JsonObject[]>).flat();
      assert.ok(items.filter((i) => i['primary'] === true).length <= 1);
    }),
  );
});

test('fragments of datasets outside order change nothing, and inputs are neither mutated nor shared', () => {
  fc.assert(
    fc.property(fragmentsFrom(['A', 'B']), fragmentsFrom(['X']), fc.shuffledSubarray(['A', 'B']), (fragments, outsiders, order) => {
      const all = [...fragments, ...outsiders.map((f) => ({ ...f, fragmentId: `${f.fragmentId}x` }))];
      const before = JSON.stringify(all);
      const result = merge(all, byOrder(order), { provenance: true });
      assert.equal(JSON.stringify(result), JSON.stringify(merge(fragments, byOrder(order), { provenance: true })));
      assert.equal(JSON.stringify(all), before);
      const inputs = new Set<unknown>();
      const collect = (v: unknown, into: Set<unknown>) => {
        if (v !== null && typeof v === 'object') for (const child of Object.values(into.add(v) && v)) collect(child, into);
      };
      collect(all.map((f) => f.data), inputs);
      const outputs = new Set<unknown>();
      collect(result.entity, outputs);
      for (const o of outputs) assert.ok(!inputs.has(o));
    }),
  );
});

function isIncluded(f: Fragment, policy: MergePolicyRules): boolean {
  return policy.attributeMerge.type === 'timestampOrdered' || policy.attributeMerge.order.includes(f.datasetId);
}

/** Non-null leaves (scalars and whole arrays) by JSON Pointer; objects are descended, nulls skipped. */
function leavesOf(value: JsonObject, path = '', out: Array<[string, unknown]> = []): Array<[string, unknown]> {
  for (const k of Object.keys(value)) {
    const v = value[k];
    const p = `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) leavesOf(v as JsonObject, p, out);
    else if (v !== null && v !== undefined) out.push([p, v]);
  }
  return out;
}

function at(root: unknown, path: string): unknown {
  let v = root;
  for (const raw of path.split('/').slice(1)) {
    const k = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, k)) return undefined;
    v = (v as JsonObject)[k];
  }
  return v;
}

/** The valid (namespace folded to lower case, id) pairs of an identityMap value. */
function identityPairs(map: unknown): Array<[string, string]> {
  if (map === null || typeof map !== 'object') return [];
  return Object.entries(map as Record<string, unknown>).flatMap(([ns, items]) =>
    Array.isArray(items)
      ? items.flatMap((i: JsonObject): Array<[string, string]> => (typeof i?.['id'] === 'string' && i['id'] !== '' ? [[ns.toLowerCase(), i['id']]] : []))
      : [],
  );
}
