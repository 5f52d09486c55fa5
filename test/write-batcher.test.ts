/** Group commit across streaming requests: one write for a sandbox's burst, each request still answered on its own. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { STORE_KINDS, type TestApp, startTestApp } from './support/app.js';
import { EVENT_SCHEMA_ID, type IngestFixture, envelope, eventRecord, ingestFixture } from './support/fixtures.js';
import { WriteBatcher } from '../src/ingest/write-batcher.js';
import type { IngestService } from '../src/ingest/ingest.service.js';

const ORG = 'BATCHER@AdobeOrg';

for (const kind of STORE_KINDS) {
  describe(`write batcher (${kind})`, () => {
    let t: TestApp;
    let f: IngestFixture;
    let ingest: IngestService;
    const groups: number[] = [];
    before(async () => {
      t = await startTestApp(kind);
      f = await ingestFixture(t, ORG);
      ingest = t.app.services.ingest;
      // PostgreSQL's services use one already; SQLite's writer thread would group transactions, not writes.
      ingest.useCommitter(new WriteBatcher(ingest).commit);
      const commitGroup = ingest.commitGroup.bind(ingest);
      ingest.commitGroup = (tenantId, writes) => (groups.push(writes.length), commitGroup(tenantId, writes));
    });
    after(() => t.close());

    const send = (inletId: string, ids: string[]) =>
      t.app.inject({ method: 'POST', url: `/collection/batch/${inletId}`, headers: f.headers, payload: { messages: ids.map((id, i) => envelope(f.eventDataset, EVENT_SCHEMA_ID, eventRecord(i, id, '2026-11-01T00:00:00Z'), ORG)) } });
    const stored = async (prefix: string) => Number((await t.store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM events WHERE tenant_id = ? AND event_id LIKE ?', [f.tenantId, `${prefix}%`]))!.n);

    it('commits a burst of requests as one write, and stores every message', async () => {
      groups.length = 0;
      const responses = await Promise.all(Array.from({ length: 12 }, (_, r) => send(f.inletId, Array.from({ length: 20 }, (_, i) => `wb-${r}-${i}`))));
      for (const res of responses) {
        assert.equal(res.statusCode, 207, res.body);
        assert.ok((res.json().responses as Array<{ status?: number }>).every((m) => m.status === undefined), res.body);
      }
      assert.equal(await stored('wb-'), 240);
      assert.ok(groups.some((n) => n > 1), `no request was grouped: ${groups.join(', ')}`);
    });

    it('refuses only the request whose inlet went', async () => {
      const spare = await t.app.inject({
        method: 'POST',
        url: '/data/foundation/flowservice/connections',
        headers: f.headers,
        payload: { name: 'spare', connectionSpec: { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadfd3', version: '1.0' }, auth: { specName: 'Streaming Connection', params: { name: 'spare', sourceId: 's', dataType: 'xdm' } } },
      });
      const inletId = (await t.app.inject({ url: `/data/foundation/flowservice/connections/${spare.json().id}`, headers: f.headers })).json().items[0].auth.params.inletId as string;
      assert.equal((await send(inletId, ['wb-warm'])).statusCode, 207);
      // Gone without a notice, as if by another process a moment ago: this process still routes to it.
      await t.store.db.run('DELETE FROM connections WHERE tenant_id = ? AND inlet_id = ?', [f.tenantId, inletId]);
      groups.length = 0;
      const [kept, gone, alsoKept] = await Promise.all([send(f.inletId, ['wb-a-0', 'wb-a-1']), send(inletId, ['wb-b-0']), send(f.inletId, ['wb-c-0'])]);
      assert.equal(kept.statusCode, 207, kept.body);
      assert.equal(alsoKept.statusCode, 207, alsoKept.body);
      assert.equal(gone.statusCode, 404, gone.body);
      assert.equal(gone.json().code, 'INLET_NOT_FOUND');
      assert.deepEqual([await stored('wb-a-'), await stored('wb-b-'), await stored('wb-c-')], [2, 0, 1]);
      assert.ok(groups.some((n) => n > 1), `the three were not grouped: ${groups.join(', ')}`);
    });

    it('refuses, by its own position, each record of a request whose dataset went', async () => {
      const created = await t.app.inject({ method: 'POST', url: '/data/foundation/catalog/dataSets', headers: f.headers, payload: { name: 'doomed', schemaRef: { id: EVENT_SCHEMA_ID, contentType: 'application/vnd.adobe.xed-full+json;version=1' }, tags: { unifiedProfile: ['enabled:true'] } } });
      const doomed = (created.json() as string[])[0]!.replace('@/dataSets/', '');
      const message = (datasetId: string, id: string) => envelope(datasetId, EVENT_SCHEMA_ID, eventRecord(1, id, '2026-11-01T00:00:00Z'), ORG);
      const post = (messages: unknown[]) => t.app.inject({ method: 'POST', url: `/collection/batch/${f.inletId}`, headers: f.headers, payload: { messages } });
      assert.equal((await post([message(doomed, 'wb-dwarm')])).statusCode, 207);
      await t.store.db.run('DELETE FROM datasets WHERE tenant_id = ? AND id = ?', [f.tenantId, doomed]);
      groups.length = 0;
      const [first, second] = await Promise.all([
        post([message(f.eventDataset, 'wb-d-0'), message(doomed, 'wb-d-1'), message(f.eventDataset, 'wb-d-2')]),
        post([message(doomed, 'wb-d-3'), message(f.eventDataset, 'wb-d-4')]),
      ]);
      const statuses = (res: typeof first) => (res.json().responses as Array<{ status?: number; message?: string }>).map((m) => m.status ?? 200);
      assert.deepEqual([statuses(first), statuses(second)], [[200, 400, 200], [400, 200]]);
      assert.match(JSON.stringify(first.json().responses[1]), /DATASET_NOT_FOUND|does not exist|not found/i);
      assert.equal(await stored('wb-d-'), 3);
    });

    it('runs each request alone when the group as a whole fails, so only the faulty one fails', async () => {
      const commitGroup = ingest.commitGroup;
      let failed = 0;
      ingest.commitGroup = async () => {
        ingest.commitGroup = commitGroup;
        failed++;
        throw new Error('the group transaction failed');
      };
      const responses = await Promise.all(Array.from({ length: 6 }, (_, r) => send(f.inletId, [`wb-alone-${r}`])));
      for (const res of responses) assert.equal(res.statusCode, 207, res.body);
      assert.equal(await stored('wb-alone-'), 6);
      assert.equal(failed, 1, 'no group formed, so the fallback was not exercised');
    });
  });
}
