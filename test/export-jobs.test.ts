/** Export jobs through HTTP on both stores: files read back through the Data Access API equal the entities API's profiles. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSegment, createSegmentJob } from './support/segments.js';
import { parquetReadObjects } from 'hyparquet';
import { STORE_KINDS, type TestApp, startTestApp } from './support/app.js';
import { plain } from './support/plain.js';
import { EVENT_SCHEMA_ID, type IngestFixture, PROFILE_SCHEMA_ID, createDefaultPolicy, ingestFixture, streamRecord, personRecord } from './support/fixtures.js';

const ORG = 'EXPORTS@AdobeOrg';
const JOBS = '/data/core/ups/export/jobs';
const UNION = 'https://ns.adobe.com/xdm/context/profile__union';

for (const kind of STORE_KINDS) {
  describe(`export jobs (${kind})`, () => {
    let t: TestApp;
    let f: IngestFixture;
    let policyId: string;
    const dataset = async (format: string) => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/data/foundation/catalog/dataSets',
        headers: f.headers,
        payload: { name: `Profile Data Export ${format}`, schemaRef: { id: UNION, contentType: 'application/vnd.adobe.xed+json;version=1' }, fileDescription: { persisted: true, containerFormat: format, format } },
      });
      assert.equal(res.statusCode, 201, res.body);
      return (res.json() as string[])[0]!.replace('@/dataSets/', '');
    };
    const send = (datasetId: string, schemaId: string, entity: Record<string, unknown>) => streamRecord(t, f, ORG, datasetId, schemaId, entity);
    const entity = async (ns: string, id: string, mergePolicyId?: string) => {
      const policy = mergePolicyId === undefined ? '' : `&mergePolicyId=${mergePolicyId}`;
      const res = await t.app.inject({ url: `/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=${encodeURIComponent(id)}&entityIdNS=${ns}${policy}`, headers: f.headers });
      assert.equal(res.statusCode, 200, res.body);
      return (Object.values(res.json() as Record<string, { entity: Record<string, unknown> }>)[0]!).entity;
    };
    /** Runs an export to completion and reads its files back through the Data Access API. */
    const runExport = async (body: Record<string, unknown>) => {
      const res = await t.app.inject({ method: 'POST', url: JOBS, headers: f.headers, payload: { schema: { name: '_xdm.context.profile' }, ...body } });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().status, 'NEW');
      assert.equal(res.headers['x-location'], `${JOBS}/${res.json().id}`);
      await t.app.services.jobs.drain();
      const job = (await t.app.inject({ url: `${JOBS}/${res.json().id}`, headers: f.headers })).json();
      assert.equal(job.status, 'SUCCEEDED', JSON.stringify(job));
      const listing = await t.app.inject({ url: `/data/foundation/export/batches/${job.destination.batchId}/files`, headers: f.headers });
      assert.equal(listing.statusCode, 200, listing.body);
      const rows: Record<string, unknown>[] = [];
      for (const file of listing.json().data as Array<{ dataSetFileId: string }>) {
        const detail = (await t.app.inject({ url: `/data/foundation/export/files/${file.dataSetFileId}`, headers: f.headers })).json().data[0];
        const bytes = await t.app.inject({ url: `/data/foundation/export/files/${file.dataSetFileId}?path=${encodeURIComponent(detail.name)}`, headers: f.headers });
        assert.equal(bytes.statusCode, 200);
        assert.equal(String(bytes.rawPayload.length), detail.length);
        if (detail.name.endsWith('.parquet')) {
          const head = await t.app.inject({ url: `/data/foundation/export/files/${file.dataSetFileId}?path=${encodeURIComponent(detail.name)}`, headers: { ...f.headers, range: 'bytes=0-3' } });
          assert.equal(head.statusCode, 206);
          assert.equal(head.body, 'PAR1');
          assert.equal(head.headers['content-range'], `bytes 0-3/${detail.length}`);
          const buf = bytes.rawPayload;
          rows.push(...((await parquetReadObjects({ file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length) as ArrayBuffer })) as Record<string, unknown>[]));
        } else rows.push(...bytes.body.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>));
      }
      return { job, rows: rows.map((r) => plain(r) as Record<string, any>) };
    };
    const crmOf = (row: Record<string, any>) => (row.identities as Array<{ id: string; namespace: { code: string } }>).find((i) => i.namespace.code === 'crmid')?.id;

    before(async () => {
      t = await startTestApp(kind);
      f = await ingestFixture(t, ORG);
      policyId = await createDefaultPolicy(t, f);
      for (let n = 1; n <= 12; n++) await send(f.profileDataset, PROFILE_SCHEMA_ID, personRecord(n));
      // Person 3 is also known by a phone, through an event that links them.
      await send(f.eventDataset, EVENT_SCHEMA_ID, { _id: 'x-1', timestamp: '2026-11-01T10:00:00Z', eventType: 'web', identityMap: { CRMID: [{ id: 'crm-3', primary: true }], Phone: [{ id: '+15550003' }] } });
      // Someone with events only.
      await send(f.eventDataset, EVENT_SCHEMA_ID, { _id: 'x-2', timestamp: '2026-11-01T11:00:00Z', eventType: 'web', identityMap: { Phone: [{ id: '+15550999', primary: true }] } });
      await t.app.services.feed.drain();
    });
    after(() => t.close());

    it('exports every profile to Parquet, each equal to what the entities API answers', async () => {
      const target = await dataset('parquet');
      const { job, rows } = await runExport({ mergePolicy: { id: policyId }, destination: { datasetId: target } });
      assert.equal(rows.length, 12);
      assert.equal(job.metrics.totalExportedProfileCounter, 12);
      assert.ok(job.metrics.profileExportTime.totalTimeInMs >= 0 && job.metrics.totalTime.endTimeInMs >= job.metrics.totalTime.startTimeInMs);
      assert.deepEqual(job.mergePolicy, { id: policyId, version: 1 });
      for (const row of rows) assert.deepEqual(row, await entity('CRMID', crmOf(row)!));
      assert.ok(rows.some((r) => (r.identities as unknown[]).length === 3), 'the linked phone is one of person 3\'s identities');
      // The batch is in Catalog, succeeded, in the destination dataset.
      const batch = (await t.app.inject({ url: `/data/foundation/catalog/batches/${job.destination.batchId}`, headers: f.headers })).json()[job.destination.batchId];
      assert.equal(batch.status, 'success');
      assert.equal(batch.relatedObjects[0].id, target);
    });

    it('exports under a policy that is not materialized (no identity graph), merged at read time as lookups are', async () => {
      const created = await t.app.inject({
        method: 'POST',
        url: '/data/core/ups/config/mergePolicies',
        headers: f.headers,
        payload: JSON.stringify({ name: 'by record', schema: { name: '_xdm.context.profile' }, identityGraph: { type: 'none' }, attributeMerge: { type: 'dataSetPrecedence', order: [f.profileDataset] } }),
      });
      assert.equal(created.statusCode, 200, created.body);
      const none = created.json().id as string;
      const { rows } = await runExport({ mergePolicy: { id: none }, destination: { datasetId: await dataset('parquet') } });
      assert.equal(rows.length, 12);
      for (const row of rows) assert.deepEqual(row, await entity('CRMID', crmOf(row)!, none));
      assert.ok(rows.every((r) => r.identities.length === 1), 'without a graph each record is its own person');
    });

    it('exports only the asked fields, to NDJSON, and people with events only when emptyProfiles is true', async () => {
      const target = await dataset('json');
      const { rows } = await runExport({ fields: 'person.name,identities', filter: { emptyProfiles: true }, destination: { datasetId: target } });
      assert.equal(rows.length, 13);
      const eventsOnly = rows.find((r) => r.identities.length === 1 && r.identities[0].namespace.code === 'phone');
      assert.deepEqual(eventsOnly, { identities: (await entity('Phone', '+15550999')).identities });
      // The segmentation spec's own example of `fields`.
      const spec = await runExport({ fields: 'identities.id,personalEmail.address', destination: { datasetId: target } });
      const sample = spec.rows.find((r) => r.identities.some((i: { id: string }) => i.id === 'crm-5'))!;
      assert.deepEqual(sample, { identities: [{ id: 'crm-5' }, { id: 'person5@example.com' }], personalEmail: { address: 'person5@example.com' } });
      const five = rows.find((r) => crmOf(r) === 'crm-5')!;
      const full = await entity('CRMID', 'crm-5');
      assert.deepEqual(five, { person: { name: (full.person as Record<string, unknown>).name }, identities: full.identities });
    });

    it('adds each person\'s events with additionalFields.eventList, and filters on ingestion time', async () => {
      const since = new Date().toISOString();
      await new Promise((r) => setTimeout(r, 5));
      await send(f.profileDataset, PROFILE_SCHEMA_ID, personRecord(40));
      const target = await dataset('parquet');
      const { rows } = await runExport({ fields: 'identities', filter: { fromIngestTimestamp: since }, additionalFields: { eventList: { fields: '_id,eventType' } }, destination: { datasetId: target } });
      assert.deepEqual(rows.map(crmOf), ['crm-40']);
      assert.deepEqual(rows[0]!.eventList, []);
      const all = await runExport({ fields: 'identities', additionalFields: { eventList: { fields: '_id,eventType' } }, destination: { datasetId: target } });
      assert.deepEqual(all.rows.find((r) => crmOf(r) === 'crm-3')!.eventList, [{ _id: 'x-1', eventType: 'web' }]);
    });

    it('cancels: DELETE answers the spec\'s body, the Profile doc\'s POST answers 204, and the job ends FAILED', async () => {
      const target = await dataset('parquet');
      const create = () => t.app.inject({ method: 'POST', url: JOBS, headers: f.headers, payload: { schema: { name: '_xdm.context.profile' }, destination: { datasetId: target } } });
      const a = (await create()).json().id;
      const del = await t.app.inject({ method: 'DELETE', url: `${JOBS}/${a}`, headers: f.headers });
      assert.equal(del.statusCode, 200, del.body);
      assert.deepEqual(del.json(), { status: true, message: 'Export job has been marked for cancelling' });
      const b = (await create()).json().id;
      const post = await t.app.inject({ method: 'POST', url: `${JOBS}/${b}`, headers: f.headers });
      assert.equal(post.statusCode, 204, post.body);
      await t.app.services.jobs.drain();
      for (const id of [a, b]) {
        const job = (await t.app.inject({ url: `${JOBS}/${id}`, headers: f.headers })).json();
        assert.equal(job.status, 'FAILED');
        assert.match(job.errors[0].msg, /cancelled/);
      }
      assert.equal((await t.app.inject({ method: 'DELETE', url: `${JOBS}/${a}`, headers: f.headers })).json().status, false);
    });

    it('lists jobs newest first, with the page token of the last one', async () => {
      const first = (await t.app.inject({ url: `${JOBS}?limit=2`, headers: f.headers })).json();
      assert.equal(first.records.length, 2);
      assert.ok(first.records[0].id > first.records[1].id);
      assert.equal(first.page.pageOffset, `${first.records[1].creationTime}_${first.records[1].id}`);
      assert.equal(first.link.next, `/export/jobs/?limit=2&offset=${first.page.pageOffset}`);
      const second = (await t.app.inject({ url: `${JOBS}?limit=2&offset=${first.page.pageOffset}`, headers: f.headers })).json();
      const all = (await t.app.inject({ url: `${JOBS}?limit=100`, headers: f.headers })).json();
      assert.equal(all.link.next, '', 'the spec: empty when there are no more records');
      assert.ok(second.records[0].id < first.records[1].id);
      const failed = (await t.app.inject({ url: `${JOBS}?status=FAILED`, headers: f.headers })).json();
      assert.equal(failed.records.length, 2);
    });

    it("exports a segment's members only, each with its segmentMembership, as the entities API shows it", async () => {
      const target = await dataset('json');
      const segment = await createSegment(t, f.headers, 'many points', '_acme.points > 9', false);
      await createSegmentJob(t, f.headers, [segment]);
      await t.app.services.jobs.drain();
      const { rows } = await runExport({ destination: { datasetId: target }, filter: { segments: [{ segmentId: segment, segmentNs: 'ups', status: ['realized', 'existing'] }] } });
      // People 1–12 have their number of points; person 40 (an earlier case) has 40.
      assert.deepEqual(rows.map(crmOf).sort(), ['crm-10', 'crm-11', 'crm-12', 'crm-40']);
      for (const row of rows) {
        assert.equal(row.segmentMembership.ups[segment].status, 'realized');
        assert.deepEqual(row, plain(await entity('CRMID', crmOf(row)!)));
      }
      // Exited members only: nobody has left yet; a qualification time range that ends before the job keeps nobody either.
      assert.equal((await runExport({ destination: { datasetId: target }, filter: { segments: [{ segmentId: segment, status: ['exited'] }] } })).rows.length, 0);
      assert.equal((await runExport({ destination: { datasetId: target }, filter: { segments: [{ segmentId: segment }], segmentQualificationTime: { endTime: '2001-01-01T00:00:00Z' } } })).rows.length, 0);
      const bad = await t.app.inject({ method: 'POST', url: JOBS, headers: f.headers, payload: { schema: { name: '_xdm.context.profile' }, destination: { datasetId: target }, filter: { segments: [{ segmentId: segment, status: ['gone'] }] } } });
      assert.equal(bad.statusCode, 400, bad.body);
      assert.match(bad.body, /filter\/segments\/0\/status/);
    });

    it('refuses bad requests with a 4xx that names what is wrong', async () => {
      const target = await dataset('parquet');
      const cases: Array<[Record<string, unknown>, number, RegExp]> = [
        [{ schema: { name: '_xdm.context.profile' } }, 400, /destination/],
        [{ destination: { datasetId: target } }, 400, /schema/],
        [{ schema: { name: '_xdm.context.experienceevent' }, destination: { datasetId: target } }, 400, /cannot be exported/],
        [{ schema: { name: '_xdm.context.profile' }, destination: { datasetId: 'nope' } }, 404, /nope/],
        [{ schema: { name: '_xdm.context.profile' }, destination: { datasetId: f.profileDataset } }, 400, /Profile union schema/],
        [{ schema: { name: '_xdm.context.profile' }, destination: { datasetId: target }, fields: 'person.nope' }, 400, /person\.nope/],
        [{ schema: { name: '_xdm.context.profile' }, destination: { datasetId: target }, fields: 'a.__proto__.b' }, 400, /__proto__/],
        [{ schema: { name: '_xdm.context.profile' }, destination: { datasetId: target }, filter: { segments: [{ segmentId: 'seg-1' }] } }, 400, /seg-1/],
        [{ schema: { name: '_xdm.context.profile' }, destination: { datasetId: target }, filter: { fromIngestTimestamp: 'yesterday' } }, 400, /RFC 3339/],
        [{ schema: { name: '_xdm.context.profile' }, destination: { datasetId: target }, mergePolicy: { id: 'no-such-policy' } }, 404, /no-such-policy/],
        [{ schema: { name: '_xdm.context.profile' }, destination: { datasetId: target }, mergePolicy: { id: policyId, version: 7 } }, 400, /version 7/],
      ];
      for (const [payload, status, message] of cases) {
        const res = await t.app.inject({ method: 'POST', url: JOBS, headers: f.headers, payload });
        assert.equal(res.statusCode, status, `${JSON.stringify(payload)}: ${res.body}`);
        assert.match(res.body, message);
      }
      assert.equal((await t.app.inject({ url: `${JOBS}/999999`, headers: f.headers })).statusCode, 404);
      assert.equal((await t.app.inject({ url: `${JOBS}?offset=zzz`, headers: f.headers })).statusCode, 400);
      assert.equal((await t.app.inject({ url: '/data/foundation/export/files/nobatch-1', headers: f.headers })).statusCode, 404);
      const other = await t.headers('OTHER@AdobeOrg', 'prod');
      assert.equal((await t.app.inject({ url: `${JOBS}?limit=1`, headers: other })).json().records.length, 0);
    });
  });
}
