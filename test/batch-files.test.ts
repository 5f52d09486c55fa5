/** Large-file upload (INITIALIZE, Content-Range chunks, HEAD, COMPLETE) and the batch preview, as Adobe's Data Ingestion collection calls them. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { STORE_KINDS, type TestApp, startTestApp } from './support/app.js';
import { type IngestFixture, ingestFixture, personRecord } from './support/fixtures.js';

const ORG = 'FILES@AdobeOrg';
const CATALOG = '/data/foundation/catalog';
const IMPORT = '/data/foundation/import/batches';

for (const kind of STORE_KINDS) {
  describe(`large files and preview (${kind})`, () => {
    let t: TestApp;
    let f: IngestFixture;
    before(async () => {
      t = await startTestApp(kind, { uploadLimit: 4096 });
      f = await ingestFixture(t, ORG);
    });
    after(() => t.close());

    const inject = (method: string, url: string, payload?: string | Buffer, headers: Record<string, string> = {}) =>
      t.app.inject({ method: method as 'GET', url, headers: { ...f.headers, ...headers }, ...(payload === undefined ? {} : { payload }) });

    async function newBatch(): Promise<string> {
      const res = await inject('POST', IMPORT, JSON.stringify({ datasetId: f.profileDataset, inputFormat: { format: 'json' } }));
      assert.equal(res.statusCode, 201, res.body);
      return res.json().id;
    }
    const fileUrl = (b: string, name = 'big.json') => `${IMPORT}/${b}/datasets/${f.profileDataset}/files/${name}`;
    const chunk = (b: string, range: string, bytes: string | Buffer, type = 'application/octet-stream') =>
      inject('PATCH', fileUrl(b), bytes, { 'content-type': type, 'content-range': range });

    it('assembles a file from ordered chunks and loads it like a PUT file', async () => {
      const b = await newBatch();
      const content = [personRecord(700), personRecord(701), personRecord(702)].map((r) => JSON.stringify(r)).join('\n');
      const init = await inject('POST', `${fileUrl(b)}?action=INITIALIZE`);
      assert.equal(init.statusCode, 200, init.body);
      assert.deepEqual(init.json(), { name: 'big.json', sizeInBytes: 0 });
      const empty = await inject('HEAD', fileUrl(b));
      assert.equal(empty.statusCode, 200);
      assert.equal(empty.headers.range, undefined);

      const cut = 100;
      const first = await chunk(b, `bytes 0-${cut - 1}/${content.length}`, content.slice(0, cut));
      assert.equal(first.statusCode, 200, first.body);
      assert.deepEqual(first.json(), { name: 'big.json', sizeInBytes: cut });
      assert.equal((await inject('HEAD', fileUrl(b))).headers.range, `bytes=0-${cut - 1}`);

      const gap = await chunk(b, `bytes ${cut + 10}-${cut + 19}/*`, 'x'.repeat(10));
      assert.equal(gap.statusCode, 400);
      assert.equal(gap.json().code, 'BATCH_RANGE_INVALID');
      assert.match(gap.json().detail, new RegExp(`bytes ${cut + 10}-${cut + 19} leaves a gap: bytes ${cut}-${cut + 9}`));
      const overlap = await chunk(b, `bytes 50-59/*`, 'x'.repeat(10));
      assert.equal(overlap.statusCode, 400);
      assert.match(overlap.json().detail, /bytes 50-59 overlaps bytes 50-99/);
      const short = await chunk(b, `bytes ${cut}-${cut + 19}/*`, 'x'.repeat(5));
      assert.equal(short.statusCode, 400);
      assert.match(short.json().detail, /holds 5 bytes but Content-Range bytes 100-119 names 20/);
      const long = await chunk(b, `bytes ${cut}-${cut + 1}/*`, 'x'.repeat(5));
      assert.equal(long.statusCode, 400);
      assert.equal((await inject('HEAD', fileUrl(b))).headers.range, `bytes=0-${cut - 1}`);

      // The rest as multipart/form-data, the way Adobe's Postman collection sends a chunk.
      const boundary = '----postman123';
      const rest = content.slice(cut);
      const form = `--${boundary}\r\nContent-Disposition: form-data; name="file"\r\n\r\n${rest}\r\n--${boundary}--\r\n`;
      const second = await chunk(b, `bytes ${cut}-${content.length - 1}/${content.length}`, form, `multipart/form-data; boundary=${boundary}`);
      assert.equal(second.statusCode, 200, second.body);
      assert.equal(second.json().sizeInBytes, content.length);

      const done = await inject('POST', `${fileUrl(b)}?action=COMPLETE`);
      assert.equal(done.statusCode, 200, done.body);
      assert.deepEqual(done.json(), { name: 'big.json', sizeInBytes: content.length });
      assert.equal((await inject('HEAD', fileUrl(b))).headers.range, `bytes=0-${content.length - 1}`);
      assert.equal((await inject('POST', `${IMPORT}/${b}?action=COMPLETE`)).statusCode, 200);
      await t.app.services.jobs.drain();
      const batch = (await inject('GET', `${CATALOG}/batches/${b}`)).json()[b];
      assert.equal(batch.status, 'success');
      assert.equal(batch.recordCount, 3);
      assert.equal(batch.failedRecordCount, 0);
    });

    it('refuses chunks without INITIALIZE, without a Content-Range, or past the upload limit', async () => {
      const b = await newBatch();
      const none = await chunk(b, 'bytes 0-1/*', 'ab');
      assert.equal(none.statusCode, 404);
      assert.equal(none.json().code, 'BATCH_FILE_NOT_FOUND');
      assert.equal((await inject('POST', `${fileUrl(b)}?action=COMPLETE`)).statusCode, 404);
      await inject('POST', `${fileUrl(b)}?action=INITIALIZE`);
      const noRange = await inject('PATCH', fileUrl(b), 'ab', { 'content-type': 'application/octet-stream' });
      assert.equal(noRange.statusCode, 400);
      assert.match(noRange.json().detail, /Content-Range '' is not valid/);
      const backwards = await chunk(b, 'bytes 5-1/*', 'ab');
      assert.equal(backwards.statusCode, 400);
      const big = await chunk(b, 'bytes 0-4096/*', 'ab');
      assert.equal(big.statusCode, 413);
      assert.equal(big.json().code, 'BODY_TOO_LARGE');
      const cut = await chunk(b, 'bytes 0-1/*', '--x\r\nContent-Disposition: form-data; name="file"\r\n\r\nab', 'multipart/form-data; boundary=x');
      assert.equal(cut.statusCode, 400);
      assert.equal(cut.json().code, 'MULTIPART_INVALID');
      assert.equal((await inject('HEAD', fileUrl(b))).headers.range, undefined);
      const action = await inject('POST', `${fileUrl(b)}?action=RESUME`);
      assert.equal(action.statusCode, 400);
      assert.equal(action.json().code, 'BATCH_ACTION_INVALID');
      assert.equal((await inject('HEAD', fileUrl(b, 'other.json'))).statusCode, 404);
    });

    it('previews the first rows of the uploaded files', async () => {
      const b = await newBatch();
      const lines = [personRecord(710), personRecord(711), personRecord(712)].map((r) => JSON.stringify(r)).join('\n');
      assert.equal((await inject('PUT', fileUrl(b, 'p.json'), lines, { 'content-type': 'application/octet-stream' })).statusCode, 200);
      const res = await inject('GET', `${IMPORT}/${b}/datasets/${f.profileDataset}/preview?format=json&nrow=2`);
      assert.equal(res.statusCode, 200, res.body);
      const { formatParams, preview } = res.json();
      assert.deepEqual(formatParams, { delimiter: ',', quote: '"', escape: '\\', charset: 'UTF-8', header: true, format: 'json' });
      assert.deepEqual(preview.columns.map((c: { name: string }) => c.name), ['identityMap', 'person', 'personalEmail', '_acme']);
      assert.equal(preview.rows.length, 2);
      const emailCid = preview.columns.find((c: { name: string }) => c.name === 'personalEmail').cid;
      assert.equal(preview.rows[1][emailCid], JSON.stringify({ address: 'person711@example.com' }));
      assert.equal((await inject('GET', `${IMPORT}/${b}/datasets/${f.profileDataset}/preview?nrow=101`)).statusCode, 400);
      assert.equal((await inject('GET', `${IMPORT}/${b}/datasets/${f.profileDataset}/preview?format=csv`)).json().code, 'BATCH_FORMAT_UNSUPPORTED');
      assert.equal((await inject('GET', `${IMPORT}/${b}/datasets/${f.eventDataset}/preview`)).json().code, 'BATCH_DATASET_MISMATCH');
      assert.equal((await inject('GET', `${IMPORT}/${b}/datasets/${f.profileDataset}/preview`)).json().preview.rows.length, 3);
    });
  });
}
