/** Profile system jobs through HTTP on both stores: a hand-drawn graph split by a dataset delete, batch deletes, and every refusal. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { STORE_KINDS, type TestApp, startTestApp } from './support/app.js';
import { EVENT_SCHEMA_ID, type IngestFixture, PROFILE_SCHEMA_ID, createDefaultPolicy, createProfileDataset, ingestFixture, streamRecord } from './support/fixtures.js';
import { eventually } from './support/wait.js';

const ORG = 'SYSJOBS@AdobeOrg';
const JOBS = '/data/core/ups/system/jobs';
const E = '/data/core/ups/access/entities';
/** An ECID (38 digits) numbered `n`. */
const ecid = (n: number) => String(n).padStart(38, '0');
const X1 = ecid(1);

for (const kind of STORE_KINDS) {
  describe(`profile system jobs (${kind})`, () => {
    let t: TestApp;
    let f: IngestFixture;
    let loyalty: string;
    before(async () => {
      t = await startTestApp(kind);
      f = await ingestFixture(t, ORG);
      await createDefaultPolicy(t, f);
      loyalty = await createProfileDataset(t, f, 'Loyalty');
    });
    after(() => t.close());

    const send = (datasetId: string, schemaId: string, entity: Record<string, unknown>) => streamRecord(t, f, ORG, datasetId, schemaId, entity);
    const profile = async (ns: string, id: string) => {
      const res = await t.app.inject({ url: `${E}?schema.name=_xdm.context.profile&entityId=${encodeURIComponent(id)}&entityIdNS=${ns}`, headers: f.headers });
      return res.statusCode === 404 ? undefined : (Object.values(res.json() as Record<string, any>)[0].entity as Record<string, any>);
    };
    const events = async (ns: string, id: string) => {
      const res = await t.app.inject({
        url: `${E}?schema.name=_xdm.context.experienceevent&relatedSchema.name=_xdm.context.profile&relatedEntityId=${encodeURIComponent(id)}&relatedEntityIdNS=${ns}`,
        headers: f.headers,
      });
      assert.equal(res.statusCode, 200, res.body);
      return (res.json().children as Array<{ entity: { _id: string } }>).map((c) => c.entity._id).sort();
    };
    const members = async (ns: string, id: string) => {
      const res = await t.app.inject({ url: `/data/core/identity/cluster/members?namespace=${ns}&id=${encodeURIComponent(id)}`, headers: f.headers });
      assert.equal(res.statusCode, 200, res.body);
      return (res.json().clusters[0].members as Array<{ namespace: string; id: string }>).map((m) => `${m.namespace}:${m.id}`).sort();
    };
    const create = (payload: Record<string, unknown>, headers = f.headers) => t.app.inject({ method: 'POST', url: JOBS, headers, payload });
    const runJobs = async () => {
      await t.app.services.jobs.drain();
      await t.app.services.feed.drain();
    };

    it('splits a person held together by one dataset\'s links into two, and recomputes both profiles', async () => {
      // The hand-drawn graph: crm-1 —(CRM)— ann@x —(Web events)— ecid-1; ecid-1 has a Loyalty fragment of its own.
      await send(f.profileDataset, PROFILE_SCHEMA_ID, { identityMap: { CRMID: [{ id: 'crm-1', primary: true }], Email: [{ id: 'ann@x.com' }] }, person: { name: { firstName: 'Ann' } } });
      await send(loyalty, PROFILE_SCHEMA_ID, { identityMap: { ECID: [{ id: X1, primary: true }] }, person: { name: { lastName: 'Web' } } });
      await send(f.eventDataset, EVENT_SCHEMA_ID, { _id: 'ev-1', timestamp: '2026-11-01T10:00:00Z', eventType: 'web', identityMap: { ECID: [{ id: X1, primary: true }], Email: [{ id: 'ann@x.com' }] } });
      await runJobs();
      assert.deepEqual((await profile('CRMID', 'crm-1'))?.person?.name, { firstName: 'Ann', lastName: 'Web' });
      assert.deepEqual(await members('CRMID', 'crm-1'), ['CRMID:crm-1', `ECID:${X1}`, 'Email:ann@x.com']);

      const res = await create({ dataSetId: f.eventDataset });
      assert.equal(res.statusCode, 200, res.body);
      const job = res.json();
      assert.equal(job.requestType, 'TRUNCATE_DATASET');
      assert.equal(job.status, 'NEW');
      assert.deepEqual(job.properties, { datasetId: f.eventDataset });
      assert.equal(job.sandbox.sandboxName, 'prod');
      assert.equal(job.imsOrgId, ORG);
      assert.match(job.requestId, /^[0-9a-f-]{36}$/);

      await runJobs();
      const done = await t.app.inject({ url: `${JOBS}/${job.requestId}`, headers: f.headers });
      assert.equal(done.statusCode, 200, done.body);
      assert.equal(done.json().status, 'SUCCESS');
      const metrics = JSON.parse(done.json().metrics);
      assert.equal(metrics.events, 1);
      assert.equal(metrics.links, 1);
      assert.equal(metrics.splits, 1);

      assert.deepEqual(await members('CRMID', 'crm-1'), ['CRMID:crm-1', 'Email:ann@x.com']);
      assert.deepEqual(await members('ECID', X1), [`ECID:${X1}`]);
      await eventually('both profiles recomputed', async () => {
        await t.app.services.feed.drain();
        const a = await profile('CRMID', 'crm-1');
        const b = await profile('ECID', X1);
        return JSON.stringify(a?.person?.name) === '{"firstName":"Ann"}' && JSON.stringify(b?.person?.name) === '{"lastName":"Web"}';
      }, 10_000);
      assert.deepEqual(await events('ECID', X1), []);
      // The dataset itself stays in Catalog, as in AEP.
      const ds = await t.app.inject({ url: `/data/foundation/catalog/dataSets/${f.eventDataset}`, headers: f.headers });
      assert.equal(ds.statusCode, 200);
    });

    it('deletes one batch of an event dataset and leaves the others', async () => {
      const batch = async (ids: string[]) => {
        const created = await t.app.inject({ method: 'POST', url: '/data/foundation/import/batches', headers: f.headers, payload: { datasetId: f.eventDataset, inputFormat: { format: 'json' } } });
        assert.equal(created.statusCode, 201, created.body);
        const id = created.json().id as string;
        const lines = ids.map((e) => JSON.stringify({ _id: e, timestamp: '2026-11-02T10:00:00Z', eventType: 'web', identityMap: { CRMID: [{ id: 'crm-2', primary: true }], ECID: [{ id: ecid(1000 + ids.indexOf(e) + (e.startsWith('b2') ? 100 : 0)) }] } }));
        const put = await t.app.inject({
          method: 'PUT',
          url: `/data/foundation/import/batches/${id}/datasets/${f.eventDataset}/files/events.json`,
          headers: { ...f.headers, 'content-type': 'application/octet-stream' },
          payload: lines.join('\n'),
        });
        assert.equal(put.statusCode, 200, put.body);
        const done = await t.app.inject({ method: 'POST', url: `/data/foundation/import/batches/${id}?action=COMPLETE`, headers: f.headers });
        assert.equal(done.statusCode, 200, done.body);
        await runJobs();
        return id;
      };
      const first = await batch(['b1-a', 'b1-b']);
      await batch(['b2-a']);
      assert.deepEqual(await events('CRMID', 'crm-2'), ['b1-a', 'b1-b', 'b2-a']);
      assert.equal((await members('CRMID', 'crm-2')).length, 4);

      // The newer doc's body; the Azure body (batchId alone) is taken too.
      const res = await create({ datasetId: f.eventDataset, batchId: first });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().requestType, 'DELETE_EE_BATCH');
      assert.deepEqual(res.json().properties, { datasetId: f.eventDataset, batchId: first });
      await runJobs();
      assert.equal((await t.app.inject({ url: `${JOBS}/${res.json().requestId}`, headers: f.headers })).json().status, 'SUCCESS');
      assert.deepEqual(await events('CRMID', 'crm-2'), ['b2-a']);
      assert.deepEqual(await members('CRMID', 'crm-2'), ['CRMID:crm-2', `ECID:${ecid(1100)}`]);
    });

    it('truncates a record dataset: its people are gone from the entities API', async () => {
      await send(loyalty, PROFILE_SCHEMA_ID, { identityMap: { CRMID: [{ id: 'crm-9', primary: true }] }, person: { name: { firstName: 'Gone' } } });
      assert.ok(await profile('CRMID', 'crm-9'));
      const res = await create({ dataSetId: loyalty });
      assert.equal(res.statusCode, 200, res.body);
      await runJobs();
      assert.equal(await profile('CRMID', 'crm-9'), undefined);
      assert.equal(await profile('ECID', X1), undefined);
      assert.equal(JSON.parse((await t.app.inject({ url: `${JOBS}/${res.json().requestId}`, headers: f.headers })).json().metrics).fragments, 2);
    });

    it('answers 422 for a duplicate open request, and a removed request is gone', async () => {
      const first = await create({ dataSetId: f.profileDataset });
      assert.equal(first.statusCode, 200, first.body);
      const dup = await create({ datasetId: f.profileDataset });
      assert.equal(dup.statusCode, 422, dup.body);
      assert.match(dup.json().message, /already exists/);
      const removed = await t.app.inject({ method: 'DELETE', url: `${JOBS}/${first.json().requestId}`, headers: f.headers });
      assert.equal(removed.statusCode, 200, removed.body);
      assert.equal(removed.body, '');
      assert.equal((await t.app.inject({ url: `${JOBS}/${first.json().requestId}`, headers: f.headers })).statusCode, 404);
      await runJobs();
      // It never ran: the CRM person is still there.
      assert.ok(await profile('CRMID', 'crm-1'));
      const again = await create({ dataSetId: f.profileDataset });
      assert.equal(again.statusCode, 200, again.body);
      await t.app.inject({ method: 'DELETE', url: `${JOBS}/${again.json().requestId}`, headers: f.headers });
    });

    it('lists requests oldest first with the doc\'s page, 0-based pages of `limit`', async () => {
      const all = await t.app.inject({ url: JOBS, headers: f.headers });
      assert.equal(all.statusCode, 200, all.body);
      const body = all.json();
      assert.equal(body._page.totalCount, 3);
      assert.deepEqual(body.children.map((c: { requestType: string }) => c.requestType), ['TRUNCATE_DATASET', 'DELETE_EE_BATCH', 'TRUNCATE_DATASET']);
      const second = (await t.app.inject({ url: `${JOBS}?start=1&limit=2`, headers: f.headers })).json();
      assert.equal(second.children.length, 1);
      assert.equal(second._page.start, '1');
      assert.equal((await t.app.inject({ url: `${JOBS}?limit=2`, headers: f.headers })).json()._page.next, 1);
    });

    it('refuses bad requests with a 4xx that names what is wrong', async () => {
      const cases: Array<[Record<string, unknown>, number, RegExp]> = [
        [{}, 400, /dataSetId/],
        [{ dataSetId: 'nope' }, 404, /nope/],
        [{ batchId: 'no-such-batch' }, 404, /no-such-batch/],
        [{ dataSetId: f.profileDataset, datasetId: f.eventDataset }, 400, /different datasets/],
        [{ batchId: '' }, 400, /batchId/],
      ];
      for (const [payload, status, message] of cases) {
        const res = await create(payload);
        assert.equal(res.statusCode, status, `${JSON.stringify(payload)}: ${res.body}`);
        assert.match(res.body, message);
      }
      // A record dataset's batch cannot be deleted (it overwrote earlier records).
      const b = await t.app.inject({ method: 'POST', url: '/data/foundation/import/batches', headers: f.headers, payload: { datasetId: f.profileDataset, inputFormat: { format: 'json' } } });
      const res = await create({ batchId: b.json().id });
      assert.equal(res.statusCode, 400, res.body);
      assert.match(res.json().message, /ExperienceEvent/);
      assert.equal((await t.app.inject({ url: `${JOBS}/not-a-job`, headers: f.headers })).statusCode, 404);
      assert.equal((await t.app.inject({ method: 'DELETE', url: `${JOBS}/not-a-job`, headers: f.headers })).statusCode, 404);
      assert.equal((await t.app.inject({ url: `${JOBS}?sort=name:desc`, headers: f.headers })).statusCode, 400);
    });

    it('purges a dataset deleted from Catalog in a job, not in the request, and does not list it as a system job', async () => {
      const gone = await createProfileDataset(t, f, 'Short-lived');
      await send(gone, PROFILE_SCHEMA_ID, { identityMap: { CRMID: [{ id: 'crm-7', primary: true }], Email: [{ id: 'seven@x.com' }] }, person: { name: { firstName: 'Seven' } } });
      const stored = async () => Number((await t.store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM fragments WHERE tenant_id = ? AND dataset_id = ?', [f.tenantId, gone]))!.n);
      // An uploaded file of one of its batches: it goes with the dataset's data.
      const batch = (await t.app.inject({ method: 'POST', url: '/data/foundation/import/batches', headers: f.headers, payload: { datasetId: gone, inputFormat: { format: 'json' } } })).json().id as string;
      const put = await t.app.inject({ method: 'PUT', url: `/data/foundation/import/batches/${batch}/datasets/${gone}/files/a.json`, headers: { ...f.headers, 'content-type': 'application/octet-stream' }, payload: '[]' });
      assert.equal(put.statusCode, 200, put.body);
      const folder = join(t.store.config.dataDir, 'uploads', String(f.tenantId), batch);
      assert.ok(existsSync(folder));
      const listed = (await t.app.inject({ url: JOBS, headers: f.headers })).json()._page.totalCount;
      assert.equal((await t.app.inject({ method: 'DELETE', url: `/data/foundation/catalog/dataSets/${gone}`, headers: f.headers })).statusCode, 200);
      assert.equal((await t.app.inject({ url: `/data/foundation/catalog/dataSets/${gone}`, headers: f.headers })).statusCode, 404);
      assert.equal(await stored(), 1, 'the request only queued the purge');
      await runJobs();
      assert.equal(await stored(), 0);
      assert.equal(existsSync(folder), false, 'the batch upload went with the dataset');
      assert.equal(await profile('CRMID', 'crm-7'), undefined);
      assert.deepEqual(await members('CRMID', 'crm-7'), ['CRMID:crm-7']);
      assert.equal((await t.app.inject({ url: JOBS, headers: f.headers })).json()._page.totalCount, listed);
    });

    it('keeps requests inside their sandbox', async () => {
      const mine = (await t.app.inject({ url: JOBS, headers: f.headers })).json().children[0].requestId as string;
      const other = { ...(await t.headers('OTHER@AdobeOrg', 'prod')), 'content-type': 'application/json' };
      assert.equal((await t.app.inject({ url: `${JOBS}/${mine}`, headers: other })).statusCode, 404);
      assert.equal((await t.app.inject({ method: 'DELETE', url: `${JOBS}/${mine}`, headers: other })).statusCode, 404);
      assert.equal((await t.app.inject({ url: JOBS, headers: other })).json()._page.totalCount, 0);
      assert.equal((await create({ dataSetId: f.profileDataset }, other)).statusCode, 404);
    });
  });
}
