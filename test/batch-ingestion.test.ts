/** Batch ingestion through HTTP: JSON array, NDJSON and Parquet files land with correct counts and per-record errors. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { STORE_KINDS, type TestApp, startTestApp } from './support/app.js';
import { type IngestFixture, eventRecord, ingestFixture, personRecord } from './support/fixtures.js';

const ORG = 'BATCH@AdobeOrg';

for (const kind of STORE_KINDS) {
  describe(`batch ingestion (${kind})`, () => {
    let t: TestApp;
    let f: IngestFixture;
    before(async () => {
      t = await startTestApp(kind);
      f = await ingestFixture(t, ORG);
    });
    after(() => t.close());

    async function createBatch(datasetId: string, format = 'json'): Promise<string> {
      const res = await t.app.inject({ method: 'POST', url: '/data/foundation/import/batches', headers: f.headers, payload: { datasetId, inputFormat: { format } } });
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json().status, 'loading');
      return res.json().id;
    }
    async function upload(batchId: string, datasetId: string, name: string, body: string | Buffer) {
      const res = await t.app.inject({
        method: 'PUT',
        url: `/data/foundation/import/batches/${batchId}/datasets/${datasetId}/files/${name}`,
        headers: { ...f.headers, 'content-type': 'application/octet-stream' },
        payload: body,
      });
      assert.equal(res.statusCode, 200, res.body);
    }
    async function completeAndWait(batchId: string) {
      const res = await t.app.inject({ method: 'POST', url: `/data/foundation/import/batches/${batchId}?action=COMPLETE`, headers: f.headers });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().status, 'processing');
      await t.app.services.jobs.drain();
      const status = await t.app.inject({ url: `/data/foundation/catalog/batches/${batchId}`, headers: f.headers });
      return status.json()[batchId];
    }
    const fragments = async (prefix: string) =>
      Number((await t.store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM fragments WHERE tenant_id = ? AND primary_id LIKE ?', [f.tenantId, `${prefix}%`]))!.n);

    it('lands a JSON array file', async () => {
      const batchId = await createBatch(f.profileDataset);
      const people = Array.from({ length: 25 }, (_, i) => personRecord(100 + i));
      await upload(batchId, f.profileDataset, 'people.json', JSON.stringify(people, null, 2));
      const batch = await completeAndWait(batchId);
      assert.equal(batch.status, 'success');
      assert.equal(batch.recordCount, 25);
      assert.equal(batch.failedRecordCount, 0);
      assert.equal(batch.relatedObjects[0].id, f.profileDataset);
      assert.equal(await fragments('crm-1'), 25 + 0);
    });

    it('lands an NDJSON file of events and a second file in the same batch', async () => {
      const batchId = await createBatch(f.eventDataset);
      const lines = (from: number) => Array.from({ length: 1500 }, (_, i) => JSON.stringify(eventRecord(i % 7, `nd-${from + i}`, '2026-10-01T00:00:00Z'))).join('\n');
      await upload(batchId, f.eventDataset, 'a.ndjson', lines(0));
      await upload(batchId, f.eventDataset, 'b.ndjson', lines(1500) + '\n\n');
      const batch = await completeAndWait(batchId);
      assert.equal(batch.status, 'success');
      assert.equal(batch.recordCount, 3000);
      const n = await t.store.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM events WHERE tenant_id = ? AND event_id LIKE 'nd-%'", [f.tenantId]);
      assert.equal(Number(n!.n), 3000);
    });

    it('lands a Parquet file', async () => {
      const batchId = await createBatch(f.profileDataset, 'parquet');
      const rows = 12;
      const buf = parquetWriteBuffer({
        rowGroupSize: 5,
        columnData: [
          { name: 'identityMap', data: Array.from({ length: rows }, (_, i) => ({ CRMID: [{ id: `pq-${i}`, primary: true }] })), type: 'JSON' },
          { name: '_acme', data: Array.from({ length: rows }, (_, i) => ({ loyaltyId: `PQ${i}`, points: i })), type: 'JSON' },
        ],
      });
      await upload(batchId, f.profileDataset, 'people.parquet', Buffer.from(buf));
      const batch = await completeAndWait(batchId);
      assert.equal(batch.status, 'success', JSON.stringify(batch));
      assert.equal(batch.recordCount, rows);
      const row = await t.store.db.get<{ data: string }>("SELECT data FROM fragments WHERE tenant_id = ? AND primary_id = 'pq-7'", [f.tenantId]);
      assert.equal(JSON.parse(row!.data)._acme.points, 7);
    });

    it('lands the good rows of a batch with bad ones and reports each bad one', async () => {
      const batchId = await createBatch(f.profileDataset);
      const lines = [
        JSON.stringify(personRecord(200)),
        '{"identityMap": {"CRMID": [{"id": "crm-201", "primary": true}]}, "person": {"name": {"firstName": 5}}}',
        '{not json',
        JSON.stringify(personRecord(202)),
        JSON.stringify({ identityMap: { ECID: [{ id: '123', primary: true }] } }),
        JSON.stringify({ _acme: { tier: 'x' } }),
      ];
      await upload(batchId, f.profileDataset, 'mixed.ndjson', lines.join('\n'));
      const batch = await completeAndWait(batchId);
      assert.equal(batch.status, 'success');
      assert.equal(batch.recordCount, 2);
      assert.equal(batch.failedRecordCount, 4);
      const res = await t.app.inject({ url: `/data/foundation/import/batches/${batchId}/errors`, headers: f.headers });
      const errors = res.json().errors as Array<{ row: number; code: string; path: string; message: string; file: string }>;
      // Rows are numbered from 1, as editors number lines.
      assert.deepEqual([...new Set(errors.map((e) => e.row))], [2, 3, 5, 6]);
      assert.equal(errors[0]!.path, '/person/name/firstName');
      assert.equal(errors.find((e) => e.row === 3)!.code, 'RECORD_UNREADABLE');
      assert.match(errors.find((e) => e.row === 5)!.message, /38 digits/);
      assert.ok(errors.every((e) => e.file === 'mixed.ndjson'));
      assert.equal(await fragments('crm-20'), 2);
    });

    it('reads gzip-compressed NDJSON and JSON arrays, found by their magic bytes', async () => {
      const batchId = await createBatch(f.profileDataset);
      await upload(batchId, f.profileDataset, 'a.ndjson.gz', gzipSync(Array.from({ length: 30 }, (_, i) => JSON.stringify(personRecord(300 + i))).join('\n')));
      await upload(batchId, f.profileDataset, 'b.json.gz', gzipSync(JSON.stringify(Array.from({ length: 20 }, (_, i) => personRecord(330 + i)))));
      const batch = await completeAndWait(batchId);
      assert.equal(batch.status, 'success');
      assert.equal(batch.recordCount, 50);
      assert.equal(await fragments('crm-3'), 50);
    });

    it('fails a file that is not what it claims with one file-level error, and an empty file as a failed batch', async () => {
      const cases: Array<[string, string | Buffer, string, RegExp]> = [
        ['people.csv', 'email,name\nada@example.com,Ada\n', 'json', /^looks like CSV, not JSON \(first line "email,name"\)/],
        ['people.ndjson', JSON.stringify(personRecord(1)), 'parquet', /^not Parquet: the file does not start with PAR1 \(it looks like JSON\)/],
        ['empty.ndjson', '', 'json', /^empty file: no records$/],
        ['blank.ndjson', '\n\n  \n', 'json', /^empty file: no records$/],
        ['none.json', '[ ]', 'json', /^empty file: no records$/],
      ];
      for (const [name, body, format, message] of cases) {
        const batchId = await createBatch(f.profileDataset, format);
        await upload(batchId, f.profileDataset, name, body);
        const batch = await completeAndWait(batchId);
        assert.equal(batch.status, 'failed', name);
        assert.equal(batch.errors[0].code, 'BATCH_FAILED', `${name}: the batch object says why`);
        assert.match(batch.errors[0].description, new RegExp(`^${name.replace('.', '\\.')}: ${message.source.slice(1)}`));
        const errors = (await t.app.inject({ url: `/data/foundation/import/batches/${batchId}/errors`, headers: f.headers })).json().errors;
        assert.equal(errors.length, 1, `${name}: one error for the file, not one per line`);
        assert.equal(errors[0].row, 0);
        assert.equal(errors[0].file, name);
        assert.equal(errors[0].code, message.source.startsWith('^empty') ? 'FILE_EMPTY' : 'FILE_UNREADABLE');
        assert.match(errors[0].message, message);
      }
    });

    it('keeps the rows before a break in a truncated gzip file, caps a line without end, and fails the rest with one file error (no crash)', async () => {
      const text = Array.from({ length: 400 }, (_, i) => JSON.stringify(personRecord(7000 + i))).join('\n');
      const gz = gzipSync(text);
      const batchId = await createBatch(f.profileDataset, 'json');
      await upload(batchId, f.profileDataset, 'cut.ndjson.gz', gz.subarray(0, gz.length - 10));
      const batch = await completeAndWait(batchId);
      assert.equal(batch.status, 'failed');
      assert.match(batch.errors[0].description, /^cut\.ndjson\.gz: unreadable after row \d+: unexpected end of file/);
      assert.ok(batch.recordCount > 0, 'the rows before the break are stored');
      // A megabyte of gzip can expand to gigabytes without a newline: the line is capped, not held whole in memory.
      const bomb = await createBatch(f.profileDataset, 'json');
      await upload(bomb, f.profileDataset, 'bomb.ndjson.gz', gzipSync(Buffer.concat([Buffer.from('{"a":"'), Buffer.alloc(17 * 1024 * 1024, 'a')])));
      const blown = await completeAndWait(bomb);
      assert.equal(blown.status, 'failed');
      assert.match(blown.errors[0].description, /a line is longer than 16777216 characters/);
    });

    it('refuses bad batch requests with named errors', async () => {
      const unknown = await t.app.inject({ method: 'POST', url: '/data/foundation/import/batches', headers: f.headers, payload: { datasetId: 'nope' } });
      assert.equal(unknown.json().code, 'DATASET_NOT_FOUND');
      const csv = await t.app.inject({ method: 'POST', url: '/data/foundation/import/batches', headers: f.headers, payload: { datasetId: f.profileDataset, inputFormat: { format: 'csv' } } });
      assert.equal(csv.json().code, 'BATCH_FORMAT_UNSUPPORTED');
      const batchId = await createBatch(f.profileDataset);
      const empty = await t.app.inject({ method: 'POST', url: `/data/foundation/import/batches/${batchId}?action=COMPLETE`, headers: f.headers });
      assert.equal(empty.json().code, 'BATCH_EMPTY');
      const wrong = await t.app.inject({ method: 'PUT', url: `/data/foundation/import/batches/${batchId}/datasets/${f.eventDataset}/files/x.json`, headers: { ...f.headers, 'content-type': 'application/octet-stream' }, payload: '[]' });
      assert.equal(wrong.json().code, 'BATCH_DATASET_MISMATCH');
      const aborted = await t.app.inject({ method: 'POST', url: `/data/foundation/import/batches/${batchId}?action=ABORT`, headers: f.headers });
      assert.equal(aborted.json().status, 'aborted');
      const late = await t.app.inject({ method: 'PUT', url: `/data/foundation/import/batches/${batchId}/datasets/${f.profileDataset}/files/x.json`, headers: { ...f.headers, 'content-type': 'application/octet-stream' }, payload: '[]' });
      assert.equal(late.json().code, 'BATCH_NOT_LOADING');
    });

    it('deleting a dataset removes its data from the profile store', async () => {
      const before = await fragments('crm-');
      assert.ok(before > 0);
      const res = await t.app.inject({ method: 'DELETE', url: `/data/foundation/catalog/dataSets/${f.profileDataset}`, headers: f.headers });
      assert.equal(res.statusCode, 200);
      // Catalog forgets the dataset at once; its Profile data goes in the purge job the delete queued.
      await t.app.services.jobs.drain();
      assert.equal(await fragments(''), 0);
      assert.equal((await t.app.inject({ url: `/data/foundation/catalog/dataSets/${f.profileDataset}`, headers: f.headers })).statusCode, 404);
    });
  });
}
