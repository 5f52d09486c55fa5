/** Hostile input never hurts anyone else: prototype pollution, poison records among good ones, NUL, failed batch jobs. */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { STORE_KINDS, type TestApp, startTestApp } from './support/app.js';
import { type IngestFixture, PROFILE_SCHEMA_ID, envelope, ingestFixture, personRecord, profileSchema, seedSchema } from './support/fixtures.js';

const ORG = 'HOSTILE@AdobeOrg';
const OTHER = 'BYSTANDER@AdobeOrg';
const PREFS_SCHEMA_ID = 'https://ns.adobe.com/acme/schemas/prefs';

/** The person schema plus `_acme.prefs`: a map of objects, the kind of field the pollution reproduction used. */
function prefsSchema(): Record<string, unknown> {
  const schema = profileSchema();
  const allOf = schema.allOf as Array<Record<string, unknown>>;
  allOf[allOf.length - 1] = {
    properties: {
      _acme: {
        type: 'object',
        properties: {
          loyaltyId: { type: 'string' },
          prefs: { type: 'object', additionalProperties: { type: 'object', properties: { polluted: { type: 'string' }, channel: { type: 'string' } } } },
        },
      },
    },
  };
  return { ...schema, $id: PREFS_SCHEMA_ID, 'meta:altId': '_acme.schemas.prefs', title: 'ACME prefs' };
}

/** `depth` nested objects around a string, built as text so nothing recursive touches it on our side. */
function deepJson(depth: number): string {
  return '{"a":'.repeat(depth) + '"x"' + '}'.repeat(depth);
}

function untouchedPrototype(): void {
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype gained a property');
  assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).filter((n) => n === 'polluted'), []);
}

for (const kind of STORE_KINDS) {
  describe(`hostile input (${kind})`, () => {
    let t: TestApp;
    let f: IngestFixture;
    let bystander: IngestFixture;
    let prefsDataset: string;
    before(async () => {
      t = await startTestApp(kind);
      f = await ingestFixture(t, ORG);
      bystander = await ingestFixture(t, OTHER);
      await seedSchema(t, f.tenantId, prefsSchema());
      const res = await t.app.inject({
        method: 'POST',
        url: '/data/foundation/catalog/dataSets',
        headers: f.headers,
        payload: { name: 'Prefs', schemaRef: { id: PREFS_SCHEMA_ID, contentType: 'application/vnd.adobe.xed-full+json;version=1' }, tags: { unifiedProfile: ['enabled:true'], unifiedIdentity: ['enabled:true'] } },
      });
      assert.equal(res.statusCode, 201, res.body);
      prefsDataset = (res.json() as string[])[0]!.replace('@/dataSets/', '');
    });
    after(() => t.close());

    const postText = (url: string, text: string, headers = f.headers) => t.app.inject({ method: 'POST', url, headers, payload: text });
    const fragments = async (tenantId: number) => Number((await t.store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM fragments WHERE tenant_id = ?', [tenantId]))!.n);
    const prefsRecord = (n: number, prefsText: string) =>
      `{"identityMap":{"CRMID":[{"id":"pref-${n}","primary":true}]},"_acme":{"loyaltyId":"P${n}","prefs":${prefsText}}}`;
    const message = (datasetId: string, recordText: string) =>
      `{"header":{"schemaRef":{"id":"${PREFS_SCHEMA_ID}","contentType":"application/vnd.adobe.xed-full+json;version=1"},"imsOrgId":"${ORG}","datasetId":"${datasetId}"},"body":{"xdmEntity":${recordText}}}`;

    it('refuses the pollution reproduction at both ends, and every org keeps streaming', async () => {
      // 1. The record whose map key is the JSON escape of __proto__: refused on the parsed value, so the escape does not help.
      const poison = prefsRecord(1, '{"\\u005f_proto__":{"polluted":"yes"}}');
      const write = await postText(`/collection/${f.inletId}`, message(prefsDataset, poison));
      assert.equal(write.statusCode, 400, write.body);
      assert.match(JSON.stringify(write.json().report), /__proto__/);
      // 2. The same record as if stored before this fix, then read through the `fields` projection that used to pollute.
      await t.app.services.ingest.ingest(f.tenantId, [{ datasetId: prefsDataset, record: JSON.parse(poison), screened: true }]);
      const read = await t.app.inject({ url: '/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityIdNS=CRMID&entityId=pref-1&fields=_acme.prefs.__proto__.polluted', headers: f.headers });
      assert.equal(read.statusCode, 400, read.body);
      assert.equal(read.json().code, 'JSON_FORBIDDEN_KEY');
      // Reading the stored record whole, and through a projection that crosses the map, builds nothing that reaches a prototype.
      for (const fields of ['', '&fields=_acme.prefs', '&fields=_acme.prefs,_acme.loyaltyId']) {
        const whole = await t.app.inject({ url: `/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityIdNS=CRMID&entityId=pref-1${fields}`, headers: f.headers });
        assert.equal(whole.statusCode, 200, whole.body);
      }
      untouchedPrototype();
      // 3. Another org streams as before (the probe saw "/polluted is not defined in the schema" for everyone).
      const ok = await t.app.inject({ method: 'POST', url: `/collection/${bystander.inletId}`, headers: bystander.headers, payload: envelope(bystander.profileDataset, PROFILE_SCHEMA_ID, personRecord(7), OTHER) });
      assert.equal(ok.statusCode, 200, ok.body);
    });

    it('refuses __proto__, constructor and prototype keys in bodies, escaped or not, and in property filters', async () => {
      const url = '/data/foundation/sandbox-management/sandboxes';
      for (const body of ['{"name":"x","\\u005f_proto__":{"a":1}}', '{"name":"x","constructor":{"prototype":{"a":1}}}', '{"name":"x","meta":{"prototype":1}}']) {
        const res = await postText(url, body);
        assert.equal(res.statusCode, 400, body);
        assert.equal(res.json().code, 'JSON_FORBIDDEN_KEY', body);
      }
      const filter = await t.app.inject({ url: '/data/core/ups/access/entities?schema.name=_xdm.context.experienceevent&relatedSchema.name=_xdm.context.profile&relatedEntityIdNS=CRMID&relatedEntityId=crm-1&property=constructor.name=x', headers: f.headers });
      assert.equal(filter.statusCode, 400, filter.body);
      untouchedPrototype();
    });

    it('stores the 99 good messages of a streaming batch of 100 when one nests 10,000 levels deep', async () => {
      const before = await fragments(f.tenantId);
      const messages: string[] = [];
      for (let i = 0; i < 100; i++) {
        const prefs = i === 42 ? deepJson(10_000) : `{"email":{"channel":"mail-${i}"}}`;
        messages.push(message(prefsDataset, prefsRecord(1000 + i, prefs)));
      }
      const res = await postText(`/collection/batch/${f.inletId}`, `{"messages":[${messages.join(',')}]}`);
      assert.equal(res.statusCode, 207, res.body.slice(0, 300));
      const responses = res.json().responses as Array<{ status?: number; message?: string }>;
      assert.equal(responses[42]!.status, 400);
      assert.match(responses[42]!.message!, /deeper than 100 levels/);
      assert.equal(responses.filter((r) => r.status === undefined).length, 99);
      assert.equal(await fragments(f.tenantId), before + 99);
    });

    it('refuses a NUL character alone, on both stores alike: in an identity, a body, a path and a query', async () => {
      const before = await fragments(f.tenantId);
      const good = prefsRecord(2000, '{}');
      const nul = '{"identityMap":{"CRMID":[{"id":"nul\\u0000id","primary":true}]},"_acme":{"loyaltyId":"x"}}';
      const res = await postText(`/collection/batch/${f.inletId}`, `{"messages":[${message(prefsDataset, good)},${message(prefsDataset, nul)}]}`);
      assert.equal(res.statusCode, 207, res.body);
      const [first, second] = res.json().responses as Array<{ status?: number; message?: string }>;
      assert.equal(first!.status, undefined);
      assert.equal(second!.status, 400);
      assert.match(second!.message!, /NUL/);
      assert.equal(await fragments(f.tenantId), before + 1);
      const single = await postText(`/collection/${f.inletId}`, message('ds\\u0000x', good));
      assert.equal(single.statusCode, 400, single.body);
      const body = await postText('/data/foundation/sandbox-management/sandboxes', '{"name":"a\\u0000b","title":"t","type":"development"}');
      assert.equal(body.json().code, 'JSON_NUL_CHARACTER');
      for (const url of ['/data/foundation/catalog/dataSets/ab%00cd', '/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityIdNS=CRMID&entityId=a%00b', '/data/foundation/catalog/dataSets?limit=1%00']) {
        const got = await t.app.inject({ url, headers: f.headers });
        assert.equal(got.statusCode, 400, `${url}: ${got.body}`);
        assert.equal(got.json().code, 'URL_NUL_CHARACTER');
      }
    });

    it('refuses poison rows of a batch file one by one and stores the rest', async () => {
      const rows = [prefsRecord(3000, '{}'), prefsRecord(3001, deepJson(5_000)), prefsRecord(3002, '{"\\u005f_proto__":{"polluted":"x"}}'), '{"identityMap":{"CRMID":[{"id":"n\\u0000","primary":true}]}}', prefsRecord(3004, '{}')];
      const batch = await createBatch(prefsDataset);
      const put = await t.app.inject({ method: 'PUT', url: `/data/foundation/import/batches/${batch}/datasets/${prefsDataset}/files/rows.json`, headers: { ...f.headers, 'content-type': 'application/octet-stream' }, payload: rows.join('\n') });
      assert.equal(put.statusCode, 200, put.body);
      await complete(batch);
      await t.app.services.jobs.drain();
      const status = await t.app.inject({ url: `/data/foundation/catalog/batches/${batch}`, headers: f.headers });
      const b = status.json()[batch];
      assert.equal(b.status, 'success');
      assert.equal(b.failedRecordCount, 3);
      assert.equal(b.recordCount, 2);
      const errors = (await t.app.inject({ url: `/data/foundation/import/batches/${batch}/errors`, headers: f.headers })).json().errors as Array<{ code: string }>;
      assert.deepEqual(errors.map((e) => e.code).sort(), ['JSON_FORBIDDEN_KEY', 'JSON_NUL_CHARACTER', 'JSON_TOO_DEEP']);
      untouchedPrototype();
    });

    it('moves a batch whose job fails for good to failed, with the reason', async () => {
      const batch = await createBatch(f.profileDataset);
      const put = await t.app.inject({ method: 'PUT', url: `/data/foundation/import/batches/${batch}/datasets/${f.profileDataset}/files/people.json`, headers: { ...f.headers, 'content-type': 'application/octet-stream' }, payload: JSON.stringify(personRecord(9)) });
      assert.equal(put.statusCode, 200, put.body);
      await complete(batch);
      // The uploaded file vanishes (a lost volume), and this is the job's last attempt.
      rmSync(join(t.store.config.dataDir, 'uploads', String(f.tenantId), batch), { recursive: true, force: true });
      await t.store.db.run("UPDATE jobs SET attempts = 4 WHERE kind = 'batch-ingest' AND status = 'queued'", []);
      await t.app.services.jobs.drain();
      const b = (await t.app.inject({ url: `/data/foundation/catalog/batches/${batch}`, headers: f.headers })).json()[batch];
      assert.equal(b.status, 'failed');
      assert.equal(b.errors[0].code, 'BATCH_FAILED');
      assert.match(b.errors[0].description, /ENOENT|no such file/);
      const job = await t.store.db.get<{ status: string }>("SELECT status FROM jobs WHERE kind = 'batch-ingest' AND payload LIKE ?", [`%${batch}%`]);
      assert.equal(job!.status, 'failed');
    });

    it('keeps file names inside the batch, and text/plain bodies to requests with credentials', async () => {
      const batch = await createBatch(f.profileDataset);
      const files = `/data/foundation/import/batches/${batch}/datasets/${f.profileDataset}/files`;
      const octet = { ...f.headers, 'content-type': 'application/octet-stream' };
      for (const name of ['..%2F..%2F1%2Fx%2Fbig.json', '.', '..']) {
        const head = await t.app.inject({ method: 'HEAD', url: `${files}/${name}`, headers: f.headers });
        // '..' in a path is resolved before routing (another route, 404); the encoded and '.' forms reach the check.
        if (name === '..') assert.equal(head.statusCode, 404, `HEAD ${name}`);
        else assert.equal(head.statusCode, 400, `HEAD ${name}`);
        const put = await t.app.inject({ method: 'PUT', url: `${files}/${name}`, headers: octet, payload: '{}' });
        assert.ok(put.statusCode >= 400 && put.statusCode < 500, `PUT ${name}: ${put.statusCode}`);
      }
      // A web page can send text/plain cross-origin without a preflight: without credentials it is refused.
      const { authorization: _a, ...anonymous } = f.headers;
      const plain = await t.app.inject({ method: 'POST', url: `/collection/${f.inletId}`, headers: { ...anonymous, 'content-type': 'text/plain' }, payload: JSON.stringify(envelope(f.profileDataset, PROFILE_SCHEMA_ID, personRecord(77), ORG)) });
      assert.equal(plain.statusCode, 415, plain.body);
    });

    it('gives a Catalog batch deleted and created again under the same id a fresh job', async () => {
      const catalog = '/data/foundation/catalog/batches/again-1';
      const once = async (n: number) => {
        const created = await t.app.inject({ method: 'POST', url: catalog, headers: f.headers, payload: { relatedObjects: [{ type: 'dataSet', id: f.profileDataset }], inputFormat: { format: 'json' } } });
        assert.equal(created.statusCode, 201, created.body);
        const put = await t.app.inject({ method: 'PUT', url: `/data/foundation/import/batches/again-1/datasets/${f.profileDataset}/files/p.json`, headers: { ...f.headers, 'content-type': 'application/octet-stream' }, payload: JSON.stringify(personRecord(n)) });
        assert.equal(put.statusCode, 200, put.body);
        await complete('again-1');
        await t.app.services.jobs.drain();
        return (await t.app.inject({ url: catalog, headers: f.headers })).json()['again-1'].status as string;
      };
      assert.equal(await once(501), 'success');
      assert.equal((await t.app.inject({ method: 'DELETE', url: catalog, headers: f.headers })).statusCode, 200);
      assert.equal(await once(502), 'success', 'the second life of the id is ingested too');
      // Two creates of one id at once: one wins, the other is told the id is taken (it was a 500).
      const body = { relatedObjects: [{ type: 'dataSet', id: f.profileDataset }], inputFormat: { format: 'json' } };
      const racing = await Promise.all([1, 2, 3].map(() => t.app.inject({ method: 'POST', url: '/data/foundation/catalog/batches/race-1', headers: f.headers, payload: body })));
      assert.deepEqual(racing.map((r) => r.statusCode).sort(), [201, 409, 409]);
      assert.ok(racing.filter((r) => r.statusCode === 409).every((r) => r.json().code === 'BATCH_EXISTS'));
    });

    async function createBatch(datasetId: string): Promise<string> {
      const res = await t.app.inject({ method: 'POST', url: '/data/foundation/import/batches', headers: f.headers, payload: { datasetId, inputFormat: { format: 'json' } } });
      assert.equal(res.statusCode, 201, res.body);
      return res.json().id as string;
    }

    async function complete(batch: string): Promise<void> {
      const res = await t.app.inject({ method: 'POST', url: `/data/foundation/import/batches/${batch}?action=COMPLETE`, headers: f.headers });
      assert.equal(res.statusCode, 200, res.body);
    }
  });
}
