/**
 * Audiences, previews and estimates, schedules and segment search through HTTP on both stores, answering the
 * segmentation spec's example requests (read from the spec at run time) with its statuses and shapes.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { STORE_KINDS, type TestApp, startTestApp } from './support/app.js';
import { type IngestFixture, PROFILE_SCHEMA_ID, createDefaultPolicy, ingestFixture, personRecord, seedSchema, streamRecord } from './support/fixtures.js';
import { SHARED, needsShared, sharedPath } from './support/shared-files.js';
import { yamlBlock } from './support/yaml.js';
import { JOBS, WORK_SCHEMA_ID, createSegment, workDataset, workSchema } from './support/segments.js';
import { settle } from './support/wait.js';

const ORG = 'ACME@AdobeOrg';
const AUDIENCES = '/data/core/ups/audiences';
const PREVIEW = '/data/core/ups/preview';
const SCHEDULES = '/data/core/ups/config/schedules';
const SEARCH = '/data/core/ups/search';
const yaml = () => readFileSync(sharedPath(SHARED.segmentationYaml), 'utf8');
const component = (name: string) => (yamlBlock(yaml(), ['components', 'examples', name]) as { value: any }).value;
const requestExamples = (path: string, method: string) => (yamlBlock(yaml(), ['paths', path, method, 'requestBody']) as any).content;

for (const kind of STORE_KINDS) {
  describe(`audiences, previews, schedules and search API (${kind})`, () => {
    let now = Date.UTC(2026, 5, 10, 12);
    let t: TestApp;
    let f: IngestFixture;
    let headers: Record<string, string>;
    before(async () => {
      t = await startTestApp(kind, {}, undefined, () => now);
      f = await ingestFixture(t, ORG);
      headers = f.headers;
      await seedSchema(t, f.tenantId, workSchema());
      await createDefaultPolicy(t, f);
      const work = await workDataset(t, f);
      for (let n = 1; n <= 20; n++) {
        await streamRecord(t, f, ORG, f.profileDataset, PROFILE_SCHEMA_ID, personRecord(n));
        await streamRecord(t, f, ORG, work, WORK_SCHEMA_ID, { identityMap: { CRMID: [{ id: `crm-${n}`, primary: true }] }, workAddress: { country: n % 4 === 0 ? 'CA' : 'US' } });
      }
      await settle(t, ['segments'], now);
    });
    after(() => t.close());

    it("creates the spec's platform audience (201), reads, lists, patches, replaces and deletes it", needsShared(SHARED.segmentationYaml), async () => {
      const body = component('CreatePlatformAudienceRequestBody');
      const want = component('PlatformAudience');
      const res = await t.app.inject({ method: 'POST', url: AUDIENCES, headers, payload: body });
      assert.equal(res.statusCode, 201, res.body);
      const got = res.json();
      // Every member of the spec's answer but `lifecycle` (the schema's name for it is lifecycleState).
      assert.deepEqual(Object.keys(want).filter((k) => !(k in got) && k !== 'lifecycle'), []);
      for (const k of ['name', 'description', 'expression', 'schema', 'labels', 'type', 'namespace', 'profileInstanceId', 'definedOn', 'isSystem']) assert.deepEqual(got[k], want[k], k);
      assert.equal(got.audienceId, got.id);
      assert.equal(got.lifecycleState, 'published');
      assert.equal(got.createEpoch, Math.floor(got.creationTime / 1000));
      // The same id through the definitions API.
      assert.equal((await t.app.inject({ url: `/data/core/ups/segment/definitions/${got.id}`, headers })).json().name, body.name);
      assert.equal((await t.app.inject({ url: `${AUDIENCES}/${got.id}`, headers })).json().id, got.id);
      const list = (await t.app.inject({ url: `${AUDIENCES}?limit=5&sort=name:asc&property=namespace==AEPSegments&name=ORDERED`, headers })).json();
      assert.deepEqual(list.children.map((a: { id: string }) => a.id), [got.id]);
      assert.equal(list._page.totalCount, 1);
      // PATCH with the spec's example: 201 with the new expression.
      const ops = requestExamples('/audiences/{AUDIENCE_ID}', 'patch')['application/json'].examples['Update the PQL'].value;
      const patched = await t.app.inject({ method: 'PATCH', url: `${AUDIENCES}/${got.id}`, headers, payload: ops });
      assert.equal(patched.statusCode, 201, patched.body);
      assert.equal(patched.json().expression.value, ops[0].value.value);
      const deleted = await t.app.inject({ method: 'PATCH', url: `${AUDIENCES}/${got.id}`, headers, payload: [{ op: 'add', path: '/lifecycleState', value: 'deleted' }] });
      assert.equal(deleted.statusCode, 400, deleted.body);
      assert.equal(deleted.json().errors['400'][0].message, 'There is a problem in audience validation. lifecycle field can not be modified to Delete using Patch operation');
      assert.match(deleted.json().type, /UPAPI-113434-400$/);
      for (const ops of [[{ op: 'add', path: '/mergePolicyId', value: 5 }], [{ op: 'add', path: '/expression', value: 'true' }], [{ op: 'add', path: '/expression', value: { type: 1, value: 'true' } }], [{ op: 'add', path: '/name', value: 'x'.repeat(300) }], [{ op: 'add', path: '/ttlInDays', value: -1 }]]) {
        const bad = await t.app.inject({ method: 'PATCH', url: `${AUDIENCES}/${got.id}`, headers, payload: ops });
        assert.equal(bad.statusCode, 400, `${JSON.stringify(ops)}: ${bad.body}`);
        assert.match(bad.json().title, new RegExp(ops[0]!.path));
      }
      // PUT with the spec's example (its audienceId names this audience) replaces it; the namespace cannot change.
      const put = await t.app.inject({ method: 'PUT', url: `${AUDIENCES}/${got.id}`, headers, payload: { ...component('UpdateAudiencePQL'), audienceId: got.id, labels: ['core/C2'] } });
      assert.equal(put.statusCode, 201, put.body);
      assert.deepEqual(put.json().labels, ['core/C2']);
      const moved = await t.app.inject({ method: 'PUT', url: `${AUDIENCES}/${got.id}`, headers, payload: { ...component('UpdateAudiencePQL'), namespace: 'AAM' } });
      assert.equal(moved.statusCode, 400, moved.body);
      assert.match(moved.json().title, /Namespace is immutable field/);
      const gone = await t.app.inject({ method: 'DELETE', url: `${AUDIENCES}/${got.id}`, headers });
      assert.equal(gone.statusCode, 204);
      const missing = await t.app.inject({ url: `${AUDIENCES}/${got.id}`, headers });
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().errors['404'][0].message, `The audience entity ${got.id} is not found. Use a valid entity and try again.`);
      assert.match(missing.json().type, /UPAPI-113430-404$/);
    });

    it("creates an external audience from the spec's example, and bulk-gets as documented", needsShared(SHARED.segmentationYaml), async () => {
      const external = component('CreateExternalAudienceRequestBody');
      // The example's dataset is not in this sandbox: the documented 400.
      const noDataset = await t.app.inject({ method: 'POST', url: AUDIENCES, headers, payload: external });
      assert.equal(noDataset.statusCode, 400, noDataset.body);
      assert.match(noDataset.json().title, new RegExp(`Dataset ${external.datasetId} cannot be retrieved from Catalog`));
      const res = await t.app.inject({ method: 'POST', url: AUDIENCES, headers, payload: { ...external, datasetId: f.profileDataset } });
      assert.equal(res.statusCode, 201, res.body);
      const got = res.json();
      assert.equal(got.type, 'ExternalSegment');
      assert.equal(got.audienceId, external.audienceId);
      assert.equal(got.namespace, external.namespace);
      assert.equal(got.originName, 'CUSTOM_UPLOAD');
      assert.deepEqual(got.linkedAudienceRef, external.linkedAudienceRef);
      assert.equal(got.expression, undefined);
      // By its own audienceId too; external audiences are not segment definitions to evaluate.
      assert.equal((await t.app.inject({ url: `${AUDIENCES}/${external.audienceId}`, headers })).json().id, got.id);
      assert.equal((await t.app.inject({ method: 'POST', url: JOBS, headers, payload: [{ segmentId: got.id }] })).statusCode, 400);
      const specIds = requestExamples('/audiences/bulk-get', 'post')['application/json'].example.ids as Array<{ id: string }>;
      const none = await t.app.inject({ method: 'POST', url: `${AUDIENCES}/bulk-get`, headers, payload: { ids: specIds } });
      assert.equal(none.statusCode, 404, none.body);
      assert.equal(none.json().errors['404'][0].message, `The entity ${specIds.map((i) => i.id).join(',')} is not found.`);
      const some = await t.app.inject({ method: 'POST', url: `${AUDIENCES}/bulk-get`, headers, payload: { ids: [...specIds, { id: got.id }] } });
      assert.equal(some.statusCode, 207, some.body);
      assert.equal(some.json().results[got.id].name, external.name);
      assert.deepEqual(some.json().results[specIds[0]!.id].errors, { 404: [{ code: 404, message: 'Not found.' }] });
      const empty = await t.app.inject({ method: 'POST', url: `${AUDIENCES}/bulk-get`, headers, payload: { ids: [] } });
      assert.equal(empty.statusCode, 400);
      assert.equal(empty.json().title, 'The number of requested IDs is invalid. Cannot be 0 or exceed 100.');
    });

    it('previews an expression: the doc body, pages of people, the exact estimate once done, and delete', async () => {
      // The doc's preview body reads a field this sandbox's union does not have: refused naming it.
      const doc = { predicateExpression: 'xEvent.metrics.commerce.abandons.value > 0', predicateType: 'pql/text', predicateModel: '_xdm.context.profile', graphType: 'none' };
      const refused = await t.app.inject({ method: 'POST', url: PREVIEW, headers, payload: doc });
      assert.equal(refused.statusCode, 400, refused.body);
      assert.match(refused.json().detail, /metrics/);
      const res = await t.app.inject({ method: 'POST', url: PREVIEW, headers, payload: { ...doc, predicateExpression: 'workAddress.country = "US"', graphType: 'pdg' } });
      assert.equal(res.statusCode, 201, res.body);
      const created = res.json();
      assert.deepEqual(Object.keys(created).sort(), ['previewExecutionId', 'previewId', 'previewQueryId', 'previewQueryStatus', 'state']);
      assert.equal(created.state, 'RUNNING');
      assert.equal(res.headers['x-location'], `${PREVIEW}/${created.previewId}`);
      await settle(t, ['segments'], now);
      const first = (await t.app.inject({ url: `${PREVIEW}/${created.previewId}?limit=10`, headers })).json();
      assert.equal(first.state, 'RESULT_READY');
      assert.equal(first.page.totalCount, 15); // 20 people, every fourth in Canada
      assert.equal(first.results.length, 10);
      assert.match(first.link, /offset=10&limit=10/);
      const second = (await t.app.inject({ url: `${PREVIEW}/${created.previewId}?offset=10&limit=10`, headers })).json();
      assert.equal(second.results.length, 5);
      assert.equal(second.link, '');
      const crms = [...first.results, ...second.results].map((r: { identities: Array<{ namespace: { code: string }; id: string }> }) => r.identities.find((i) => i.namespace.code === 'crmid')!.id);
      assert.deepEqual(crms.sort(), Array.from({ length: 20 }, (_, i) => i + 1).filter((n) => n % 4 !== 0).map((n) => `crm-${n}`).sort());
      // Each result links to the person's profile by XID.
      const person = await t.app.inject({ url: first.results[0]._href, headers });
      assert.equal(person.statusCode, 200, person.body);
      const estimate = (await t.app.inject({ url: `/data/core/ups/estimate/${created.previewId}`, headers })).json();
      assert.equal(estimate.state, 'RESULT_READY');
      assert.equal(estimate.estimatedSize, 15);
      assert.equal(estimate.totalRows, 20);
      assert.equal(estimate.profilesReadSoFar, 20);
      assert.equal(estimate.standardError, 0);
      assert.equal(estimate.confidenceInterval, '95%');
      assert.deepEqual(estimate.estimatedNamespaceDistribution.find((d: { namespace: string }) => d.namespace === 'crmid'), { namespace: 'crmid', profilesMatchedSoFar: 15 });
      const del = await t.app.inject({ method: 'DELETE', url: `${PREVIEW}/${created.previewId}`, headers });
      assert.equal(del.statusCode, 200, del.body);
      assert.equal(del.json().status, true);
      assert.equal((await t.app.inject({ url: `${PREVIEW}/${created.previewId}`, headers })).statusCode, 404);
      assert.equal((await t.app.inject({ url: `/data/core/ups/estimate/${created.previewId}`, headers })).statusCode, 404);
    });

    it("creates the spec's schedule, patches it with the spec's examples, and runs a segment job when it fires", needsShared(SHARED.segmentationYaml), async () => {
      const id = await createSegment(t, headers, 'us', 'workAddress.country = "US"', false);
      const body = { name: 'profile-default', type: 'batch_segmentation', properties: { segments: ['*'] }, schedule: '0 0 1 * * ?', state: 'inactive' };
      const res = await t.app.inject({ method: 'POST', url: SCHEDULES, headers, payload: body });
      assert.equal(res.statusCode, 200, res.body);
      const s = res.json();
      for (const k of ['name', 'type', 'properties', 'schedule', 'state'] as const) assert.deepEqual(s[k], body[k], k);
      assert.equal(typeof s.createEpoch, 'number');
      const patches = requestExamples('/config/schedules/{SCHEDULE_ID}', 'patch')['application/json'].examples;
      for (const name of ['Update schedule state', 'Update cron schedule']) {
        const patched = await t.app.inject({ method: 'PATCH', url: `${SCHEDULES}/${s.id}`, headers, payload: patches[name].value });
        assert.equal(patched.statusCode, 204, patched.body);
      }
      const active = (await t.app.inject({ url: `${SCHEDULES}/${s.id}`, headers })).json();
      assert.equal(active.state, 'active');
      assert.equal(active.schedule, '0 0 2 * * ?');
      assert.equal(active.nextRunTime, '2026-06-11T02:00:00.000Z');
      assert.deepEqual((await t.app.inject({ url: SCHEDULES, headers })).json().children.map((c: { id: string }) => c.id), [s.id]);
      // Nothing runs before 02:00; at 02:00 a segment job of every definition starts, from the scheduler.
      await settle(t, ['segments'], now);
      const before = (await t.app.inject({ url: JOBS, headers })).json()._page.totalCount;
      now = Date.UTC(2026, 5, 11, 2, 0, 1);
      headers = { ...(await t.headers(ORG, 'prod')), 'content-type': 'application/json' };
      await settle(t, ['segments'], now);
      const jobs = (await t.app.inject({ url: `${JOBS}?sort=creationTime:desc`, headers })).json();
      assert.equal(jobs._page.totalCount, before + 1);
      const run = jobs.children[0];
      assert.equal(run.source, 'scheduler');
      assert.equal(run.properties.scheduleId, s.id);
      assert.equal(run.status, 'SUCCEEDED');
      assert.equal(run.metrics.segmentedProfileCounter[id], 15);
      assert.equal((await t.app.inject({ url: `${SCHEDULES}/${s.id}`, headers })).json().nextRunTime, '2026-06-12T02:00:00.000Z');
      // Refusals name what is wrong; delete is 204, then 404.
      for (const [payload, message] of [
        [{ ...body, schedule: '0 */5 * * * ?' }, /minutes must be one value/],
        [{ ...body, type: 'export' }, /type 'export'/],
        [{ ...body, properties: { segments: ['nope'] } }, /nope/],
        [{ ...body, state: 'paused' }, /state 'paused'/],
        [{ ...body, schedule: '0 0 0 30 2 ?' }, /never fires/],
      ] as const) {
        const bad = await t.app.inject({ method: 'POST', url: SCHEDULES, headers, payload });
        assert.equal(bad.statusCode, 400, bad.body);
        assert.match(bad.json().detail, message);
      }
      assert.equal((await t.app.inject({ method: 'PATCH', url: `${SCHEDULES}/${s.id}`, headers, payload: [{ op: 'add', path: '/name', value: 'x' }] })).statusCode, 400);
      assert.equal((await t.app.inject({ method: 'DELETE', url: `${SCHEDULES}/${s.id}`, headers })).statusCode, 204);
      assert.equal((await t.app.inject({ url: `${SCHEDULES}/${s.id}`, headers })).statusCode, 404);
    });

    it('searches audiences by namespace and text, with the taxonomy of their folder', async () => {
      const gold = await createSegment(t, headers, 'Gold loyalty members', '_acme.tier = "gold"', false);
      await createSegment(t, headers, 'Silver loyalty members', '_acme.tier = "silver"', false);
      const q = 'schema.name=_xdm.context.segmentdefinition';
      const counts = (await t.app.inject({ url: `${SEARCH}/namespaces?${q}&s=loyalty`, headers: { ...headers, 'x-ups-search-version': '1.0' } })).json();
      assert.deepEqual(counts.namespaces, [{ namespace: 'AEPSegments', displayName: 'AEPSegments', count: 2 }]);
      assert.equal(counts.totalCount, '1');
      const found = (await t.app.inject({ url: `${SEARCH}/entities?schemaClass=_xdm.context.segmentdefinition&namespace=AEPSegments&s=${encodeURIComponent('name:gold*')}&limit=10&page=0`, headers })).json();
      assert.deepEqual(found.entities.map((e: { id: string }) => e.id), [gold]);
      assert.equal(found.entities[0].isFolder, false);
      assert.equal(found.entities[0].parentFolderId, 'root');
      assert.deepEqual(found.page, { totalCount: 1, totalPages: 1, pageOffset: 0, pageSize: 1 });
      const taxonomy = (await t.app.inject({ url: `${SEARCH}/taxonomy?${q}&namespace=AEPSegments&entityId=${gold}`, headers })).json();
      assert.deepEqual(taxonomy.taxonomy.map((f: { id: string }) => f.id), ['root']);
      assert.equal((await t.app.inject({ url: `${SEARCH}/taxonomy?${q}&namespace=AEPSegments&entityId=nope`, headers })).json().status.message, 'Cannot find entityId nope.');
      for (const url of [`${SEARCH}/namespaces?schema.name=_xdm.context.profile`, `${SEARCH}/entities?schemaClass=_xdm.context.segmentdefinition&namespace=AEPSegments&s=owner:me`, `${SEARCH}/entities?schemaClass=_xdm.context.segmentdefinition&namespace=AEPSegments&limit=51`]) {
        const bad = await t.app.inject({ url, headers });
        assert.equal(bad.statusCode, 400, `${url}: ${bad.body}`);
      }
      // Another sandbox finds none of these.
      const other = await t.headers('OTHER@AdobeOrg', 'prod');
      assert.deepEqual((await t.app.inject({ url: `${SEARCH}/namespaces?${q}`, headers: other })).json().namespaces, []);
    });
  });
}

