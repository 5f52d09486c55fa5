/** Composition: the adobe/xdm example records validate against schemas built from our definitions; bad schemas fail clearly. */
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  XdmError,
  compileValidator,
  composeSchema,
  jsonLdToXed,
  type XdmLookup,
  type XdmResource,
  type XdmSchemaNode,
} from './index.js';
import { SHARED, needsShared, sharedPath } from '../../../test/support/shared-files.js';

const REF_XDM = sharedPath(SHARED.refXdm);
const XDM = 'https://ns.adobe.com/xdm/context';
const PROFILE = `${XDM}/profile`;
const EVENT = `${XDM}/experienceevent`;
const none: XdmLookup = () => undefined;

type Json = Record<string, unknown>;

function fixture(name: string): Json {
  return JSON.parse(readFileSync(join(REF_XDM, name), 'utf8')) as Json;
}

function schema(refs: string[], extra: Partial<XdmResource> = {}): XdmResource {
  return { $id: 'https://ns.adobe.com/acme/schemas/test', title: 'Test', type: 'object', allOf: refs.map(($ref) => ({ $ref })), ...extra };
}

function lookupOf(...resources: XdmResource[]): XdmLookup {
  return (id) => resources.find((r) => r.$id === id);
}

/** Removes the value at a JSON pointer and returns it, so a defect can be fixed by moving the value. */
function take(record: Json, pointer: string): unknown {
  const keys = pointer.split('/').slice(1);
  const last = keys.pop() as string;
  const parent = keys.reduce<Json>((node, key) => node[key] as Json, record);
  const value = parent[last];
  delete parent[last];
  return value;
}

function put(record: Json, pointer: string, value: unknown): void {
  const keys = pointer.split('/').slice(1);
  const last = keys.pop() as string;
  keys.reduce<Json>((node, key) => (node[key] ??= {}) as Json, record)[last] = value;
}

const move = (from: string, to: string) => (record: Json) => put(record, to, take(record, from));
const drop = (at: string) => (record: Json) => void take(record, at);

interface FixtureCase {
  file: string;
  refs: string[];
  /** Wraps the JSON-LD example into a whole record: events need the class's required fields, maps their field. */
  wrap?: (example: Json) => Json;
  /** Top-level fields from field groups this project does not ship, removed before validating. */
  notShipped?: string[];
  /** Fields the example spells differently from the adobe/xdm schemas (ref/xdm.md §9): refused, then fixed. */
  defects?: Array<{ path: string; fix: (record: Json) => void }>;
}

const asEvent = (example: Json): Json => ({ '@id': 'urn:fixture:1', 'xdm:timestamp': '2020-01-01T00:00:00Z', ...example });
const commerceDefects = (prefix = '') => [
  { path: `${prefix}/productListItems/0/lineItemId`, fix: move(`${prefix}/productListItems/0/lineItemId`, `${prefix}/productListItems/0/_id`) },
  {
    path: `${prefix}/commerce/order/payments/1/transactionId`,
    fix: move(`${prefix}/commerce/order/payments/1/transactionId`, `${prefix}/commerce/order/payments/1/transactionID`),
  },
];
const webDefects = [
  { path: '/web/webPageDetails/errorPage', fix: move('/web/webPageDetails/errorPage', '/web/webPageDetails/isErrorPage') },
  { path: '/web/webPageDetails/homePage', fix: move('/web/webPageDetails/homePage', '/web/webPageDetails/isHomePage') },
  { path: '/web/webReferrer/referrerType', fix: move('/web/webReferrer/referrerType', '/web/webReferrer/type') },
];

const CASES: FixtureCase[] = [
  {
    file: 'profile.example.1.json',
    refs: [PROFILE, `${XDM}/identitymap`, `${XDM}/profile-person-details`, `${XDM}/profile-personal-details`, `${XDM}/profile-work-details`],
    notShipped: ['optInOut', 'orgUnit', 'geoUnit', 'segments'],
  },
  {
    file: 'experienceevent.example.1.json',
    refs: [EVENT, `${XDM}/experienceevent-commerce`, `${XDM}/experienceevent-web`],
    notShipped: ['dataSource', 'channel', 'environment', 'placeContext', 'marketing', 'profileStitch', 'segmentMemberships'],
    defects: [...commerceDefects(), ...webDefects],
  },
  {
    file: 'experienceevent.example.2.json',
    refs: [EVENT, `${XDM}/experienceevent-web`],
    notShipped: ['dataSource', 'environment', 'locationContext', 'device', 'advertising'],
    defects: [
      {
        path: '/web/webPageView',
        fix: (record) => {
          move('/web/webPageView/URL', '/web/webPageDetails/URL')(record);
          drop('/web/webPageView')(record);
        },
      },
      { path: '/web/webReferrer/domain', fix: drop('/web/webReferrer/domain') },
    ],
  },
  { file: 'experienceevent.example.7.json', refs: [EVENT], notShipped: ['pushNotificationTracking'] },
  { file: 'experienceevent-commerce.example.1.json', refs: [EVENT, `${XDM}/experienceevent-commerce`], wrap: asEvent, defects: commerceDefects() },
  { file: 'experienceevent-web.example.1.json', refs: [EVENT, `${XDM}/experienceevent-web`], wrap: asEvent, defects: webDefects },
  { file: 'identitymap.example.1.json', refs: [PROFILE, `${XDM}/identitymap`], wrap: (map) => ({ 'xdm:identityMap': map }) },
  { file: 'identitymap.example.2.json', refs: [EVENT], wrap: (map) => asEvent({ 'xdm:identityMap': map }) },
  { file: 'profile-person-details.example.1.json', refs: [PROFILE, `${XDM}/profile-person-details`] },
  { file: 'profile-personal-details.example.1.json', refs: [PROFILE, `${XDM}/profile-personal-details`] },
  { file: 'profile-personal-details.example.2.json', refs: [PROFILE, `${XDM}/profile-personal-details`] },
];

describe('adobe/xdm example records against composed schemas', needsShared(SHARED.refXdm), () => {
  it('covers every record example in ref/xdm (the descriptor example is covered by the identity tests)', () => {
    const examples = readdirSync(REF_XDM).filter((f) => /\.example\.\d+\.json$/.test(f) && !f.startsWith('descriptor'));
    assert.deepEqual(examples.sort(), CASES.map((c) => c.file).sort());
  });

  for (const c of CASES) {
    it(`${c.file} validates once fields of unshipped groups are removed and known defects fixed`, () => {
      const validate = compileValidator(composeSchema(schema(c.refs), none).jsonSchema);
      const record = jsonLdToXed((c.wrap ?? ((x: Json) => x))(fixture(c.file))) as Json;
      for (const key of c.notShipped ?? []) {
        assert.ok(key in record, `${c.file} has ${key}`);
        delete record[key];
      }
      const before = validate(record);
      const defects = c.defects ?? [];
      if (defects.length === 0) assert.deepEqual(before, { ok: true });
      else {
        assert.equal(before.ok, false);
        const errors = before.ok ? [] : before.errors;
        assert.deepEqual(errors.map((e) => e.path).sort(), defects.map((d) => d.path).sort());
        assert.ok(errors.every((e) => e.keyword === 'additionalProperties' && e.message.endsWith('is not defined in the schema')));
        for (const defect of defects) defect.fix(record);
        assert.deepEqual(validate(record), { ok: true });
      }
    });
  }
});

describe('composeSchema', () => {
  const loyalty: XdmResource = {
    $id: 'https://ns.adobe.com/acme/mixins/loyalty',
    'meta:resourceType': 'mixins',
    title: 'Loyalty',
    type: 'object',
    'meta:intendedToExtend': [PROFILE],
    definitions: {
      loyalty: {
        properties: {
          _acme: {
            type: 'object',
            properties: {
              loyaltyId: { type: 'string' },
              tier: { type: 'string', enum: ['gold', 'silver'] },
              points: { type: 'integer', minimum: 0 },
              joined: { type: 'string', format: 'date' },
            },
            required: ['loyaltyId'],
          },
        },
      },
    },
    allOf: [{ $ref: '#/definitions/loyalty' }],
  };

  it('builds the class, field groups and tenant fields into one closed schema with no $ref or meta keywords left', () => {
    const composed = composeSchema(
      schema([PROFILE, `${XDM}/profile-person-details`, loyalty.$id], { 'meta:immutableTags': ['union'] }),
      lookupOf(loyalty),
    );
    assert.equal(composed.classId, PROFILE);
    assert.equal(composed.behavior, 'record');
    assert.equal(composed.profileEnabled, true);
    assert.deepEqual(composed.fieldGroupIds, [`${XDM}/profile-person-details`, loyalty.$id]);
    for (const id of [PROFILE, 'https://ns.adobe.com/xdm/data/record', 'https://ns.adobe.com/xdm/common/auditable', loyalty.$id]) {
      assert.ok(composed.extends.includes(id), `extends ${id}`);
    }
    const text = JSON.stringify(composed.jsonSchema);
    assert.doesNotMatch(text, /"\$ref/);
    assert.deepEqual(text.match(/"meta:[A-Za-z]+"/g)?.filter((k) => k !== '"meta:xdmType"') ?? [], []);
    assert.equal(composed.jsonSchema.additionalProperties, false);
    const byPath = new Map(composed.fields.map((f) => [f.path, f]));
    assert.equal(byPath.get('person.birthDate')?.xdmType, 'date');
    assert.equal(byPath.get('person.birthYear')?.xdmType, 'short');
    assert.equal(byPath.get('_repo.createDate')?.xdmType, 'date-time');
    assert.equal(byPath.get('_acme.loyaltyId')?.required, true);
    assert.equal(byPath.get('_acme.points')?.xdmType, 'int');
    assert.equal(byPath.get('_id')?.format, 'uri-reference');
  });

  it('lists repeated fields of arrays and maps, and knows an event class is time-series', () => {
    const composed = composeSchema(schema([EVENT, `${XDM}/experienceevent-commerce`]), none);
    assert.equal(composed.behavior, 'time-series');
    assert.deepEqual(composed.jsonSchema.required, ['_id', 'timestamp']);
    const byPath = new Map(composed.fields.map((f) => [f.path, f]));
    assert.deepEqual(byPath.get('productListItems'), { path: 'productListItems', type: 'array', xdmType: 'array', itemType: 'object', repeated: false, required: false });
    assert.equal(byPath.get('productListItems.SKU')?.repeated, true);
    assert.equal(byPath.get('productListItems.SKU')?.required, true);
    assert.equal(byPath.get('identityMap')?.xdmType, 'map');
    assert.equal(byPath.get('identityMap.*.id')?.repeated, true);
    assert.equal(byPath.get('commerce.purchases.value')?.type, 'number');
  });

  it('accepts inline tenant fields, local definitions and the registry\'s "$ref " spelling', () => {
    const composed = composeSchema(
      {
        ...schema([]),
        definitions: { custom: { properties: { _acme: { type: 'object', properties: { score: { type: 'number' } } } } } },
        allOf: [
          { '$ref ': PROFILE, type: 'object', 'meta:xdmType': 'object' },
          { $ref: '#/definitions/custom' },
          { properties: { _acme: { type: 'object', properties: { segment: { type: 'string' } } } } },
        ],
      },
      none,
    );
    const validate = compileValidator(composed.jsonSchema);
    assert.deepEqual(validate({ _id: 'r1', _acme: { score: 1.5, segment: 'a' } }), { ok: true });
    assert.equal(validate({ _acme: { other: 1 } }).ok, false);
  });

  const failures: Array<{ name: string; run: () => unknown; code: string; mentions: RegExp }> = [
    { name: 'an unknown field group', run: () => composeSchema(schema([PROFILE, 'https://ns.adobe.com/acme/mixins/missing']), none), code: 'XDM_UNKNOWN_REF', mentions: /acme\/mixins\/missing/ },
    {
      name: 'an unknown data type inside a field group',
      run: () => {
        const group = { ...loyalty, definitions: { loyalty: { properties: { _acme: { $ref: 'https://ns.adobe.com/acme/datatypes/gone' } } } } };
        return composeSchema(schema([PROFILE, group.$id]), lookupOf(group));
      },
      code: 'XDM_UNKNOWN_REF',
      mentions: /Loyalty.*datatypes\/gone/,
    },
    { name: 'no class', run: () => composeSchema(schema([`${XDM}/profile-person-details`]), none), code: 'XDM_CLASS_MISSING', mentions: /does not reference a class/ },
    { name: 'two classes', run: () => composeSchema(schema([PROFILE, EVENT]), none), code: 'XDM_MULTIPLE_CLASSES', mentions: /experienceevent/ },
    { name: 'a data type in allOf', run: () => composeSchema(schema([PROFILE, `${XDM}/person`]), none), code: 'XDM_NOT_A_FIELD_GROUP', mentions: /context\/person/ },
    { name: 'a profile field group in an event schema', run: () => composeSchema(schema([EVENT, `${XDM}/profile-work-details`]), none), code: 'XDM_INCOMPATIBLE_FIELD_GROUP', mentions: /Work Contact Details.*experienceevent/ },
    { name: 'an event field group in a profile schema', run: () => composeSchema(schema([PROFILE, `${XDM}/experienceevent-web`]), none), code: 'XDM_INCOMPATIBLE_FIELD_GROUP', mentions: /Web Details/ },
    {
      name: 'tenant fields outside _{TENANT_ID}',
      run: () => {
        const group = { ...loyalty, definitions: { loyalty: { properties: { loyaltyId: { type: 'string' } } } } };
        return composeSchema(schema([PROFILE, group.$id]), lookupOf(group));
      },
      code: 'XDM_TENANT_FIELD_OUTSIDE_NAMESPACE',
      mentions: /"loyaltyId".*"_acme"/,
    },
    {
      name: 'inline schema fields outside _{TENANT_ID}',
      run: () => composeSchema({ ...schema([PROFILE]), allOf: [{ $ref: PROFILE }, { properties: { score: { type: 'number' } } }] }, none),
      code: 'XDM_TENANT_FIELD_OUTSIDE_NAMESPACE',
      mentions: /"score"/,
    },
    {
      name: 'custom fields with no tenant known',
      run: () => composeSchema({ title: 'No id', type: 'object', allOf: [{ $ref: PROFILE }, { $ref: loyalty.$id }] } as XdmResource, lookupOf(loyalty)),
      code: 'XDM_TENANT_UNKNOWN',
      mentions: /Loyalty/,
    },
    {
      name: 'a field redefined with another type',
      run: () => {
        const other: XdmResource = { ...loyalty, $id: 'https://ns.adobe.com/acme/mixins/other', definitions: { loyalty: { properties: { _acme: { type: 'object', properties: { points: { type: 'string' } } } } } } };
        return composeSchema(schema([PROFILE, loyalty.$id, other.$id]), lookupOf(loyalty, other));
      },
      code: 'XDM_FIELD_CONFLICT',
      mentions: /\/_acme\/points is defined as integer .*acme\/mixins\/other redefines it as string/,
    },
    {
      name: 'a data type that contains itself',
      run: () => {
        const loop: XdmResource = { $id: 'https://ns.adobe.com/acme/datatypes/loop', 'meta:resourceType': 'datatypes', title: 'Loop', type: 'object', properties: { next: { $ref: 'https://ns.adobe.com/acme/datatypes/loop' } } };
        const group = { ...loyalty, definitions: { loyalty: { properties: { _acme: { $ref: loop.$id } } } } };
        return composeSchema(schema([PROFILE, group.$id]), lookupOf(group, loop));
      },
      code: 'XDM_CIRCULAR_REF',
      mentions: /datatypes\/loop -> .*datatypes\/loop/,
    },
    { name: 'a schema without allOf', run: () => composeSchema({ $id: 'x', title: 'x', type: 'object' }, none), code: 'XDM_INVALID_RESOURCE', mentions: /allOf/ },
  ];

  for (const failure of failures) {
    it(`refuses ${failure.name} with ${failure.code}`, () => {
      assert.throws(failure.run, (error: unknown) => {
        assert.ok(error instanceof XdmError, 'an XdmError, not a bare Error');
        assert.equal(error.code, failure.code);
        assert.match(error.message, failure.mentions);
        return true;
      });
    });
  }

  it('does not let a tenant lookup shadow a standard $id', () => {
    const fake: XdmResource = { $id: PROFILE, 'meta:resourceType': 'classes', title: 'Fake', type: 'object', properties: { hacked: { type: 'string' } } as Record<string, XdmSchemaNode> };
    const composed = composeSchema(schema([PROFILE]), lookupOf(fake));
    assert.equal(composed.fields.some((f) => f.path === 'hacked'), false);
  });
});
