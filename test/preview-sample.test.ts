/** Preview sample status and its reports through HTTP on both stores, counted by hand on a small sandbox. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { STORE_KINDS, type TestApp, startTestApp } from './support/app.js';
import { EVENT_SCHEMA_ID, type IngestFixture, PROFILE_SCHEMA_ID, createDefaultPolicy, createProfileDataset, ingestFixture, streamRecord, personRecord } from './support/fixtures.js';

const ORG = 'SAMPLES@AdobeOrg';
const BASE = '/data/core/ups/previewsamplestatus';

for (const kind of STORE_KINDS) {
  describe(`preview sample status (${kind})`, () => {
    let t: TestApp;
    let f: IngestFixture;
    let loyalty: string;
    const get = (url: string) => t.app.inject({ url, headers: f.headers });
    const send = (datasetId: string, schemaId: string, entity: Record<string, unknown>) => streamRecord(t, f, ORG, datasetId, schemaId, entity);
    const samples = async () => Number((await t.store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM preview_samples WHERE tenant_id = ?', [f.tenantId]))!.n);

    before(async () => {
      t = await startTestApp(kind);
      f = await ingestFixture(t, ORG);
      await createDefaultPolicy(t, f);
      loyalty = await createProfileDataset(t, f, 'Loyalty');
    });
    after(() => t.close());

    it('has no report before a sample ran', async () => {
      const status = await get(BASE);
      assert.equal(status.statusCode, 200, status.body);
      assert.equal(status.json().status, 'NOT_STARTED');
      for (const path of ['dataset', 'namespace', 'dataset/overlap', 'namespace/overlap', 'unknownProfiles']) {
        const res = await get(`${BASE}/report/${path}`);
        assert.equal(res.statusCode, 404, `${path}: ${res.body}`);
        assert.match(res.json().message, /No preview sample/);
      }
    });

    it('counts profiles by dataset, namespace, their overlaps and the unknown ones', async () => {
      // Three CRM people (CRMID + Email); person 1 also has a loyalty record; someone known only by a phone, with events.
      for (const n of [1, 2, 3]) await send(f.profileDataset, PROFILE_SCHEMA_ID, personRecord(n));
      await send(loyalty, PROFILE_SCHEMA_ID, { identityMap: { Email: [{ id: 'person1@example.com', primary: true }] }, _acme: { tier: 'gold' } });
      for (const id of ['p-1', 'p-2']) await send(f.eventDataset, EVENT_SCHEMA_ID, { _id: id, timestamp: '2026-11-01T10:00:00Z', eventType: 'web', identityMap: { Phone: [{ id: '+15550100', primary: true }] } });
      // The phone person was last seen 40 days ago.
      await t.store.db.run("UPDATE events SET ingested_at = ? WHERE tenant_id = ? AND primary_ns = 'Phone'", [Date.now() - 40 * 86_400_000, f.tenantId]);
      const asked = await t.app.inject({ method: 'POST', url: BASE, headers: f.headers, payload: {} });
      assert.equal(asked.statusCode, 202, asked.body);
      await t.app.services.jobs.drain();

      const status = (await get(BASE)).json();
      assert.equal(status.status, 'TASK_FINISHED');
      assert.equal(status.totalRows, '4');
      assert.equal(status.numRowsToRead, '4');
      assert.equal(status.samplingRatio, 1);
      assert.equal(status.totalFragmentCount, 6);
      assert.equal(status.cosmosDocCount, '"6"');
      assert.equal(status.mergeStrategy, 'timestampOrdered_auto');
      assert.equal(status.lastBatchId, '"null"');
      assert.match(status.lastSampledTimestamp, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.0$/);

      const datasets = (await get(`${BASE}/report/dataset`)).json();
      const byId = Object.fromEntries((datasets.data as Array<Record<string, any>>).map((d) => [d.value, d]));
      assert.equal(byId[f.profileDataset].sampleCount, 3);
      assert.equal(byId[f.profileDataset].samplePercentage, 75);
      assert.equal(byId[f.profileDataset].name, 'CRM');
      assert.equal(byId[f.profileDataset].streamingIngestionEnabled, 'true');
      assert.equal(byId[loyalty].sampleCount, 1);
      assert.equal(byId[f.eventDataset].sampleCount, 1);
      assert.match(datasets.reportTimestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$/);

      const namespaces = (await get(`${BASE}/report/namespace`)).json().data as Array<{ code: string; sampleCount: number; value: string; fullIDsCount: number }>;
      const ns = Object.fromEntries(namespaces.map((n) => [n.code, n]));
      assert.deepEqual([ns.CRMID!.sampleCount, ns.Email!.sampleCount, ns.Phone!.sampleCount], [3, 3, 1]);
      assert.match(ns.Email!.value, /^\d+$/);

      const overlap = (await get(`${BASE}/report/dataset/overlap`)).json().data;
      assert.deepEqual(overlap, { [f.profileDataset]: 2, [[f.profileDataset, loyalty].sort().join(',')]: 1, [f.eventDataset]: 1 });
      assert.deepEqual((await get(`${BASE}/report/namespace/overlap`)).json().data, { 'CRMID,Email': 3, Phone: 1 });

      const unknown = (await get(`${BASE}/report/unknownProfiles`)).json().data;
      assert.equal(unknown.totalNumberOfProfiles, 4);
      assert.equal(unknown.totalNumberOfEvents, 2);
      assert.deepEqual(unknown.unknownProfiles['30days'], { countOfProfiles: 1, eventsAssociated: 2, nsDistribution: { Phone: { countOfProfiles: 1, eventsAssociated: 2 } } });
      assert.equal(unknown.unknownProfiles['60days'].countOfProfiles, 0);
    });

    it('answers reports by date, 404 for a date without one, 400 for a malformed date', async () => {
      const today = new Date().toISOString().slice(0, 10);
      assert.equal((await get(`${BASE}/report/dataset?date=${today}`)).statusCode, 200);
      assert.equal((await get(`${BASE}/report/namespace?date=2001-01-01`)).statusCode, 404);
      assert.equal((await get(`${BASE}/report/dataset?date=yesterday`)).statusCode, 400);
      // A body declared in a charset other than UTF-8 would be misread: refused, not parsed.
      const utf16 = await t.app.inject({ method: 'POST', url: BASE, headers: { ...f.headers, 'content-type': 'application/json; charset=utf-16' }, payload: '{}' });
      assert.equal(utf16.statusCode, 415, utf16.body);
      assert.match(utf16.json().detail, /utf-16/);
    });

    it('samples again after ingestion moves the profile data by more than 5%, and not otherwise', async () => {
      await t.app.services.feed.drain();
      const before = await samples();
      await send(f.profileDataset, PROFILE_SCHEMA_ID, personRecord(9));
      await t.app.services.feed.drain();
      const queued = await t.store.db.all<{ ref: string; run_after: number }>("SELECT ref, run_after FROM jobs WHERE tenant_id = ? AND kind = 'preview-sample' AND status = 'queued'", [f.tenantId]);
      assert.equal(queued.length, 1, JSON.stringify(queued));
      assert.match(queued[0]!.ref, /^auto:/);
      assert.ok(Number(queued[0]!.run_after) > Date.now() && Number(queued[0]!.run_after) <= Date.now() + 3_600_000, 'checked within the hour of a streamed write');
      // Run it now rather than wait for the hour.
      await t.store.db.run("UPDATE jobs SET run_after = 0 WHERE tenant_id = ? AND kind = 'preview-sample'", [f.tenantId]);
      await t.app.services.jobs.drain();
      assert.equal(await samples(), before + 1, '5 fragments after 4 is a 25% change');
      assert.equal((await get(BASE)).json().totalRows, '5');
      // A second automatic check with nothing changed records nothing.
      await t.store.db.transaction((tx) => tx.run("INSERT INTO jobs (tenant_id, kind, ref, status, payload, attempts, created_at, updated_at) VALUES (?, 'preview-sample', 'auto:again', 'queued', '{\"reason\":\"ingestion\"}', 0, 0, 0)", [f.tenantId]));
      await t.app.services.jobs.drain();
      assert.equal(await samples(), before + 1);
    });

    it('keeps samples inside their sandbox', async () => {
      const other = await t.headers('OTHER@AdobeOrg', 'prod');
      assert.equal((await t.app.inject({ url: `${BASE}/report/dataset`, headers: other })).statusCode, 404);
      assert.equal((await t.app.inject({ url: BASE, headers: other })).json().totalRows, '0');
    });
  });
}
