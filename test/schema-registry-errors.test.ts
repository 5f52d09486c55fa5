/** Schema Registry refusals through HTTP on both stores: each bad input is a 4xx whose message names what is wrong. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { STORE_KINDS, type TestApp, startTestApp } from './support/app.js';
import { EVENT, PERSONAL_DETAILS, PROFILE, XED, createSpecSchema, enc, registryClient, specDefinition, withSpec } from './schema-registry-examples.js';

const TENANT = 'acme';
/** A standard field group intended for XDM Individual Profile only. */
const WORK_DETAILS = 'https://ns.adobe.com/xdm/context/profile-work-details';

/** A field group of custom fields for `classes`, with `fields` at the top level of its definition. */
function group(title: string, classes: string[], fields: Record<string, unknown>) {
  return { type: 'object', title, 'meta:intendedToExtend': classes, definitions: { d: { properties: fields } }, allOf: [{ $ref: '#/definitions/d' }] };
}

for (const kind of STORE_KINDS) {
  describe(`schema registry refusals (${kind})`, () => {
    let t: TestApp;
    let call: ReturnType<typeof registryClient>;
    before(async () => {
      t = await startTestApp(kind);
      call = registryClient(t.app, await t.headers('ACME@AdobeOrg', 'prod'));
    });
    after(() => t.close());

    function refused(answer: { status: number; body: any }, status: number, code: string, detail: RegExp) {
      assert.equal(answer.status, status, JSON.stringify(answer.body));
      assert.equal(answer.body.code, code);
      assert.match(answer.body.detail, detail);
    }

    it('refuses schemas that do not compose', async () => {
      const missing = 'https://ns.adobe.com/acme/mixins/0000000000000000000000000000dead';
      refused(await call('POST', '/tenant/schemas', { type: 'object', title: 'Bad ref', allOf: [{ $ref: PROFILE }, { $ref: missing }] }), 400, 'REGISTRY_REF_UNKNOWN', new RegExp(missing));
      refused(
        await call('POST', '/tenant/schemas', { type: 'object', title: 'Events', allOf: [{ $ref: EVENT }, { $ref: WORK_DETAILS }] }),
        400, 'REGISTRY_FIELD_GROUP_INCOMPATIBLE', /Work Contact Details.*experienceevent/,
      );
      refused(await call('POST', '/tenant/schemas', { type: 'object', title: 'No class', allOf: [{ $ref: PERSONAL_DETAILS }] }), 400, 'REGISTRY_SCHEMA_CLASS_INVALID', /does not reference a class/);
      refused(await call('POST', '/tenant/schemas', { type: 'object', title: 'No allOf' }), 400, 'REGISTRY_RESOURCE_INVALID', /allOf/);
      refused(await call('POST', '/tenant/schemas', { type: 'array', title: 'x', allOf: [{ $ref: PROFILE }] }), 400, 'REGISTRY_RESOURCE_INVALID', /type "object"/);
    });

    it('refuses custom fields outside _{TENANT_ID} and field groups with unknown classes', async () => {
      refused(
        await call('POST', '/tenant/fieldgroups', group('Loose', [PROFILE], { loyaltyId: { type: 'string' } })),
        400, 'REGISTRY_TENANT_FIELD_OUTSIDE_NAMESPACE', /"loyaltyId".*"_acme"/,
      );
      refused(await call('POST', '/tenant/mixins', group('Nowhere', ['https://ns.adobe.com/acme/classes/nope'], {})), 400, 'REGISTRY_REF_UNKNOWN', /classes\/nope/);
      refused(await call('POST', '/tenant/fieldgroups', { type: 'object', title: 'No class list' }), 400, 'REGISTRY_RESOURCE_INVALID', /meta:intendedToExtend/);
      const clash = group('Clash', [PROFILE], { personID: { type: 'integer' } });
      refused(await call('POST', '/tenant/fieldgroups', clash), 400, 'REGISTRY_TENANT_FIELD_OUTSIDE_NAMESPACE', /personID/);
    });

    it('serves the legacy mixins spelling from the same collection as fieldgroups', async () => {
      const created = await call('POST', '/tenant/mixins', group('Loyalty', [PROFILE], { _acme: { type: 'object', properties: { tier: { type: 'string' } } } }));
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal((await call('GET', `/tenant/fieldgroups/${created.body['meta:altId']}`, undefined, XED)).body.title, 'Loyalty');
      const clash = group('Tier as number', [PROFILE], { _acme: { type: 'object', properties: { tier: { type: 'integer' } } } });
      const other = await call('POST', '/tenant/fieldgroups', clash);
      assert.equal(other.status, 201, 'a field group alone may redefine a field; only a schema using both conflicts');
      refused(
        await call('POST', '/tenant/schemas', { type: 'object', title: 'Both', allOf: [{ $ref: PROFILE }, { $ref: created.body.$id }, { $ref: other.body.$id }] }),
        400, 'REGISTRY_FIELD_CONFLICT', /\/_acme\/tier/,
      );
    });

    it('refuses descriptors on missing paths, unknown schemas and a second primary identity', withSpec(), async () => {
      const { schema } = await createSpecSchema(call, TENANT);
      const id = schema.body.$id;
      const base = { '@type': 'xdm:descriptorIdentity', 'xdm:sourceSchema': id, 'xdm:sourceVersion': 1, 'xdm:namespace': 'Phone' };
      refused(await call('POST', '/tenant/descriptors', { ...base, 'xdm:sourceProperty': '/_acme/loyaltyId' }), 400, 'REGISTRY_DESCRIPTOR_PATH_NOT_FOUND', /\/_acme\/loyaltyId does not exist/);
      refused(await call('POST', '/tenant/descriptors', { ...base, 'xdm:sourceProperty': '/homeAddress' }), 400, 'REGISTRY_DESCRIPTOR_PATH_NOT_FOUND', /not string/);
      // The spec's createDescriptor example is an identity descriptor without a namespace, on an object field.
      refused(await call('POST', '/tenant/descriptors', { ...specDefinition('createDescriptor', TENANT).example, 'xdm:sourceSchema': id }), 400, 'REGISTRY_DESCRIPTOR_INVALID', /xdm:namespace/);
      refused(await call('POST', '/tenant/descriptors', { ...base, 'xdm:sourceSchema': 'https://ns.adobe.com/acme/schemas/none', 'xdm:sourceProperty': '/mobilePhone/number' }), 400, 'REGISTRY_DESCRIPTOR_SCHEMA_UNKNOWN', /schemas\/none/);
      refused(await call('POST', '/tenant/descriptors', { ...base, '@type': 'xdm:somethingElse', 'xdm:sourceProperty': '/mobilePhone/number' }), 400, 'REGISTRY_DESCRIPTOR_INVALID', /xdm:somethingElse/);

      const first = await call('POST', '/tenant/descriptors', { ...base, 'xdm:sourceProperty': '/mobilePhone/number', 'xdm:isPrimary': true });
      assert.equal(first.status, 201, JSON.stringify(first.body));
      refused(
        await call('POST', '/tenant/descriptors', { ...base, 'xdm:namespace': 'Email', 'xdm:sourceProperty': '/personalEmail/address', 'xdm:isPrimary': true }),
        409, 'REGISTRY_PRIMARY_IDENTITY_EXISTS', /\/mobilePhone\/number and \/personalEmail\/address/,
      );
      refused(await call('POST', '/tenant/descriptors', { ...base, 'xdm:sourceProperty': '/mobilePhone/number' }), 409, 'REGISTRY_DESCRIPTOR_EXISTS', /\/mobilePhone\/number/);
      const secondary = await call('POST', '/tenant/descriptors', { ...base, 'xdm:namespace': 'Email', 'xdm:sourceProperty': '/personalEmail/address' });
      assert.equal(secondary.status, 201);
      const demoted = await call('PUT', `/tenant/descriptors/${first.body['@id']}`, { ...base, 'xdm:sourceProperty': '/mobilePhone/number', 'xdm:isPrimary': false });
      assert.equal(demoted.status, 200);
      assert.equal(demoted.body['@id'], first.body['@id']);
      assert.equal((await call('GET', `/tenant/descriptors/${first.body['@id']}`)).body['xdm:isPrimary'], false);
      const listed = await call('GET', `/tenant/descriptors?property=${enc(`xdm:sourceSchema==${id}`)}`, undefined, 'application/vnd.adobe.xdm-v2+json');
      assert.equal(listed.body.results.length, 2);
      assert.equal((await call('DELETE', `/tenant/descriptors/${secondary.body['@id']}`)).status, 204);
      refused(await call('GET', `/tenant/descriptors/${secondary.body['@id']}`), 404, 'REGISTRY_DESCRIPTOR_NOT_FOUND', /No descriptor/);
    });

    it('applies JSON Patch and refuses malformed or forbidden patches', withSpec(), async () => {
      const { schema, fieldGroup } = await createSpecSchema(call, TENANT);
      const path = `/tenant/schemas/${enc(schema.body.$id)}`;
      const patched = await call('PATCH', path, [
        { op: 'replace', path: '/description', value: 'Patched.' },
        { op: 'test', path: '/title', value: 'New Schema' },
        { op: 'add', path: '/meta:immutableTags', value: ['union'] },
      ]);
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.equal(patched.body.description, 'Patched.');
      refused(await call('PATCH', path, { op: 'add', path: '/x', value: 1 }), 400, 'REGISTRY_PATCH_INVALID', /array of operations/);
      refused(await call('PATCH', path, [{ op: 'merge', path: '/x' }]), 400, 'REGISTRY_PATCH_INVALID', /op "merge"/);
      refused(await call('PATCH', path, [{ op: 'add', path: 'title', value: 'x' }]), 400, 'REGISTRY_PATCH_INVALID', /JSON pointer/);
      refused(await call('PATCH', path, [{ op: 'remove', path: '/nothing/here' }]), 400, 'REGISTRY_PATCH_INVALID', /does not exist/);
      refused(await call('PATCH', path, [{ op: 'test', path: '/title', value: 'Other' }]), 409, 'REGISTRY_PATCH_TEST_FAILED', /differs/);
      refused(await call('PATCH', path, [{ op: 'replace', path: '/$id', value: 'https://ns.adobe.com/acme/schemas/mine' }]), 400, 'REGISTRY_READONLY_PROPERTY', /\$id/);
      refused(await call('PATCH', path, [{ op: 'remove', path: '/meta:immutableTags' }]), 400, 'REGISTRY_PROFILE_ENABLED_PERMANENT', /cannot be removed/);
      const { type, title, allOf } = patched.body;
      const put = await call('PUT', path, { type, title: `${title} again`, allOf });
      assert.equal(put.status, 200);
      assert.deepEqual(put.body['meta:immutableTags'], ['union'], 'a PUT keeps the Profile tag');
      assert.equal(put.body.version, '1.2');
      assert.equal((await call('GET', path, undefined, XED)).body.version, '1.2');

      const identity = { '@type': 'xdm:descriptorIdentity', 'xdm:sourceSchema': schema.body.$id, 'xdm:sourceVersion': 1, 'xdm:sourceProperty': '/_acme/propertyName', 'xdm:namespace': 'Email' };
      assert.equal((await call('POST', '/tenant/descriptors', identity)).status, 201);
      const retype = [{ op: 'replace', path: `/definitions/property/properties/_${TENANT}/properties/propertyName/type`, value: 'integer' }];
      refused(await call('PATCH', `/tenant/fieldgroups/${enc(fieldGroup.body.$id)}`, retype), 400, 'REGISTRY_DESCRIPTOR_PATH_NOT_FOUND', /New Schema again.*\/_acme\/propertyName/);
    });

    it('deletes with 204, refuses deleting what is in use, and takes a schema\'s descriptors along', withSpec(), async () => {
      const { dataType, fieldGroup, schema } = await createSpecSchema(call, TENANT);
      refused(await call('DELETE', `/tenant/datatypes/${dataType.body['meta:altId']}`), 409, 'REGISTRY_RESOURCE_IN_USE', /Property Details/);
      refused(await call('DELETE', `/tenant/fieldgroups/${fieldGroup.body['meta:altId']}`), 409, 'REGISTRY_RESOURCE_IN_USE', /New Schema/);
      const d = await call('POST', '/tenant/descriptors', { ...specDefinition('createDescriptorResponse', TENANT).example, 'xdm:sourceSchema': schema.body.$id });
      assert.equal(d.status, 201);
      const gone = await call('DELETE', `/tenant/schemas/${enc(schema.body.$id)}`);
      assert.equal(gone.status, 204);
      assert.equal(gone.body, undefined);
      refused(await call('GET', `/tenant/schemas/${enc(schema.body.$id)}`, undefined, XED), 404, 'REGISTRY_RESOURCE_NOT_FOUND', /No schema/);
      assert.equal((await call('GET', `/tenant/descriptors/${d.body['@id']}`)).status, 404);
      assert.equal((await call('DELETE', `/tenant/fieldgroups/${fieldGroup.body['meta:altId']}`)).status, 204);
      assert.equal((await call('DELETE', `/tenant/datatypes/${enc(dataType.body.$id)}`)).status, 204);
      refused(await call('GET', '/elsewhere/schemas', undefined, XED), 404, 'REGISTRY_CONTAINER_UNKNOWN', /elsewhere/);
    });
  });
}
