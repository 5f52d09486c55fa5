/** Tenancy: data written in one sandbox or org is invisible from every other, whatever ids are used; reset empties one. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { STORE_KINDS, type TestApp, startTestApp } from './support/app.js';
import { type IngestFixture, PROFILE_SCHEMA_ID, envelope, ingestFixture, personRecord } from './support/fixtures.js';

const X = 'ORGX@AdobeOrg';
const Y = 'ORGY@AdobeOrg';

for (const kind of STORE_KINDS) {
  describe(`tenant isolation (${kind})`, () => {
    let t: TestApp;
    let x: IngestFixture;
    let batchId: string;
    before(async () => {
      t = await startTestApp(kind);
      x = await ingestFixture(t, X);
      await t.app.inject({ method: 'POST', url: `/collection/${x.inletId}`, headers: x.headers, payload: envelope(x.profileDataset, PROFILE_SCHEMA_ID, personRecord(1), X) });
      const batch = await t.app.inject({ method: 'POST', url: '/data/foundation/import/batches', headers: x.headers, payload: { datasetId: x.profileDataset } });
      batchId = batch.json().id;
      await t.app.inject({ method: 'POST', url: '/data/foundation/sandbox-management/sandboxes', headers: x.headers, payload: { name: 'dev', title: 'Dev', type: 'development' } });
    });
    after(() => t.close());

    const others = async () => [
      { label: 'org X, sandbox dev', headers: { ...(await t.headers(X, 'dev')), 'content-type': 'application/json' } },
      { label: 'org Y, sandbox prod', headers: { ...(await t.headers(Y)), 'content-type': 'application/json' } },
    ];

    it('shows another sandbox or org none of the datasets, batches, connections or inlets, even by id', async () => {
      for (const other of await others()) {
        const get = (url: string) => t.app.inject({ url, headers: other.headers });
        assert.deepEqual((await get('/data/foundation/catalog/dataSets')).json(), {}, other.label);
        assert.equal((await get(`/data/foundation/catalog/dataSets/${x.profileDataset}`)).statusCode, 404, other.label);
        assert.equal((await get(`/data/foundation/catalog/batches/${batchId}`)).statusCode, 404, other.label);
        assert.deepEqual((await get('/data/foundation/catalog/batches')).json(), {}, other.label);
        assert.deepEqual((await get('/data/foundation/flowservice/connections')).json(), { items: [] }, other.label);
        const streamed = await t.app.inject({ method: 'POST', url: `/collection/${x.inletId}`, headers: other.headers, payload: envelope(x.profileDataset, PROFILE_SCHEMA_ID, personRecord(2), X) });
        assert.equal(streamed.statusCode, 404, other.label);
        const batch = await t.app.inject({ method: 'POST', url: '/data/foundation/import/batches', headers: other.headers, payload: { datasetId: x.profileDataset } });
        assert.equal(batch.json().code, 'DATASET_NOT_FOUND', other.label);
        const upload = await t.app.inject({
          method: 'PUT',
          url: `/data/foundation/import/batches/${batchId}/datasets/${x.profileDataset}/files/f.json`,
          headers: { ...other.headers, 'content-type': 'application/octet-stream' },
          payload: '[]',
        });
        assert.equal(upload.json().code, 'BATCH_NOT_FOUND', other.label);
        const del = await t.app.inject({ method: 'DELETE', url: `/data/foundation/catalog/dataSets/${x.profileDataset}`, headers: other.headers });
        assert.equal(del.statusCode, 404, other.label);
      }
      // Nothing of X's was touched by the attempts.
      assert.equal((await t.app.inject({ url: `/data/foundation/catalog/dataSets/${x.profileDataset}`, headers: x.headers })).statusCode, 200);
      const rows = await t.store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM fragments WHERE tenant_id = ?', [x.tenantId]);
      assert.equal(Number(rows!.n), 1);
    });

    it('reset removes every resource and all data of the sandbox, and nothing of any other', async () => {
      const y = await ingestFixture(t, Y);
      await t.app.inject({ method: 'POST', url: `/collection/${y.inletId}`, headers: y.headers, payload: envelope(y.profileDataset, PROFILE_SCHEMA_ID, personRecord(1), Y) });
      const reset = await t.app.inject({ method: 'PUT', url: '/data/foundation/sandbox-management/sandboxes/prod', headers: x.headers, payload: { action: 'reset' } });
      assert.equal(reset.statusCode, 200);
      assert.deepEqual((await t.app.inject({ url: '/data/foundation/catalog/dataSets', headers: x.headers })).json(), {});
      assert.deepEqual((await t.app.inject({ url: '/data/foundation/flowservice/connections', headers: x.headers })).json(), { items: [] });
      const streamed = await t.app.inject({ method: 'POST', url: `/collection/${x.inletId}`, headers: x.headers, payload: envelope(x.profileDataset, PROFILE_SCHEMA_ID, personRecord(3), X) });
      assert.equal(streamed.json().code, 'INLET_NOT_FOUND');
      // The sandbox answers from a fresh tenant key at once; the purge job removes the retired key's rows.
      await t.app.services.jobs.drain();
      for (const table of ['fragments', 'record_identities', 'events', 'datasets', 'batches', 'connections', 'xdm_resources', 'jobs']) {
        const n = await t.store.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table} WHERE tenant_id = ?`, [x.tenantId]);
        assert.equal(Number(n!.n), 0, table);
      }
      assert.equal((await t.app.inject({ url: `/data/foundation/catalog/dataSets/${y.profileDataset}`, headers: y.headers })).statusCode, 200);
      const yRows = await t.store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM fragments WHERE tenant_id = ?', [y.tenantId]);
      assert.equal(Number(yRows!.n), 1);
    });
  });
}
