/** Streaming ingestion through HTTP: inlets, single and batch messages, validation reports, replays, auth. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { STORE_KINDS, type TestApp, startTestApp } from './support/app.js';
import { EVENT_SCHEMA_ID, type IngestFixture, PROFILE_SCHEMA_ID, envelope, eventRecord, ingestFixture, personRecord } from './support/fixtures.js';

const ORG = 'STREAM@AdobeOrg';

for (const kind of STORE_KINDS) {
  describe(`streaming ingestion (${kind})`, () => {
    let t: TestApp;
    let f: IngestFixture;
    before(async () => {
      t = await startTestApp(kind);
      f = await ingestFixture(t, ORG);
    });
    after(() => t.close());

    const post = (url: string, payload: unknown, headers = f.headers) => t.app.inject({ method: 'POST', url, headers, payload: JSON.stringify(payload) });
    const count = async (table: string) => Number((await t.store.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table} WHERE tenant_id = ?`, [f.tenantId]))!.n);

    it('returns the inlet of a connection with its URL and auth flag', async () => {
      const res = await t.app.inject({ url: '/data/foundation/flowservice/connections', headers: f.headers });
      const params = res.json().items[0].auth.params;
      assert.equal(params.inletId, f.inletId);
      assert.match(params.inletUrl, new RegExp(`/collection/${f.inletId}$`));
      assert.equal(params.authenticationRequired, true);
    });

    it('accepts one valid record with 200 in the documented shape, and stores the fragment', async () => {
      const res = await post(`/collection/${f.inletId}`, envelope(f.profileDataset, PROFILE_SCHEMA_ID, personRecord(1), ORG));
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(body.inletId, f.inletId);
      assert.match(body.xactionId, /^\d+:\d+:\d+$/);
      assert.equal(typeof body.receivedTimeMs, 'number');
      const row = await t.store.db.get<{ data: string }>("SELECT data FROM fragments WHERE tenant_id = ? AND primary_ns = 'CRMID' AND primary_id = 'crm-1'", [f.tenantId]);
      assert.equal(JSON.parse(row!.data)._acme.loyaltyId, 'L1');
    });

    it('replaces the fragment when a record is re-sent for the same primary identity', async () => {
      await post(`/collection/${f.inletId}`, envelope(f.profileDataset, PROFILE_SCHEMA_ID, personRecord(1, { _acme: { loyaltyId: 'L1', tier: 'platinum', points: 5 } }), ORG));
      const rows = await t.store.db.all<{ data: string }>("SELECT data FROM fragments WHERE tenant_id = ? AND primary_id = 'crm-1'", [f.tenantId]);
      assert.equal(rows.length, 1);
      assert.equal(JSON.parse(rows[0]!.data)._acme.tier, 'platinum');
    });

    it('refuses an invalid record with the 400 streaming-validation report naming the field', async () => {
      const bad = personRecord(2, { person: { name: { firstName: 42 } } });
      const res = await post(`/collection/${f.inletId}?syncValidation=true`, envelope(f.profileDataset, PROFILE_SCHEMA_ID, bad, ORG));
      assert.equal(res.statusCode, 400);
      const body = res.json();
      assert.equal(body.type, 'http://ns.adobe.com/adobecloud/problem/data-collection-service/inlet');
      assert.equal(body.title, 'Invalid XDM Message Format');
      assert.match(body.report.message, /Message is invalid/);
      const cause = body.report.cause._streamingValidation[0].causingExceptions[0];
      assert.equal(cause.pointerToViolation, '#/person/name/firstName');
      assert.match(cause.message, /string/);
      assert.equal(await t.store.db.get("SELECT 1 AS x FROM fragments WHERE primary_id = 'crm-2'"), undefined);
    });

    it('takes many messages with 207, refusing bad ones without failing their neighbours', async () => {
      const messages = [
        envelope(f.profileDataset, PROFILE_SCHEMA_ID, personRecord(10), ORG),
        envelope(f.profileDataset, PROFILE_SCHEMA_ID, { identityMap: {} }, ORG),
        envelope(f.eventDataset, EVENT_SCHEMA_ID, eventRecord(10, 'e-10-1', '2026-11-01T10:00:00Z'), ORG),
        envelope('no-such-dataset', PROFILE_SCHEMA_ID, personRecord(11), ORG),
        { header: {} },
        envelope(f.profileDataset, EVENT_SCHEMA_ID, personRecord(12), ORG),
      ];
      const res = await post(`/collection/batch/${f.inletId}`, { messages });
      assert.equal(res.statusCode, 207, res.body);
      const responses = res.json().responses as Array<{ xactionId: string; status?: number; message?: string }>;
      assert.equal(responses.length, 6);
      assert.deepEqual(responses.map((r) => r.status ?? 200), [200, 400, 200, 400, 400, 400]);
      assert.match(responses[1]!.message!, /identit/i);
      assert.match(responses[3]!.message!, /no-such-dataset/);
      assert.match(responses[4]!.message!, /datasetId/);
      assert.match(responses[5]!.message!, /schemaRef/);
      assert.ok(await t.store.db.get("SELECT 1 AS x FROM fragments WHERE primary_id = 'crm-10'"));
      assert.ok(await t.store.db.get("SELECT 1 AS x FROM events WHERE event_id = 'e-10-1'"));
    });

    it('stores a replayed event _id once', async () => {
      const before = await count('events');
      const message = envelope(f.eventDataset, EVENT_SCHEMA_ID, eventRecord(20, 'e-20-1', '2026-11-02T10:00:00Z'), ORG);
      for (let i = 0; i < 3; i++) assert.equal((await post(`/collection/${f.inletId}`, message)).statusCode, 200);
      await post(`/collection/batch/${f.inletId}`, { messages: [message, message] });
      assert.equal(await count('events'), before + 1);
    });

    it('needs credentials for an authenticated inlet, and refuses them for another sandbox', async () => {
      const { authorization: _, ...noAuth } = f.headers;
      const res = await post(`/collection/${f.inletId}`, envelope(f.profileDataset, PROFILE_SCHEMA_ID, personRecord(30), ORG), noAuth);
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().error_code, '403010');
      await t.app.inject({ method: 'POST', url: '/data/foundation/sandbox-management/sandboxes', headers: f.headers, payload: { name: 'other', title: 'Other', type: 'development' } });
      const other = await post(`/collection/${f.inletId}`, envelope(f.profileDataset, PROFILE_SCHEMA_ID, personRecord(30), ORG), { ...f.headers, 'x-sandbox-name': 'other' });
      assert.equal(other.statusCode, 404);
      assert.equal(other.json().code, 'INLET_NOT_FOUND');
    });

    it('accepts an unauthenticated inlet only when asked for explicitly', async () => {
      const conn = await post('/data/foundation/flowservice/connections', {
        name: 'open',
        connectionSpec: { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadfd3', version: '1.0' },
        auth: { specName: 'Streaming Connection', params: { name: 'open', dataType: 'xdm', authenticationRequired: false } },
      });
      const got = await t.app.inject({ url: `/data/foundation/flowservice/connections/${conn.json().id}`, headers: f.headers });
      const inlet = got.json().items[0].auth.params.inletId;
      const res = await t.app.inject({ method: 'POST', url: `/collection/${inlet}`, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(envelope(f.profileDataset, PROFILE_SCHEMA_ID, personRecord(31), ORG)) });
      assert.equal(res.statusCode, 200, res.body);
    });

    it('answers 404 for an unknown inlet and 413 past 1 MB', async () => {
      assert.equal((await post('/collection/does-not-exist', envelope(f.profileDataset, PROFILE_SCHEMA_ID, personRecord(1), ORG))).json().code, 'INLET_NOT_FOUND');
      const big = { messages: Array.from({ length: 2000 }, (_, i) => envelope(f.profileDataset, PROFILE_SCHEMA_ID, personRecord(1000 + i), ORG)) };
      assert.equal((await post(`/collection/batch/${f.inletId}`, big)).statusCode, 413);
    });
  });
}
