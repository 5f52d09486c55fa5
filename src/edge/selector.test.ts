/** The edge-projection selector: the doc's examples, paren/dot equivalence, every error's position, safety, properties. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isDomainError } from '../shared/errors.js';
import { parseSelector, projectSelection, selectorRoots } from './selector.js';

const project = (value: Record<string, unknown>, selector: string) => projectSelection(value, parseSelector(selector));

// Shaped like the doc's sample (edge-projections.md, "Selectors").
const docProfile = {
  person: { firstName: 'John', lastName: 'Smith', age: 42 },
  addresses: [
    { type: 'home', city: { name: 'San Jose', country: 'US' }, street: '1 Main St' },
    { type: 'work', city: { name: 'Basel', country: 'CH' }, street: '2 Rhine St' },
  ],
  emails: [{ address: 'john@example.com', primary: true }],
};

const UPS_1 = '4f2b1c7e-8a9d-4e2f-9c1b-0a3d5e7f9b11';
const UPS_2 = 'a1b2c3d4-e5f6-4789-8abc-def012345678';
// Shaped like an XDM profile: nested objects, arrays of objects, maps, the tenant's computed attributes.
const xdm = {
  person: { name: { firstName: 'Jane', lastName: 'Doe' }, birthDate: '1980-02-03' },
  homeAddress: { city: 'Lyon', countryCode: 'FR' },
  addresses: [
    { type: 'home', primary: true, city: { name: 'San Jose', country: 'US' } },
    { type: 'work', city: { name: 'Basel', country: 'CH' } },
    { type: 'po-box', street: 'PO 12' },
  ],
  emails: [{ address: 'jane@example.com', primary: true }, { address: 'jd@work.example' }],
  identityMap: {
    ECID: [{ id: '8914927034266255964', primary: true }],
    Email: [{ id: 'jane@example.com' }],
    Email_LC_SHA256: [{ id: '9f86d081884c7d659a2feaa0c55ad015' }],
  },
  segmentMembership: {
    ups: { [UPS_1]: { status: 'realized', lastQualificationTime: '2024-01-02T03:04:05Z' }, [UPS_2]: { status: 'exited' } },
  },
  _acme: { SystemComputedAttributes: { spend: { value: 125.5, asOf: '2024-01-01' }, visits: { value: 3 } }, loyalty: { tier: 'gold' } },
  tags: ['vip', 'beta'],
  matrix: [[{ x: 1, y: 2 }, { y: 3 }], [], [{ x: 4 }], 'loose', [[{ x: 5 }]]],
  nothing: null,
  empty: {},
  none: [],
};

describe('selector: projections', () => {
  const cases: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
    // The doc's worked examples.
    ['person.lastName', docProfile, { person: { lastName: 'Smith' } }],
    ['addresses', docProfile, { addresses: docProfile.addresses }],
    ['person.lastName,addresses', docProfile, { person: { lastName: 'Smith' }, addresses: docProfile.addresses }],
    ['addresses.city', docProfile, { addresses: [{ city: { name: 'San Jose', country: 'US' } }, { city: { name: 'Basel', country: 'CH' } }] }],
    ['addresses(type,city)', docProfile, { addresses: docProfile.addresses.map(({ type, city }) => ({ type, city })) }],
    ['emails,person(firstName)', docProfile, { emails: docProfile.emails, person: { firstName: 'John' } }],
    // XDM shapes.
    ['person.name.firstName,identityMap,segmentMembership', xdm, {
      person: { name: { firstName: 'Jane' } }, identityMap: xdm.identityMap, segmentMembership: xdm.segmentMembership,
    }],
    ['_acme.SystemComputedAttributes', xdm, { _acme: { SystemComputedAttributes: xdm._acme.SystemComputedAttributes } }],
    ['_acme.SystemComputedAttributes.spend.value', xdm, { _acme: { SystemComputedAttributes: { spend: { value: 125.5 } } } }],
    ['identityMap.ECID', xdm, { identityMap: { ECID: xdm.identityMap.ECID } }],
    ['identityMap(ECID,Email_LC_SHA256)', xdm, { identityMap: { ECID: xdm.identityMap.ECID, Email_LC_SHA256: xdm.identityMap.Email_LC_SHA256 } }],
    ['segmentMembership.ups', xdm, { segmentMembership: xdm.segmentMembership }],
    [`segmentMembership.ups.${UPS_2}`, xdm, { segmentMembership: { ups: { [UPS_2]: { status: 'exited' } } } }],
    // Elements without a selected child are dropped; the third address has no city.
    ['addresses.city.country', xdm, { addresses: [{ city: { country: 'US' } }, { city: { country: 'CH' } }] }],
    ['addresses(type,city(name))', xdm, { addresses: [{ type: 'home', city: { name: 'San Jose' } }, { type: 'work', city: { name: 'Basel' } }, { type: 'po-box' }] }],
    ['emails.address', xdm, { emails: [{ address: 'jane@example.com' }, { address: 'jd@work.example' }] }],
    ['tags', xdm, { tags: ['vip', 'beta'] }],
    ['tags.length', xdm, {}], // scalars have no sub-fields
    ['matrix.x', xdm, { matrix: [[{ x: 1 }], [{ x: 4 }], [[{ x: 5 }]]] }],
    ['matrix', xdm, { matrix: xdm.matrix }],
    ['nothing,empty,none', xdm, { nothing: null, empty: {}, none: [] }], // whole fields are kept as they are
    ['nothing.a,empty.a,none.a', xdm, {}],
    ['missing,person.missing,person.name.first.deeper', xdm, {}],
    ['homeAddress(city),person(name(lastName),birthDate)', xdm, { homeAddress: { city: 'Lyon' }, person: { name: { lastName: 'Doe' }, birthDate: '1980-02-03' } }],
    // Overlaps and duplicates: the whole field wins, in either order.
    ['person,person.name', xdm, { person: xdm.person }],
    ['person.name.lastName,person', xdm, { person: xdm.person }],
    ['tags,tags,tags', xdm, { tags: xdm.tags }],
    ['addresses(type),addresses(city.country)', xdm, { addresses: [{ type: 'home', city: { country: 'US' } }, { type: 'work', city: { country: 'CH' } }, { type: 'po-box' }] }],
  ];
  for (const [selector, input, expected] of cases) {
    it(selector, () => assert.deepEqual(project(input, selector), expected));
  }

  it('equal selectors parse to the same tree, whole-wins overlaps included', () => {
    const same: Array<[string, string]> = [
      ['person,person.name', 'person'],
      ['person.name.lastName,person', 'person'],
      ['a(b),a(c)', 'a(b,c)'],
      ['a,a(b(c))', 'a'],
      ['a(b.c,b)', 'a.b'],
    ];
    for (const [a, b] of same) assert.deepEqual(parseSelector(a), parseSelector(b), `${a} ≡ ${b}`);
  });

  it('roots are the top-level names, in order of first appearance', () => {
    assert.deepEqual(selectorRoots(parseSelector('person.name.firstName,identityMap,segmentMembership')), ['person', 'identityMap', 'segmentMembership']);
    assert.deepEqual(selectorRoots(parseSelector('_acme.SystemComputedAttributes')), ['_acme']);
    assert.deepEqual(selectorRoots(parseSelector('a(b),c,a.d')), ['a', 'c']);
  });

  it('accepts every allowed name character, and the limits exactly', () => {
    assert.deepEqual(selectorRoots(parseSelector('aZ09_-@:$')), ['aZ09_-@:$']);
    assert.doesNotThrow(() => parseSelector('a'.repeat(4096)));
    assert.doesNotThrow(() => parseSelector(`${'a.'.repeat(31)}a`)); // 32 levels
    assert.doesNotThrow(() => parseSelector(`${'a('.repeat(31)}b${')'.repeat(31)}`));
  });
});

describe('selector: paren and dot forms are equivalent', () => {
  const pairs: Array<[string, string]> = [
    ['addresses(type,city.country)', 'addresses.type,addresses.city.country'],
    ['person(name(firstName,lastName),birthDate)', 'person.name.firstName,person.name.lastName,person.birthDate'],
    ['identityMap(ECID,Email)', 'identityMap.ECID,identityMap.Email'],
    ['_acme(SystemComputedAttributes(spend.value,visits),loyalty)', '_acme.SystemComputedAttributes.spend.value,_acme.SystemComputedAttributes.visits,_acme.loyalty'],
    ['matrix(x,y)', 'matrix.x,matrix.y'],
    ['emails(address),person(name)', 'emails.address,person.name'],
  ];
  for (const [parens, dots] of pairs) {
    it(`${parens} ≡ ${dots}`, () => {
      assert.deepEqual(parseSelector(parens), parseSelector(dots));
      assert.deepEqual(project(xdm, parens), project(xdm, dots));
    });
  }
});

describe('selector: errors', () => {
  const long = 'a'.repeat(4097);
  const bad: Array<[string, number, RegExp]> = [
    ['', 0, /expected a field name, found the end of the selector/],
    ['a,,b', 2, /expected a field name, found ','/],
    [',a', 0, /found ','/],
    ['a,', 2, /found the end of the selector/],
    ['.a', 0, /found '\.'/],
    ['a.', 2, /found the end/],
    ['a..b', 2, /found '\.'/],
    ['a.,b', 2, /found ','/],
    ['a(b', 1, /'\(' is never closed/],
    ['a(b(c),d(e)', 1, /never closed/],
    ['a(b(c', 3, /never closed/],
    ['a)', 1, /'\)' has no matching '\('/],
    ['a(b))', 4, /no matching/],
    ['a()', 2, /empty parentheses/],
    ['()', 0, /found '\('/],
    ['(a)', 0, /found '\('/],
    ['a((b))', 2, /found '\('/],
    ['a(b)c', 4, /expected ',' or '\)' or the end after '\)', found 'c'/],
    ['a(b).c', 4, /after '\)', found '\.'/],
    ['a(b)(c)', 4, /after '\)', found '\('/],
    ['a(,b)', 2, /found ','/],
    ['a(b,)', 4, /found '\)'/],
    [' a', 0, /whitespace is not allowed in a selector, found ' '/],
    ['a, b', 2, /whitespace/],
    ['a ', 1, /whitespace/],
    ['a\tb', 1, /whitespace.*U\+0009/],
    ['a\nb', 1, /U\+000A/],
    ['a\u00a0b', 1, /whitespace.*U\+00A0/],
    ['a/b', 1, /'\/' is not allowed in a field name/],
    ['a[0]', 1, /'\[' is not allowed/],
    ['a*', 1, /'\*'/],
    ['person.é', 7, /U\+00E9 is not allowed/],
    ['a\u0000', 1, /U\+0000/],
    ['a.\u{1F600}', 2, /U\+1F600/],
    ['__proto__', 0, /the field name '__proto__' is not allowed/],
    ['a.constructor', 2, /'constructor' is not allowed/],
    ['a(b,prototype)', 4, /'prototype' is not allowed/],
    [long, 4096, /at most 4096 characters, it has 4097/],
    [`${'a.'.repeat(32)}a`, 64, /deeper than 32 levels/],
    [`${'a('.repeat(32)}b${')'.repeat(32)}`, 64, /deeper than 32 levels/],
    ['('.repeat(4096), 0, /found '\('/],
    [')'.repeat(4096), 0, /found '\)'/],
    ['a('.repeat(2048), 64, /deeper than 32/],
    [`${'a.'.repeat(2047)}a,`, 64, /deeper than 32/],
  ];
  for (const [text, position, message] of bad) {
    it(`${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)} at ${position}`, () => {
      assert.throws(
        () => parseSelector(text),
        (err: unknown) => {
          assert.ok(isDomainError(err));
          assert.equal(err.code, 'EDGE_SELECTOR_INVALID');
          assert.deepEqual(err.details, { position });
          assert.match(err.message, new RegExp(`^selector '.*' is invalid at position ${position}: `, 's'));
          assert.match(err.message, message);
          return true;
        },
      );
    });
  }

  it('names the input in full, or its first 80 characters', () => {
    assert.throws(() => parseSelector('a,,b'), { message: "selector 'a,,b' is invalid at position 2: expected a field name, found ','" });
    assert.throws(() => parseSelector(long), { message: `selector '${'a'.repeat(80)}…' is invalid at position 4096: a selector may have at most 4096 characters, it has 4097` });
  });
});

describe('selector: safety', () => {
  it('never mutates its input, and builds new containers along partly selected paths', () => {
    const input = structuredClone(xdm);
    const frozen = deepFreeze(structuredClone(xdm));
    const out = project(frozen, 'person.name,addresses.city,matrix.x,identityMap,_acme(SystemComputedAttributes.spend)');
    assert.deepEqual(frozen, input);
    assert.notEqual(out, frozen);
    assert.notEqual(out.person, frozen.person);
    assert.notEqual(out.addresses, frozen.addresses);
    assert.equal(project(frozen, 'person').person, frozen.person); // a whole field is shared, not copied
    const top = project(frozen, 'missing');
    assert.deepEqual(top, {});
    assert.notEqual(top, frozen);
  });

  it('reads own properties only, and a stored __proto__ key reaches no prototype', () => {
    const input = JSON.parse('{"a":{"__proto__":{"polluted":1},"b":1},"__proto__":{"x":1}}') as Record<string, unknown>;
    const out = project(input, 'a,x');
    assert.deepEqual(Object.keys(out), ['a']);
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    const inherited = Object.create({ inherited: { v: 1 } }) as Record<string, unknown>;
    assert.deepEqual(project(inherited, 'inherited,toString,hasOwnProperty'), {});
  });
});

describe('selector: properties', () => {
  const key = fc.constantFrom('a', 'b', 'c', 'd-1');
  const path = fc.array(key, { minLength: 1, maxLength: 4 });
  const scalar = fc.constantFrom<unknown>(null, 0, 1, 'x', true);
  const valueAt = (depth: number): fc.Arbitrary<unknown> =>
    depth === 0 ? scalar : fc.oneof(scalar, fc.array(valueAt(depth - 1), { maxLength: 3 }), objectAt(depth - 1));
  const objectAt = (depth: number): fc.Arbitrary<Record<string, unknown>> => fc.dictionary(key, valueAt(depth), { maxKeys: 4 });
  const input = objectAt(4);
  const paths = fc.array(path, { minLength: 1, maxLength: 5 });

  it('keeps only selected paths, their parents and what is under them; is idempotent; forms agree; keeps whole values', () => {
    fc.assert(
      fc.property(input, paths, (value, selected) => {
        const before = JSON.stringify(value);
        const dots = parseSelector(selected.map((p) => p.join('.')).join(','));
        const out = projectSelection(value, dots);
        assert.equal(JSON.stringify(value), before);
        for (const p of outputPaths(out)) {
          const ok = selected.some((s) => isPrefix(p, s) || isPrefix(s, p));
          assert.ok(ok, `output path ${p.join('.')} is neither selected, a parent nor under a selected path`);
        }
        assert.deepEqual(projectSelection(out, dots), out);
        assert.deepEqual(projectSelection(value, parseSelector(renderWithParens(selected))), out);
        for (const s of selected) {
          const at = objectsOnly(value, s);
          if (at !== undefined) assert.deepEqual(objectsOnly(out, s), at, `selected ${s.join('.')} is kept whole`);
        }
      }),
      { numRuns: 300 },
    );
  });
});

/** Every key path in `v`, array indexes left out (an array is transparent, as it is to a selector). */
function outputPaths(v: unknown, prefix: string[] = [], out: string[][] = []): string[][] {
  if (Array.isArray(v)) for (const item of v) outputPaths(item, prefix, out);
  else if (typeof v === 'object' && v !== null) {
    for (const [k, child] of Object.entries(v)) {
      out.push([...prefix, k]);
      outputPaths(child, [...prefix, k], out);
    }
  }
  return out;
}

function isPrefix(p: readonly string[], of: readonly string[]): boolean {
  return p.length <= of.length && p.every((k, i) => of[i] === k);
}

/** The value at `path` when only objects (no arrays) lie along it; undefined otherwise. */
function objectsOnly(v: unknown, path: readonly string[]): unknown {
  let at = v;
  for (const k of path) {
    if (typeof at !== 'object' || at === null || Array.isArray(at) || !Object.hasOwn(at, k)) return undefined;
    at = (at as Record<string, unknown>)[k];
  }
  return at;
}

/** The same paths as nested groups: ['a','b'],['a','c'],['a'] → `a,a(b,c)`. */
function renderWithParens(paths: readonly string[][]): string {
  interface Trie { whole: boolean; children: Map<string, Trie> }
  const root: Trie = { whole: false, children: new Map() };
  for (const p of paths) {
    let node = root;
    for (const k of p) {
      let next = node.children.get(k);
      if (next === undefined) node.children.set(k, (next = { whole: false, children: new Map() }));
      node = next;
    }
    node.whole = true;
  }
  const render = (t: Trie): string[] =>
    [...t.children].flatMap(([k, c]) => [...(c.whole ? [k] : []), ...(c.children.size > 0 ? [`${k}(${render(c).join(',')})`] : [])]);
  return render(root).join(',');
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const child of Object.values(v)) deepFreeze(child);
    Object.freeze(v);
  }
  return v;
}
