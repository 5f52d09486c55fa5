/** Union schemas: every Profile-enabled schema of one class merged into the class union, in the registry's wire shape. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { XdmError, compileValidator, composeUnion, unionIdOf, type XdmLookup, type XdmResource } from './index.js';

const XDM = 'https://ns.adobe.com/xdm/context';
const PROFILE = `${XDM}/profile`;
const EVENT = `${XDM}/experienceevent`;

function tenantGroup(name: string, fields: Record<string, unknown>): XdmResource {
  return {
    $id: `https://ns.adobe.com/acme/mixins/${name}`,
    'meta:resourceType': 'mixins',
    title: name,
    type: 'object',
    'meta:intendedToExtend': [PROFILE],
    definitions: { fields: { properties: { _acme: { type: 'object', properties: fields } } } },
    allOf: [{ $ref: '#/definitions/fields' }],
  } as XdmResource;
}

const loyalty = tenantGroup('loyalty', { loyalty: { type: 'object', properties: { tier: { type: 'string' }, points: { type: 'integer' } } } });
const prefs = tenantGroup('prefs', { favoriteColor: { type: 'string' } });
const clash = tenantGroup('clash', { loyalty: { type: 'string' } });
const lookup: XdmLookup = (id) => [loyalty, prefs, clash].find((r) => r.$id === id);

function schema(id: string, refs: string[], enabled = true): XdmResource {
  return {
    $id: `https://ns.adobe.com/acme/schemas/${id}`,
    title: id,
    type: 'object',
    allOf: refs.map(($ref) => ({ $ref })),
    ...(enabled ? { 'meta:immutableTags': ['union'] } : {}),
  };
}

const crm = schema('crm', [PROFILE, `${XDM}/identitymap`, `${XDM}/profile-person-details`, loyalty.$id]);
const web = schema('web', [PROFILE, `${XDM}/profile-personal-details`, prefs.$id]);
const draft = schema('draft', [PROFILE, `${XDM}/profile-work-details`], false);
const events = schema('events', [EVENT, `${XDM}/experienceevent-web`]);

describe('composeUnion', () => {
  const union = composeUnion(PROFILE, [crm, web, draft, events], lookup);

  it('merges the fields of every Profile-enabled schema of the class and nothing else', () => {
    const paths = new Set(union.fields.map((f) => f.path));
    for (const path of ['_id', 'personID', 'identityMap.*.id', 'person.name.firstName', 'homeAddress.city', '_acme.loyalty.tier', '_acme.favoriteColor']) {
      assert.ok(paths.has(path), `union has ${path}`);
    }
    assert.equal(paths.has('workAddress'), false, 'a schema not enabled for Profile stays out');
    assert.equal(paths.has('web'), false, 'a schema of another class stays out');
    assert.deepEqual(union.schemaIds, [crm.$id, web.$id]);
  });

  it('validates a merged profile that carries fields from both schemas', () => {
    const validate = compileValidator(union.jsonSchema);
    const merged = { person: { name: { firstName: 'Jane' } }, homeAddress: { city: 'Lyon' }, _acme: { loyalty: { tier: 'gold' }, favoriteColor: 'red' } };
    assert.deepEqual(validate(merged), { ok: true });
    assert.equal(validate({ workAddress: { city: 'Lyon' } }).ok, false);
  });

  it('is returned in the registry wire shape of a union', () => {
    const { resource } = union;
    assert.equal(resource.$id, 'https://ns.adobe.com/xdm/context/profile__union');
    assert.equal(resource.$id, unionIdOf(PROFILE));
    assert.equal(resource['meta:altId'], '_xdm.context.profile__union');
    assert.equal(resource['meta:resourceType'], 'unions');
    assert.equal(resource['meta:class'], PROFILE);
    assert.equal(resource.title, 'XDM Individual Profile');
    assert.deepEqual(
      resource.allOf?.map((r) => r.$ref),
      [PROFILE, `${XDM}/identitymap`, `${XDM}/profile-person-details`, loyalty.$id, `${XDM}/profile-personal-details`, prefs.$id],
    );
    for (const id of [crm.$id, web.$id, 'https://ns.adobe.com/xdm/data/record', loyalty.$id]) {
      assert.ok(resource['meta:extends']?.includes(id), `meta:extends lists ${id}`);
    }
  });

  it('keeps only the class requirements at the root, so fragments of one member still validate', () => {
    const eventUnion = composeUnion(EVENT, [events], lookup);
    assert.deepEqual(eventUnion.jsonSchema.required, ['_id', 'timestamp']);
    assert.equal(union.jsonSchema.required, undefined);
  });

  it('is just the class when no schema of that class is enabled', () => {
    const empty = composeUnion(EVENT, [crm, draft], lookup);
    assert.deepEqual(empty.schemaIds, []);
    assert.deepEqual(empty.resource.allOf, [{ $ref: EVENT }]);
    assert.ok(empty.fields.some((f) => f.path === 'timestamp'));
  });

  it('refuses a member that redefines a union field with another type, naming the schema', () => {
    const other = schema('clash', [PROFILE, clash.$id]);
    assert.throws(
      () => composeUnion(PROFILE, [crm, other], lookup),
      (e: unknown) => e instanceof XdmError && e.code === 'XDM_UNION_CONFLICT' && /schemas\/clash/.test(e.message) && /\/_acme\/loyalty/.test(e.message),
    );
  });

  it('refuses an unknown class', () => {
    assert.throws(() => composeUnion('https://ns.adobe.com/acme/classes/none', [], lookup), (e: unknown) => e instanceof XdmError && e.code === 'XDM_UNKNOWN_REF');
  });
});
