/** The routes Adobe's Postman collections call that the other tests do not: Catalog batch writes, dataset PUT, identity mappings, streaming paths (large files and preview: batch-files.test.ts). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { STORE_KINDS, type TestApp, startTestApp } from './support/app.js';
import { type IngestFixture, envelope, ingestFixture, personRecord, PROFILE_SCHEMA_ID } from './support/fixtures.js';

const ORG = 'COLLECTIONS@AdobeOrg';
const CATALOG = '/data/foundation/catalog';
const IMPORT = '/data/foundation/import/batches';

for (const kind of STORE_KINDS) {
  describe(`Adobe collection routes (${kind})`, () => {
    let t: TestApp;
    let f: IngestFixture;
    before(async () => {
      t = await startTestApp(kind);
      f = await ingestFixture(t, ORG);
    });
    after(() => t.close());

    const inject = (method: string, url: string, payload?: unknown, headers: Record<string, string> = {}) =>
      t.app.inject({ method: method as 'GET', url, headers: { ...f.headers, ...headers }, ...(payload === undefined ? {} : { payload: payload as string }) });
    const batchOf = async (id: string) => (await inject('GET', `${CATALOG}/batches/${id}`)).json()[id];
    /** Catalog's createBatch body, as in Catalog's docs: the dataset as a related object. */
    async function catalogBatch(datasetId = f.profileDataset, extra: Record<string, unknown> = {}): Promise<string> {
      const res = await inject('POST', `${CATALOG}/batches`, { relatedObjects: [{ type: 'dataSet', id: datasetId }], inputFormat: { format: 'json' }, ...extra });
      assert.equal(res.statusCode, 201, res.body);
      const [ref] = res.json() as string[];
      assert.match(ref!, /^@\/batches\/[0-9a-f]{32}$/);
      assert.equal(res.headers.location, `${CATALOG}/batches/${ref!.slice(10)}`);
      return ref!.slice(10);
    }
    async function upload(batchId: string, name: string, body: string) {
      const res = await inject('PUT', `${IMPORT}/${batchId}/datasets/${f.profileDataset}/files/${name}`, body, { 'content-type': 'application/octet-stream' });
      assert.equal(res.statusCode, 200, res.body);
    }
    async function completeAndWait(batchId: string) {
      const res = await inject('POST', `${IMPORT}/${batchId}?action=COMPLETE`);
      assert.equal(res.statusCode, 200, res.body);
      await t.app.services.jobs.drain();
      return batchOf(batchId);
    }

    describe('Catalog batches', () => {
      it('creates a batch the import API then loads, with its tags on GET', async () => {
        const id = await catalogBatch(f.profileDataset, { status: 'loading', tags: { source: ['crm'] }, externalId: 'ext-1' });
        const b = await batchOf(id);
        assert.equal(b.status, 'loading');
        assert.deepEqual(b.tags, { source: ['crm'] });
        assert.equal(b.externalId, 'ext-1');
        assert.deepEqual(b.relatedObjects, [{ type: 'dataSet', id: f.profileDataset }]);
        await upload(id, 'people.json', JSON.stringify([personRecord(900), personRecord(901)]));
        const done = await completeAndWait(id);
        assert.equal(done.status, 'success');
        assert.equal(done.recordCount, 2);
      });

      it('creates a batch with a chosen id, and refuses the same id twice', async () => {
        const res = await inject('POST', `${CATALOG}/batches/my-batch-1`, { relatedObjects: [{ type: 'dataSet', id: f.profileDataset }] });
        assert.equal(res.statusCode, 201, res.body);
        assert.deepEqual(res.json(), ['@/batches/my-batch-1']);
        const again = await inject('POST', `${CATALOG}/batches/my-batch-1`, { relatedObjects: [{ type: 'dataSet', id: f.profileDataset }] });
        assert.equal(again.statusCode, 409);
        assert.equal(again.json().code, 'BATCH_EXISTS');
      });

      it('refuses a batch without a dataset, of an unknown dataset, or created in another status', async () => {
        const none = await inject('POST', `${CATALOG}/batches`, { inputFormat: { format: 'json' } });
        assert.equal(none.statusCode, 400);
        assert.equal(none.json().code, 'BATCH_INVALID');
        const unknown = await inject('POST', `${CATALOG}/batches`, { relatedObjects: [{ type: 'dataSet', id: 'nope' }] });
        assert.equal(unknown.statusCode, 404);
        assert.equal(unknown.json().code, 'DATASET_NOT_FOUND');
        const status = await inject('POST', `${CATALOG}/batches`, { status: 'success', relatedObjects: [{ type: 'dataSet', id: f.profileDataset }] });
        assert.equal(status.statusCode, 400);
        assert.equal(status.json().code, 'BATCH_FIELD_READ_ONLY');
        assert.match(status.json().detail, /status 'success'/);
      });

      it('PATCH merges tags, PUT replaces the client fields, and a GET → PUT round trip is accepted', async () => {
        const id = await catalogBatch(f.profileDataset, { tags: { a: ['1'] }, description: 'first' });
        const patched = await inject('PATCH', `${CATALOG}/batches/${id}`, { tags: { b: ['2'] } });
        assert.equal(patched.statusCode, 200, patched.body);
        assert.deepEqual(patched.json(), [`@/batches/${id}`]);
        assert.deepEqual((await batchOf(id)).tags, { a: ['1'], b: ['2'] });
        assert.equal((await batchOf(id)).description, 'first');
        const current = await batchOf(id);
        const put = await inject('PUT', `${CATALOG}/batches/${id}`, { ...current, tags: { c: ['3'] }, description: undefined });
        assert.equal(put.statusCode, 200, put.body);
        const after = await batchOf(id);
        assert.deepEqual(after.tags, { c: ['3'] });
        assert.equal(after.description, undefined);
        assert.equal(after.status, 'loading');
      });

      it('refuses changes to status, counts and dataset with a 400 naming the field, and changes nothing', async () => {
        const id = await catalogBatch();
        for (const [body, field] of [
          [{ status: 'success' }, 'status'],
          [{ recordCount: 10 }, 'recordCount'],
          [{ failedRecordCount: 1 }, 'failedRecordCount'],
          [{ metrics: { inputRecordCount: 5 } }, 'metrics.inputRecordCount'],
          [{ relatedObjects: [{ type: 'dataSet', id: f.eventDataset }] }, 'relatedObjects dataSet'],
        ] as const) {
          for (const method of ['PUT', 'PATCH']) {
            const res = await inject(method, `${CATALOG}/batches/${id}`, { ...body, tags: { x: ['y'] } });
            assert.equal(res.statusCode, 400, `${method} ${field}`);
            assert.equal(res.json().code, 'BATCH_FIELD_READ_ONLY');
            assert.ok(res.json().detail.startsWith(field), res.json().detail);
          }
        }
        assert.deepEqual((await batchOf(id)).tags, {});
        const bad = await inject('PATCH', `${CATALOG}/batches/${id}`, { recordCount: -1 });
        assert.equal(bad.statusCode, 400);
        assert.equal(bad.json().code, 'REQUEST_INVALID');
      });

      it('deletes a loading batch with its uploads, and a finished one keeps its profile data', async () => {
        const loading = await catalogBatch();
        await upload(loading, 'a.json', JSON.stringify([personRecord(910)]));
        const del = await inject('DELETE', `${CATALOG}/batches/${loading}`);
        assert.equal(del.statusCode, 200, del.body);
        assert.deepEqual(del.json(), [`@/batches/${loading}`]);
        assert.equal((await inject('GET', `${CATALOG}/batches/${loading}`)).statusCode, 404);
        const files = await t.store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM batch_files WHERE tenant_id = ? AND batch_id = ?', [f.tenantId, loading]);
        assert.equal(Number(files!.n), 0);

        const finished = await catalogBatch();
        await upload(finished, 'b.json', JSON.stringify([personRecord(911)]));
        assert.equal((await completeAndWait(finished)).status, 'success');
        assert.equal((await inject('DELETE', `${CATALOG}/batches/${finished}`)).statusCode, 200);
        const profile = await inject('GET', `/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=crm-911&entityIdNS=CRMID`);
        assert.equal(profile.statusCode, 200, profile.body);
        assert.equal((await inject('DELETE', `${CATALOG}/batches/${finished}`)).statusCode, 404);
      });

      it('reports the last batches of a dataset on the dataset object and in lastBatches', async () => {
        const okId = await catalogBatch(f.eventDataset);
        await inject('PUT', `${IMPORT}/${okId}/datasets/${f.eventDataset}/files/e.json`, JSON.stringify([{ _id: 'lb-1', timestamp: '2026-10-01T00:00:00Z', eventType: 'web.webpagedetails.pageViews', identityMap: { CRMID: [{ id: 'crm-1', primary: true }] } }]), { 'content-type': 'application/octet-stream' });
        assert.equal((await completeAndWait(okId)).status, 'success');
        const newest = await catalogBatch(f.eventDataset);
        const ds = (await inject('GET', `${CATALOG}/dataSets/${f.eventDataset}`)).json()[f.eventDataset];
        assert.equal(ds.lastBatchId, newest);
        assert.equal(ds.lastBatchStatus, 'loading');
        assert.equal(ds.lastSuccessfulBatch, okId);
        const list = (await inject('GET', `${CATALOG}/dataSets`)).json();
        assert.equal(list[f.eventDataset].lastBatchId, newest);
        const last = await inject('GET', `${CATALOG}/lastBatches?dataSetId=${f.eventDataset}`);
        assert.equal(last.statusCode, 200, last.body);
        assert.equal(last.json()[f.eventDataset].lastBatchId, newest);
        assert.equal(last.json()[f.eventDataset].lastSuccessfulBatchId, okId);
        assert.equal(last.json()[f.eventDataset].imsOrg, ORG);
        const filtered = await inject('GET', `${CATALOG}/lastBatches?lastBatchStatus=success`);
        assert.equal(filtered.json()[f.eventDataset], undefined);
        assert.equal((await inject('GET', `${CATALOG}/lastBatches?dataSetId=nope`)).statusCode, 404);
      });
    });

    describe('PUT dataSets/{id}', () => {
      it('replaces name, description and tags, toggling Profile like PATCH, and keeps schemaRef', async () => {
        const created = await inject('POST', `${CATALOG}/dataSets`, { name: 'Loyalty', description: 'old', schemaRef: { id: PROFILE_SCHEMA_ID, contentType: 'application/vnd.adobe.xed-full+json;version=1' }, tags: { team: ['crm'] } });
        const id = (created.json() as string[])[0]!.replace('@/dataSets/', '');
        const put = await inject('PUT', `${CATALOG}/dataSets/${id}`, { name: 'Loyalty v2', schemaRef: { id: PROFILE_SCHEMA_ID }, tags: { unifiedProfile: ['enabled:true'] } });
        assert.equal(put.statusCode, 200, put.body);
        assert.deepEqual(put.json(), [`@/dataSets/${id}`]);
        const d = (await inject('GET', `${CATALOG}/dataSets/${id}`)).json()[id];
        assert.equal(d.name, 'Loyalty v2');
        assert.equal(d.description, undefined);
        assert.deepEqual(d.tags, { unifiedProfile: ['enabled:true'] });
        const msg = envelope(id, PROFILE_SCHEMA_ID, personRecord(920), ORG);
        const streamed = await t.app.inject({ method: 'POST', url: `/collection/${f.inletId}`, headers: f.headers, payload: msg });
        assert.equal(streamed.statusCode, 200, streamed.body);
        const frag = await t.store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM fragments WHERE tenant_id = ? AND dataset_id = ?', [f.tenantId, id]);
        assert.equal(Number(frag!.n), 1);
      });

      it('refuses a different schemaRef and a missing name, changing nothing', async () => {
        const res = await inject('PUT', `${CATALOG}/dataSets/${f.eventDataset}`, { name: 'x', schemaRef: { id: PROFILE_SCHEMA_ID } });
        assert.equal(res.statusCode, 400);
        assert.equal(res.json().code, 'DATASET_SCHEMA_IMMUTABLE');
        const noName = await inject('PUT', `${CATALOG}/dataSets/${f.eventDataset}`, { tags: {} });
        assert.equal(noName.statusCode, 400);
        assert.equal(noName.json().code, 'REQUEST_INVALID');
        assert.equal((await inject('GET', `${CATALOG}/dataSets/${f.eventDataset}`)).json()[f.eventDataset].name, 'Web events');
        assert.equal((await inject('PUT', `${CATALOG}/dataSets/nope`, { name: 'x' })).statusCode, 404);
      });
    });

    describe('identity mappings, bulk cluster history, org namespaces', () => {
      const ID = '/data/core/identity';
      before(async () => {
        for (const record of [
          personRecord(930),
          personRecord(930, { identityMap: { CRMID: [{ id: 'crm-930', primary: true }], Email: [{ id: 'alt930@example.com' }] } }),
        ]) {
          const res = await t.app.inject({ method: 'POST', url: `/collection/${f.inletId}`, headers: f.headers, payload: envelope(f.profileDataset, PROFILE_SCHEMA_ID, record, ORG) });
          assert.equal(res.statusCode, 200, res.body);
        }
      });

      const get = (url: string) => t.app.inject({ url, headers: f.headers });
      const post = (url: string, payload: unknown) => t.app.inject({ method: 'POST', url, headers: f.headers, payload: payload as string });
      const xidOf = async (ns: string, id: string) => (await get(`${ID}/identity?namespace=${ns}&id=${encodeURIComponent(id)}`)).json().xid as string;
      const nsidOf = async (code: string) => ((await get('/data/core/idnamespace/identities')).json() as Array<{ code: string; id: number }>).find((n) => n.code === code)!.id;

      it('GET mapping lists the target namespace identities linked to an identity', async () => {
        const emailNs = await nsidOf('Email');
        const crm = await xidOf('CRMID', 'crm-930');
        const res = await get(`${ID}/mapping?xid=${crm}&targetNs=${emailNs}`);
        assert.equal(res.statusCode, 200, res.body);
        const [m] = res.json().mappings;
        assert.deepEqual(m.identity, { xid: crm });
        const linked = m.identityTimestamps.map((x: { xid: { xid: string } }) => x.xid.xid).sort();
        assert.deepEqual(linked, [await xidOf('Email', 'alt930@example.com'), await xidOf('Email', 'person930@example.com')].sort());
        assert.ok(!Number.isNaN(Date.parse(m.identityTimestamps[0].lastAssociationTime)));
        const byCode = await get(`${ID}/mapping?namespace=CRMID&id=crm-930&targetNs=Email`);
        assert.equal(byCode.json().mappings[0].identityTimestamps.length, 2);
        const noTarget = await get(`${ID}/mapping?xid=${crm}`);
        assert.equal(noTarget.statusCode, 400);
        assert.equal(noTarget.json().code, 'REQUEST_INVALID');
        assert.equal((await get(`${ID}/mapping?xid=${crm}&targetNs=999999`)).json().code, 'NAMESPACE_NOT_FOUND');
      });

      it('POST mappings answers many identities and lists those it cannot read as unprocessed', async () => {
        const crmNs = await nsidOf('CRMID');
        const email = await xidOf('Email', 'person930@example.com');
        const res = await post(`${ID}/mappings`, { xids: [{ xid: email }, { xid: 'not-an-xid' }], compositeXids: [{ nsid: await nsidOf('Email'), id: 'nobody@example.com' }], targetNs: crmNs, version: 1 });
        assert.equal(res.statusCode, 200, res.body);
        const body = res.json();
        assert.equal(body.mappings.length, 2);
        assert.deepEqual(body.mappings[0].identityTimestamps.map((x: { xid: { xid: string } }) => x.xid.xid), [await xidOf('CRMID', 'crm-930')]);
        assert.deepEqual(body.mappings[1].identityTimestamps, []);
        assert.deepEqual(body.unprocessedXids, [{ xid: 'not-an-xid' }]);
        const empty = await post(`${ID}/mappings`, { targetNs: crmNs });
        assert.equal(empty.statusCode, 400);
        assert.equal(empty.json().code, 'IDENTITY_QUERY_INVALID');
        const tooMany = await post(`${ID}/mappings`, { xids: Array.from({ length: 1001 }, () => email), targetNs: crmNs });
        assert.equal(tooMany.statusCode, 400);
        assert.equal(tooMany.json().code, 'REQUEST_INVALID');
        const together = await post(`${ID}/clusters/history`, { xids: Array.from({ length: 600 }, () => email), compositeXids: Array.from({ length: 401 }, () => ({ namespace: 'Email', id: 'x@example.com' })) });
        assert.equal(together.statusCode, 400);
        assert.equal(together.json().code, 'IDENTITY_REQUEST_TOO_LARGE');
      });

      it('POST clusters/history gives each identity its cluster', async () => {
        const crm = await xidOf('CRMID', 'crm-930');
        const email = await xidOf('Email', 'person930@example.com');
        const res = await post(`${ID}/clusters/history`, { xids: [{ xid: crm }, { xid: email }, { xid: 'bad' }], 'graph-type': 'Private Graph', version: '1.0' });
        assert.equal(res.statusCode, 200, res.body);
        const [a, b] = res.json().xidsClusterHistory;
        assert.deepEqual(a.xid, { xid: crm });
        assert.equal(a.clusterHistory.length, 1);
        assert.equal(a.clusterHistory[0].clusterId, b.clusterHistory[0].clusterId);
        assert.ok(!Number.isNaN(Date.parse(a.clusterHistory[0].cRecordedTS)));
        assert.deepEqual(res.json().unprocessedXids, [{ xid: 'bad' }]);
        const unseen = await post(`${ID}/clusters/history`, { compositeXids: [{ namespace: 'Email', id: 'never@example.com' }] });
        assert.deepEqual(unseen.json().xidsClusterHistory[0].clusterHistory, []);
      });

      it('GET idnamespace/orgs/{org}/identities answers the caller org its namespaces and another org none', async () => {
        const own = await get(`/data/core/idnamespace/orgs/${ORG}/identities`);
        assert.equal(own.statusCode, 200, own.body);
        assert.deepEqual(own.json(), (await get('/data/core/idnamespace/identities')).json());
        const other = await get('/data/core/idnamespace/orgs/OTHER@AdobeOrg/identities');
        assert.equal(other.statusCode, 200);
        assert.deepEqual(other.json(), []);
        const emailNs = await nsidOf('Email');
        assert.equal((await get(`/data/core/idnamespace/orgs/${ORG}/identities/${emailNs}`)).json().code, 'Email');
        const hidden = await get(`/data/core/idnamespace/orgs/OTHER@AdobeOrg/identities/${emailNs}`);
        assert.equal(hidden.statusCode, 404);
        assert.equal(hidden.json().code, 'NAMESPACE_NOT_FOUND');
      });
    });

    describe('streaming under /data/foundation/import', () => {

      it('takes one message and a batch of messages at the Data Ingestion collection paths, as /collection does', async () => {
        const one = await t.app.inject({
          method: 'POST',
          url: `/data/foundation/import/collection/${f.inletId}?syncValidation=true&synchronousValidation=true`,
          headers: f.headers,
          payload: envelope(f.profileDataset, PROFILE_SCHEMA_ID, personRecord(940), ORG),
        });
        assert.equal(one.statusCode, 200, one.body);
        assert.equal(one.json().inletId, f.inletId);
        const bad = personRecord(941, { _acme: { points: 'many' } });
        const many = await t.app.inject({
          method: 'POST',
          url: `/data/foundation/import/collection/batch/${f.inletId}`,
          headers: f.headers,
          payload: { messages: [envelope(f.profileDataset, PROFILE_SCHEMA_ID, personRecord(942), ORG), envelope(f.profileDataset, PROFILE_SCHEMA_ID, bad, ORG)] },
        });
        assert.equal(many.statusCode, 207, many.body);
        assert.equal(many.json().responses[0].status, undefined);
        assert.equal(many.json().responses[1].status, 400);
        const stored = await t.store.db.all<{ primary_id: string }>('SELECT primary_id FROM fragments WHERE tenant_id = ? AND primary_id IN (?, ?, ?) ORDER BY primary_id', [f.tenantId, 'crm-940', 'crm-941', 'crm-942']);
        assert.deepEqual(stored.map((r) => r.primary_id), ['crm-940', 'crm-942']);
        const unknown = await t.app.inject({ method: 'POST', url: '/data/foundation/import/collection/nope', headers: f.headers, payload: {} });
        assert.equal(unknown.statusCode, 404);
        assert.equal(unknown.json().code, 'INLET_NOT_FOUND');
      });
    });
  });
}
