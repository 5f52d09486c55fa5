/** The SQLite writer thread: streaming writes and the change feed on a second connection, taking turns with the first. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestApp, startTestApp } from './support/app.js';
import { EVENT_SCHEMA_ID, type IngestFixture, PROFILE_SCHEMA_ID, createDefaultPolicy, envelope, eventRecord, ingestFixture, personRecord } from './support/fixtures.js';
import { eventually } from './support/wait.js';
import { SqliteDb } from '../src/store/sqlite/sqlite-db.js';
import { type WriterThread, startWriterThread } from '../src/runtime/writer-thread.js';
import { CHANGES_CHANNEL } from '../src/changefeed/change.store.js';

const ORG = 'WRITER@AdobeOrg';
const E = '/data/core/ups/access/entities?schema.name=_xdm.context.profile';
const quiet = { info: () => undefined, warn: () => undefined, error: (m: string) => assert.fail(m) };

describe('SQLite writer thread', () => {
  let t: TestApp;
  let f: IngestFixture;
  let writer: WriterThread;
  before(async () => {
    t = await startTestApp('sqlite');
    f = await ingestFixture(t, ORG);
    await createDefaultPolicy(t, f);
    await t.app.services.feed.drain();
    assert.ok(t.store.db instanceof SqliteDb);
    writer = await startWriterThread(t.store.db, t.store.config, t.app.services, quiet);
    await writer.startFeed();
  });
  after(async () => {
    await writer.stop();
    await t.close();
  });

  // Rows changed by the main thread's own writer connection: the thread's commits never count here.
  const mainWrites = async () => Number((await t.store.db.transaction((tx) => tx.get<{ n: number }>('SELECT total_changes() AS n')))!.n);
  const batch = (messages: unknown[]) => t.app.inject({ method: 'POST', url: `/collection/batch/${f.inletId}`, headers: f.headers, payload: { messages } });
  const count = async (sql: string) => Number((await t.store.db.get<{ n: number }>(sql, [f.tenantId]))!.n);

  it('commits streaming writes on the thread: every acknowledged message is stored and its profile is current', async () => {
    const before = await mainWrites();
    const heard: string[] = [];
    const stop = await t.store.db.subscribe(CHANGES_CHANNEL, (p) => void heard.push(String(p)));
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, r) =>
        batch(Array.from({ length: 25 }, (_, i) => {
          const n = 1000 + r * 25 + i;
          return i % 5 === 0
            ? envelope(f.profileDataset, PROFILE_SCHEMA_ID, personRecord(n), ORG)
            : envelope(f.eventDataset, EVENT_SCHEMA_ID, eventRecord(n, `wt-${r}-${i}`, '2026-11-01T00:00:00Z'), ORG);
        })),
      ),
    );
    stop();
    for (const res of responses) {
      assert.equal(res.statusCode, 207, res.body);
      assert.ok((res.json().responses as Array<{ status?: number }>).every((m) => m.status === undefined), res.body);
    }
    assert.equal(await count("SELECT COUNT(*) AS n FROM events WHERE tenant_id = ? AND event_id LIKE 'wt-%'"), 160);
    assert.equal(await count("SELECT COUNT(*) AS n FROM fragments WHERE tenant_id = ? AND primary_id LIKE 'crm-1%'"), 40);
    assert.equal(await mainWrites(), before, 'the main thread wrote rows that the thread should have');
    // The thread's commits publish their change notices here, before the write is answered.
    assert.ok(heard.length > 0);
    // The fragment's materialized row was written in the same transaction, on the thread.
    const res = await t.app.inject({ url: `${E}&entityId=crm-1000&entityIdNS=CRMID`, headers: f.headers });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(Object.values(res.json() as Record<string, any>)[0].entity._acme.loyaltyId, 'L1000');
    assert.equal(await count("SELECT COUNT(*) AS n FROM profile_views WHERE tenant_id = ? AND entity LIKE '%L1000%'"), 1);
  });

  it('runs the change feed on the thread and reports its lag to this process', async () => {
    // Two people merged by an event: the merge drops their row, and the feed on the thread rebuilds it.
    await batch([envelope(f.profileDataset, PROFILE_SCHEMA_ID, { identityMap: { Phone: [{ id: '+15550001', primary: true }] }, person: { name: { lastName: 'Merged' } } }, ORG)]);
    const res = await batch([envelope(f.eventDataset, EVENT_SCHEMA_ID, { _id: 'wt-merge', timestamp: '2026-11-02T00:00:00Z', eventType: 'web', identityMap: { Phone: [{ id: '+15550001', primary: true }], Email: [{ id: 'person1000@example.com' }] } }, ORG)]);
    assert.equal(res.statusCode, 207, res.body);
    await eventually('the merged person rebuilt by the thread', async () => (await count("SELECT COUNT(*) AS n FROM profile_views WHERE tenant_id = ? AND entity LIKE '%L1000%' AND entity LIKE '%Merged%'")) === 1, 10_000);
    // The lag is reported once the feed's transaction has committed, a message behind the row itself.
    await eventually('the rebuild\'s lag reported from the thread', async () => {
      const scraped = (await t.app.inject({ url: '/metrics' })).body;
      const line = scraped.split('\n').find((l) => l.startsWith('rtprofile_change_feed_lag_seconds_count{consumer="profile-views",effect="effective"} '));
      return line !== undefined && Number(line.split(' ')[1]) > 0;
    });
  });

  it('brings a refusal thrown on the thread back as the same clear error', async () => {
    // The inlet goes without a notice, as if by hand: this process still knows it, the thread's transaction does not.
    const spare = await t.app.inject({
      method: 'POST',
      url: '/data/foundation/flowservice/connections',
      headers: f.headers,
      payload: { name: 'spare', connectionSpec: { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadfd3', version: '1.0' }, auth: { specName: 'Streaming Connection', params: { name: 'spare', sourceId: 's', dataType: 'xdm', authenticationRequired: true } } },
    });
    const inletId = (await t.app.inject({ url: `/data/foundation/flowservice/connections/${spare.json().id}`, headers: f.headers })).json().items[0].auth.params.inletId as string;
    const message = envelope(f.eventDataset, EVENT_SCHEMA_ID, eventRecord(1, 'wt-gone', '2026-11-01T00:00:00Z'), ORG);
    assert.equal((await t.app.inject({ method: 'POST', url: `/collection/${inletId}`, headers: f.headers, payload: message })).statusCode, 200);
    await t.store.db.run('DELETE FROM connections WHERE tenant_id = ? AND inlet_id = ?', [f.tenantId, inletId]);
    const res = await t.app.inject({ method: 'POST', url: `/collection/${inletId}`, headers: f.headers, payload: { ...message, body: { ...(message.body as object), xdmEntity: eventRecord(1, 'wt-gone-2', '2026-11-01T00:00:00Z') } } });
    assert.equal(res.statusCode, 404, res.body);
    assert.equal(res.json().code, 'INLET_NOT_FOUND');
    assert.equal(await count("SELECT COUNT(*) AS n FROM events WHERE tenant_id = ? AND event_id = 'wt-gone-2'"), 0);
  });

  it('takes turns with writes on the main thread: neither fails nor waits on a busy lock', async () => {
    const writes = Array.from({ length: 10 }, (_, r) =>
      batch(Array.from({ length: 20 }, (_, i) => envelope(f.eventDataset, EVENT_SCHEMA_ID, eventRecord(i, `wt-turn-${r}-${i}`, '2026-11-03T00:00:00Z'), ORG))),
    );
    const catalog = Array.from({ length: 10 }, (_, i) =>
      t.app.inject({ method: 'POST', url: '/data/foundation/catalog/dataSets', headers: f.headers, payload: { name: `turns-${i}`, schemaRef: { id: EVENT_SCHEMA_ID, contentType: 'application/vnd.adobe.xed-full+json;version=1' } } }),
    );
    const [streamed, created] = await Promise.all([Promise.all(writes), Promise.all(catalog)]);
    for (const res of streamed) assert.equal(res.statusCode, 207, res.body);
    for (const res of created) assert.equal(res.statusCode, 201, res.body);
    assert.equal(await count("SELECT COUNT(*) AS n FROM events WHERE tenant_id = ? AND event_id LIKE 'wt-turn-%'"), 200);
  });

  it('commits batch chunks on the thread, in order, with their errors and counts', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/data/foundation/import/batches', headers: f.headers, payload: { datasetId: f.profileDataset, inputFormat: { format: 'json' } } });
    assert.equal(created.statusCode, 201, created.body);
    const batchId = created.json().id as string;
    // 2,500 records: three chunks, one of them with a record the schema refuses.
    const lines = Array.from({ length: 2_500 }, (_, i) => JSON.stringify(i === 1_234 ? { identityMap: { CRMID: [{ id: 'bad', primary: true }] }, _acme: { points: 'many' } } : personRecord(50_000 + i)));
    const put = await t.app.inject({ method: 'PUT', url: `/data/foundation/import/batches/${batchId}/datasets/${f.profileDataset}/files/people.ndjson`, headers: { ...f.headers, 'content-type': 'application/octet-stream' }, payload: lines.join('\n') });
    assert.equal(put.statusCode, 200, put.body);
    assert.equal((await t.app.inject({ method: 'POST', url: `/data/foundation/import/batches/${batchId}?action=COMPLETE`, headers: f.headers })).statusCode, 200);
    const before = await mainWrites();
    await t.app.services.jobs.drain();
    const batch = (await t.app.inject({ url: `/data/foundation/catalog/batches/${batchId}`, headers: f.headers })).json()[batchId];
    assert.deepEqual({ status: batch.status, records: batch.recordCount, failed: batch.failedRecordCount }, { status: 'success', records: 2_499, failed: 1 });
    assert.equal(await count("SELECT COUNT(*) AS n FROM fragments WHERE tenant_id = ? AND primary_id LIKE 'crm-5%' AND batch_id IS NOT NULL"), 2_499);
    const errors = (await t.app.inject({ url: `/data/foundation/import/batches/${batchId}/errors`, headers: f.headers })).json().errors as Array<{ row?: number }>;
    assert.equal(errors.length, 1);
    // The job's own bookkeeping (claim, finish, the batch's last transition) is all that ran on this thread's writer.
    assert.ok((await mainWrites()) - before < 20, 'the chunks were written on the main thread');
  });

  it('hands writes and the feed back to the main thread when it stops', async () => {
    await writer.stop();
    const before = await mainWrites();
    const res = await batch([envelope(f.eventDataset, EVENT_SCHEMA_ID, eventRecord(2, 'wt-after', '2026-11-04T00:00:00Z'), ORG)]);
    assert.equal(res.statusCode, 207, res.body);
    assert.equal(await count("SELECT COUNT(*) AS n FROM events WHERE tenant_id = ? AND event_id = 'wt-after'"), 1);
    assert.ok((await mainWrites()) > before, 'the write did not go through the main thread');
  });
});
