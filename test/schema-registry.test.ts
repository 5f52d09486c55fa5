/** Schema Registry through HTTP on both stores: the spec's example payloads end as a Profile-enabled schema and union. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SchemaResolver } from '../src/catalog/schema-resolver.js';
import { STORE_KINDS, type TestApp, startTestApp } from './support/app.js';
import {
  PROFILE, XED, XED_FULL, XED_ID, createSpecSchema, enc, registryClient, specDefinition, withSpec,
} from './schema-registry-examples.js';

const ORG = 'ACME@AdobeOrg';
const TENANT = 'acme';

for (const kind of STORE_KINDS) {
  describe(`schema registry (${kind})`, () => {
    let t: TestApp;
    let call: ReturnType<typeof registryClient>;
    before(async () => {
      t = await startTestApp(kind);
      call = registryClient(t.app, await t.headers(ORG, 'prod'));
    });
    after(() => t.close());

    it('derives the tenant id from the org in /stats', async () => {
      const stats = await call('GET', '/stats', undefined, 'application/json');
      assert.equal(stats.status, 200);
      assert.equal(stats.body.imsOrg, ORG);
      assert.equal(stats.body.tenantId, TENANT);
      assert.equal(typeof stats.body.counts.schemas, 'number');
    });

    it('builds the spec example schema, its descriptors, Profile enablement and the union', withSpec(), async () => {
      const { dataType, fieldGroup, schema } = await createSpecSchema(call, TENANT);
      assert.equal(dataType.status, 201, JSON.stringify(dataType.body));
      assert.equal(fieldGroup.status, 201, JSON.stringify(fieldGroup.body));
      assert.equal(schema.status, 201, JSON.stringify(schema.body));
      const s = schema.body;
      assert.match(s.$id, /^https:\/\/ns\.adobe\.com\/acme\/schemas\/[0-9a-f]{32}$/);
      assert.equal(s['meta:altId'], `_acme.schemas.${s.$id.split('/').pop()}`);
      assert.equal(s.version, '1.0');
      assert.equal(s['meta:class'], PROFILE);
      assert.equal(s['meta:tenantNamespace'], '_acme');
      assert.ok(s['meta:extends'].includes(fieldGroup.body.$id));
      assert.deepEqual(s.allOf[0], { $ref: PROFILE }, 'the "$ref " spelling of the example is stored as $ref');
      assert.match(fieldGroup.body.$id, /^https:\/\/ns\.adobe\.com\/acme\/mixins\//);

      const example = specDefinition('identityDescriptorResponse', TENANT).example;
      const identity = await call('POST', '/tenant/descriptors', { ...example, 'xdm:sourceSchema': s.$id });
      assert.equal(identity.status, 201, JSON.stringify(identity.body));
      assert.match(identity.body['@id'], /^[0-9a-f]{40}$/);
      assert.notEqual(identity.body['@id'], example['@id']);
      assert.equal(identity.body['xdm:isPrimary'], true);
      assert.equal(identity.body.imsOrg, ORG);
      const display = await call('POST', '/tenant/descriptors', { ...specDefinition('createDescriptorResponse', TENANT).example, 'xdm:sourceSchema': s['meta:altId'] });
      assert.equal(display.status, 201, JSON.stringify(display.body));
      assert.equal(display.body['xdm:sourceSchema'], s.$id, 'a meta:altId source schema is stored as the $id');

      // The spec's own patch example: add "union" at /meta:immutableTags-.
      const op = specDefinition('patchSchema', TENANT).items.properties;
      const enabled = await call('PATCH', `/tenant/schemas/${enc(s.$id)}`, [{ op: op.op.example, path: op.path.example, value: op.value.example }]);
      assert.equal(enabled.status, 200, JSON.stringify(enabled.body));
      assert.deepEqual(enabled.body['meta:immutableTags'], ['union']);
      assert.equal(enabled.body.version, '1.1');

      const unions = await call('GET', '/tenant/unions', undefined, XED_ID);
      assert.deepEqual(unions.body.results.map((u: any) => u.$id), [`${PROFILE}__union`]);
      const union = await call('GET', '/tenant/unions/_xdm.context.profile__union', undefined, XED_FULL);
      assert.equal(union.status, 200, JSON.stringify(union.body));
      assert.equal(union.body['meta:resourceType'], 'unions');
      const tenantFields = union.body.properties._acme.properties;
      assert.equal(tenantFields.propertyName.type, 'string');
      assert.equal(tenantFields.propertyConstruction.properties.yearBuilt.type, 'integer');
      assert.equal(union.body.properties.personalEmail.properties.address.format, 'email');
      const unionXed = await call('GET', `/tenant/unions/${enc(`${PROFILE}__union`)}`, undefined, XED);
      assert.ok(unionXed.body.allOf.some((r: any) => r.$ref === fieldGroup.body.$id));

      // The write path sees what the registry stored.
      const row = await t.store.db.get<{ tenant_id: number }>('SELECT tenant_id FROM xdm_resources WHERE id = ?', [s.$id]);
      const resolved = await new SchemaResolver(t.store.db).resolve(Number(row!.tenant_id), s['meta:altId']);
      assert.equal(resolved.profileEnabled, true);
      assert.equal(resolved.behavior, 'record');
      assert.deepEqual(resolved.descriptors.map((d) => d['xdm:sourceProperty']), ['/personalEmail/address']);
      assert.deepEqual(resolved.validate({ personalEmail: { address: 'guest@example.com' }, _acme: { propertyType: 'yoga' } }), { ok: true });
    });

    it('answers listings and lookups in the form the Accept header asks for', withSpec(), async () => {
      const { schema, fieldGroup } = await createSpecSchema(call, TENANT);
      const ids = await call('GET', '/tenant/schemas', undefined, XED_ID);
      assert.equal(ids.status, 200);
      const item = ids.body.results.find((r: any) => r.$id === schema.body.$id);
      assert.deepEqual(Object.keys(item).sort(), ['$id', 'meta:altId', 'title', 'version']);
      assert.equal(ids.body._page.count, ids.body.results.length);
      assert.equal(ids.body._links.global_schemas.href, '/data/foundation/schemaregistry/global/schemas');
      const full = await call('GET', '/tenant/schemas', undefined, 'application/vnd.adobe.xed+json');
      assert.ok(full.body.results.find((r: any) => r.$id === schema.body.$id).allOf.length === 3);

      const stored = await call('GET', `/tenant/schemas/${schema.body['meta:altId']}`, undefined, XED);
      assert.deepEqual(stored.body, schema.body);
      const expanded = await call('GET', `/tenant/schemas/${enc(schema.body.$id)}`, undefined, XED_FULL);
      assert.equal(expanded.status, 200);
      assert.equal(expanded.body.allOf, undefined);
      assert.equal(expanded.body.properties._acme.properties.propertyCity.title, 'Property City');
      assert.equal(expanded.body.properties.homeAddress.type, 'object');
      const notext = await call('GET', `/tenant/fieldgroups/${enc(fieldGroup.body.$id)}`, undefined, 'application/vnd.adobe.xed-full-notext+json; version=1');
      assert.equal(notext.body.title, undefined);
      assert.deepEqual(Object.keys(notext.body.properties._acme.properties).sort(), ['phoneNumber', 'propertyCity', 'propertyConstruction', 'propertyName', 'propertyType']);
      assert.equal(notext.body.properties._acme.properties.propertyCity.title, undefined);
      const summary = await call('GET', `/tenant/schemas/${schema.body['meta:altId']}`, undefined, XED_ID);
      assert.deepEqual(summary.body, { $id: schema.body.$id, 'meta:altId': schema.body['meta:altId'], version: '1.0', title: 'New Schema' });

      const none = await call('GET', '/tenant/schemas');
      assert.equal(none.status, 400);
      assert.equal(none.body.code, 'REGISTRY_ACCEPT_INVALID');
      const noVersion = await call('GET', `/tenant/schemas/${schema.body['meta:altId']}`, undefined, 'application/vnd.adobe.xed+json');
      assert.equal(noVersion.status, 400);
      assert.match(noVersion.body.detail, /Version should be specified/);
      const unknown = await call('GET', `/tenant/schemas/${schema.body['meta:altId']}`, undefined, 'application/vnd.adobe.xed-bogus+json; version=1');
      assert.equal(unknown.status, 406);
      const v2 = await call('GET', `/tenant/schemas/${schema.body['meta:altId']}`, undefined, 'application/vnd.adobe.xed+json; version=2');
      assert.equal(v2.status, 406);
      const fullListing = await call('GET', '/tenant/schemas', undefined, 'application/vnd.adobe.xed-full+json');
      assert.equal(fullListing.status, 406);
    });

    it('lists the standard resources in the global container and pages listings', async () => {
      const classes = await call('GET', '/global/classes', undefined, XED_ID);
      assert.deepEqual(classes.body.results.map((r: any) => r['meta:altId']).sort(), ['_xdm.context.experienceevent', '_xdm.context.profile']);
      const groups = await call('GET', `/global/fieldgroups?property=${enc(`meta:intendedToExtend==${PROFILE}`)}`, undefined, XED_ID);
      assert.ok(groups.body.results.some((r: any) => r.$id === 'https://ns.adobe.com/xdm/context/profile-personal-details'));
      assert.ok(!groups.body.results.some((r: any) => r.$id === 'https://ns.adobe.com/xdm/context/experienceevent-web'));
      const behaviors = await call('GET', '/global/behaviors', undefined, XED_ID);
      assert.ok(behaviors.body.results.some((r: any) => r.$id === 'https://ns.adobe.com/xdm/data/time-series'));
      const profile = await call('GET', '/global/classes/_xdm.context.profile', undefined, XED_FULL);
      assert.equal(profile.body.properties._id.type, 'string');
      const missing = await call('GET', '/tenant/classes/_xdm.context.profile', undefined, XED);
      assert.equal(missing.status, 404, 'a standard class is not in the tenant container');

      const first = await call('GET', '/global/datatypes?orderby=title&limit=2', undefined, XED_ID);
      assert.equal(first.body.results.length, 2);
      assert.equal(first.body._page.next, first.body.results[1].title);
      const second = await call('GET', `/global/datatypes?orderby=title&limit=2&start=${enc(first.body._page.next)}`, undefined, XED_ID);
      assert.ok(second.body.results[0].title > first.body.results[1].title);
      assert.equal(first.body._links.next.href, `/data/foundation/schemaregistry/global/datatypes?orderby=title&limit=2&start=${enc(first.body._page.next).replace(/%20/g, '+')}`);
      const desc = await call('GET', '/global/datatypes?orderby=-title', undefined, XED_ID);
      const titles = desc.body.results.map((r: any) => r.title);
      assert.deepEqual(titles, [...titles].sort().reverse());
    });

    it('keeps resources and descriptors inside their sandbox and org', withSpec(), async () => {
      const created = await call('POST', '/tenant/datatypes', specDefinition('createDataType', TENANT).example);
      const sandbox = await t.app.inject({
        method: 'POST',
        url: '/data/foundation/sandbox-management/sandboxes',
        headers: { ...(await t.headers(ORG)), 'content-type': 'application/json' },
        payload: { name: 'dev', title: 'Dev', type: 'development' },
      });
      assert.equal(sandbox.statusCode, 201);
      const dev = registryClient(t.app, await t.headers(ORG, 'dev'));
      const other = registryClient(t.app, await t.headers('OTHER@AdobeOrg', 'prod'));
      for (const [who, client] of [['another sandbox', dev], ['another org', other]] as const) {
        assert.equal((await client('GET', `/tenant/datatypes/${enc(created.body.$id)}`, undefined, XED)).status, 404, who);
        const listed = await client('GET', '/tenant/datatypes', undefined, XED_ID);
        assert.deepEqual(listed.body.results, [], who);
        assert.equal((await client('DELETE', `/tenant/datatypes/${created.body['meta:altId']}`)).status, 404, who);
        assert.deepEqual((await client('GET', '/tenant/descriptors', undefined, 'application/vnd.adobe.xdm-id+json')).body, {}, who);
      }
      assert.equal((await other('GET', '/stats')).body.tenantId, 'other');
      assert.equal((await call('GET', `/tenant/datatypes/${created.body['meta:altId']}`, undefined, XED)).status, 200);
    });
  });
}
