/** Data in, as the docs show it: the spec's registry payloads, Catalog's "Enable for Profile" dataset, then records. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { STORE_KINDS, type TestApp, startTestApp } from './support/app.js';
import { parseYaml } from './support/yaml.js';
import { SHARED, needsShared, sharedPath } from './support/shared-files.js';
import { createSpecSchema, enc, registryClient, specDefinition } from './schema-registry-examples.js';

const ORG = 'ACME@AdobeOrg';
const CATALOG = sharedPath(SHARED.catalogYaml);

/** Catalog's own example body for a Profile-enabled dataset (tags written `enabled: true`, with a space). */
function enableForProfileExample(schemaId: string): Record<string, any> {
  const spec = parseYaml(readFileSync(CATALOG, 'utf8')) as any;
  const example = spec.paths['/dataSets'].post.requestBody.content['application/json'].examples['Enable for Profile'].value;
  return { ...example, schemaRef: { ...example.schemaRef, id: schemaId } };
}

for (const kind of STORE_KINDS) {
  describe(`data in from the spec payloads (${kind})`, needsShared(SHARED.catalogYaml, SHARED.registryYaml), () => {
    let t: TestApp;
    let headers: Record<string, string>;
    let schemaId: string;
    let datasetId: string;
    before(async () => {
      t = await startTestApp(kind);
      headers = { ...(await t.headers(ORG, 'prod')), 'content-type': 'application/json' };
    });
    after(() => t.close());

    it('creates a tenant schema with an identity descriptor, enables it for Profile, and a Profile-enabled dataset on it', async () => {
      const call = registryClient(t.app, await t.headers(ORG, 'prod'));
      const { schema } = await createSpecSchema(call, 'acme');
      assert.equal(schema.status, 201);
      schemaId = schema.body.$id;
      const descriptor = await call('POST', '/tenant/descriptors', { ...specDefinition('identityDescriptorResponse', 'acme').example, 'xdm:sourceSchema': schemaId });
      assert.equal(descriptor.status, 201, JSON.stringify(descriptor.body));
      const refused = await t.app.inject({ method: 'POST', url: '/data/foundation/catalog/dataSets', headers, payload: enableForProfileExample(schemaId) });
      assert.equal(refused.statusCode, 400, 'a dataset cannot be Profile-enabled before its schema is');
      assert.equal(refused.json().code, 'DATASET_SCHEMA_NOT_PROFILE_ENABLED');
      const op = specDefinition('patchSchema', 'acme').items.properties;
      assert.equal((await call('PATCH', `/tenant/schemas/${enc(schemaId)}`, [{ op: op.op.example, path: op.path.example, value: op.value.example }])).status, 200);

      const created = await t.app.inject({ method: 'POST', url: '/data/foundation/catalog/dataSets', headers, payload: enableForProfileExample(schemaId) });
      assert.equal(created.statusCode, 201, created.body);
      datasetId = (created.json() as string[])[0]!.replace('@/dataSets/', '');
      const got = (await t.app.inject({ url: `/data/foundation/catalog/dataSets/${datasetId}`, headers })).json()[datasetId];
      assert.equal(got.name, 'Profile-enabled sample dataset');
      assert.equal(got.schemaRef.id, schemaId);
      assert.deepEqual(got.tags.unifiedProfile, ['enabled: true', 'isUpsert: true']);
      const row = await t.store.db.get<{ profile_enabled: number; identity_enabled: number }>('SELECT profile_enabled, identity_enabled FROM datasets WHERE id = ?', [datasetId]);
      assert.deepEqual({ p: Number(row!.profile_enabled), i: Number(row!.identity_enabled) }, { p: 1, i: 1 });
    });

    it('lands streamed and batch records keyed by the descriptor primary identity', async () => {
      const conn = await t.app.inject({
        method: 'POST',
        url: '/data/foundation/flowservice/connections',
        headers,
        payload: { name: 'spec', connectionSpec: { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadfd3', version: '1.0' }, auth: { specName: 'Streaming Connection', params: { name: 'spec', dataType: 'xdm' } } },
      });
      const inlet = (await t.app.inject({ url: `/data/foundation/flowservice/connections/${conn.json().id}`, headers })).json().items[0].auth.params.inletId;
      const schemaRef = { id: schemaId, contentType: 'application/vnd.adobe.xed-full+json;version=1' };
      const record = { personalEmail: { address: 'guest@example.com' }, _acme: { propertyType: 'yoga' } };
      const streamed = await t.app.inject({
        method: 'POST',
        url: `/collection/${inlet}?syncValidation=true`,
        headers,
        payload: { header: { schemaRef, imsOrgId: ORG, datasetId, flowId: 'f', createdAt: '1526283801869', source: { name: 'ACME Streaming Connection' } }, body: { xdmMeta: { schemaRef }, xdmEntity: record } },
      });
      assert.equal(streamed.statusCode, 200, streamed.body);
      const batch = (await t.app.inject({ method: 'POST', url: '/data/foundation/import/batches', headers, payload: { datasetId, inputFormat: { format: 'json' } } })).json();
      await t.app.inject({
        method: 'PUT',
        url: `/data/foundation/import/batches/${batch.id}/datasets/${datasetId}/files/guests.json`,
        headers: { ...headers, 'content-type': 'application/octet-stream' },
        payload: JSON.stringify([{ personalEmail: { address: 'second@example.com' }, _acme: { propertyType: 'fitness' } }]),
      });
      await t.app.inject({ method: 'POST', url: `/data/foundation/import/batches/${batch.id}?action=COMPLETE`, headers });
      await t.app.services.jobs.drain();
      const errors = (await t.app.inject({ url: `/data/foundation/import/batches/${batch.id}/errors`, headers })).json().errors;
      assert.deepEqual(errors, []);
      const rows = await t.store.db.all<{ primary_ns: string; primary_id: string }>('SELECT primary_ns, primary_id FROM fragments WHERE dataset_id = ? ORDER BY primary_id', [datasetId]);
      assert.deepEqual(rows.map((r) => `${r.primary_ns}:${r.primary_id}`), ['Email:guest@example.com', 'Email:second@example.com']);
    });
  });
}
