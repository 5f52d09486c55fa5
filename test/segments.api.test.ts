/**
 * Segment definitions, conversion and segment jobs through HTTP on both stores, answering the segmentation spec's own
 * example requests (read from the spec at run time) with its statuses and shapes; and every refusal a 4xx naming why.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { STORE_KINDS, type TestApp, startTestApp } from './support/app.js';
import { type IngestFixture, PROFILE_SCHEMA_ID, createDefaultPolicy, ingestFixture, personRecord, seedSchema, streamRecord } from './support/fixtures.js';
import { SHARED, needsShared, sharedPath } from './support/shared-files.js';
import { yamlBlock } from './support/yaml.js';
import { DEFINITIONS, JOBS, WORK_SCHEMA_ID, createSegment, settleSegments, workDataset, workSchema } from './support/segments.js';

const ORG = 'ACME@AdobeOrg';
const spec = (path: string[]) => yamlBlock(readFileSync(sharedPath(SHARED.segmentationYaml), 'utf8'), ['paths', ...path]) as any;
const example = (path: string, method: string, name: string) => spec([path, method, 'requestBody', 'content', 'application/json', 'examples', `"${name}"`, 'value']) ?? spec([path, method, 'requestBody', 'content', 'application/json', 'examples', name, 'value']);
const responseExample = (path: string, method: string, status: string, name: string) => spec([path, method, 'responses', status, 'content', 'application/json', 'examples', `"${name}"`, 'value']);

/** The doc's conversion of `workAddress.country = "US"` (ref pql.md §6). */
const US_JSON = {
  nodeType: 'fnApply',
  fnName: '=',
  params: [
    { nodeType: 'fieldLookup', fieldName: 'country', object: { nodeType: 'fieldLookup', fieldName: 'workAddress', object: { nodeType: 'parameterReference', position: 1 } } },
    { nodeType: 'literal', literalType: 'String', value: 'US' },
  ],
};

for (const kind of STORE_KINDS) {
  describe(`segment definitions and jobs API (${kind})`, () => {
    let t: TestApp;
    let f: IngestFixture;
    let policyId: string;
    let dev: Record<string, string>;
    before(async () => {
      t = await startTestApp(kind);
      f = await ingestFixture(t, ORG);
      await seedSchema(t, f.tenantId, workSchema());
      policyId = await createDefaultPolicy(t, f);
      const work = await workDataset(t, f);
      for (const [n, country] of [[1, 'US'], [2, 'US'], [3, 'CA']] as const) {
        await streamRecord(t, f, ORG, f.profileDataset, PROFILE_SCHEMA_ID, personRecord(n));
        await streamRecord(t, f, ORG, work, WORK_SCHEMA_ID, { identityMap: { CRMID: [{ id: `crm-${n}`, primary: true }] }, workAddress: { country } });
      }
      // A sandbox with no schema at all: nothing to check expressions against, and nothing of prod's to see.
      dev = { ...(await t.headers(ORG, 'dev')), 'content-type': 'application/json' };
      assert.equal((await t.app.inject({ method: 'POST', url: '/data/foundation/sandbox-management/sandboxes', headers: f.headers, payload: { name: 'dev', title: 'Dev', type: 'development' } })).statusCode, 201);
      await settleSegments(t);
    });
    after(() => t.close());

    it("creates the spec's pql/text example, answering its documented shape with X-Location", needsShared(SHARED.segmentationYaml), async () => {
      const body = example('/segment/definitions', 'post', 'pql/text');
      const want = responseExample('/segment/definitions', 'post', '200', 'pql/text');
      const res = await t.app.inject({ method: 'POST', url: DEFINITIONS, headers: f.headers, payload: body });
      assert.equal(res.statusCode, 200, res.body);
      const got = res.json();
      assert.equal(res.headers['x-location'], `${DEFINITIONS}/${got.id}`);
      // Every member the spec's answer has, with the values that do not depend on the server.
      assert.deepEqual(Object.keys(want).filter((k) => !(k in got)), []);
      for (const k of ['profileInstanceId', 'name', 'description', 'expression', 'evaluationInfo', 'schema', 'dataGovernancePolicy', 'payloadSchema']) assert.deepEqual(got[k], want[k], k);
      assert.equal(got.imsOrgId, ORG);
      assert.equal(got.mergePolicyId, policyId);
      assert.equal(got.updateEpoch, Math.floor(got.updateTime / 1000));
      assert.equal(got.type, 'SegmentDefinition');
      // The same name again is the documented 422.
      const again = await t.app.inject({ method: 'POST', url: DEFINITIONS, headers: f.headers, payload: body });
      assert.equal(again.statusCode, 422, again.body);
      assert.match(again.json().detail, /already exists.*PATCH/);
      // A job evaluates it: two people work in the US.
      await runJob([got.id]);
      assert.equal((await members(got.id)).size, 2);
    });

    it("creates the spec's pql/json example where no schema constrains its fields, and converts between the formats", needsShared(SHARED.segmentationYaml), async () => {
      const body = example('/segment/definitions', 'post', 'pql/json');
      const res = await t.app.inject({ method: 'POST', url: DEFINITIONS, headers: dev, payload: body });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json().expression, body.expression);
      // In prod, whose union has no field `a`, the same example is refused naming the field.
      const prod = await t.app.inject({ method: 'POST', url: DEFINITIONS, headers: f.headers, payload: { ...body, name: 'a equals b' } });
      assert.equal(prod.statusCode, 400, prod.body);
      assert.match(prod.json().detail, /'a'/);
      const toJson = await t.app.inject({ method: 'POST', url: '/data/core/ups/segment/conversion', headers: f.headers, payload: { name: 'x', expression: { type: 'PQL', format: 'pql/text', value: 'workAddress.country = "US"' } } });
      assert.equal(toJson.statusCode, 200, toJson.body);
      assert.equal(toJson.json().expression.format, 'pql/json');
      assert.deepEqual(JSON.parse(toJson.json().expression.value), US_JSON);
      assert.equal(toJson.json().name, 'x');
      const back = await t.app.inject({ method: 'POST', url: '/data/core/ups/segment/conversion', headers: f.headers, payload: { expression: toJson.json().expression } });
      assert.deepEqual(back.json().expression, { type: 'PQL', format: 'pql/text', value: 'workAddress.country = "US"' });
    });

    it('lists with its paging, sort and evaluation filters; gets, bulk-gets and isolates by sandbox', async () => {
      const streaming = await createSegment(t, f.headers, 'gold', '_acme.tier = "gold"', true);
      // A second one, so the page of one has a next (whether or not the spec's examples ran before).
      await createSegment(t, f.headers, 'zinc miners', 'workAddress.country = "CA"', false);
      const list = await t.app.inject({ url: `${DEFINITIONS}?limit=1&sort=name:asc`, headers: f.headers });
      assert.equal(list.statusCode, 200, list.body);
      const page = list.json();
      assert.equal(page.segments.length, 1);
      assert.equal(page.segments[0].name, 'gold');
      assert.equal(page.page.limit, 1);
      assert.equal(page.page.totalPages, page.page.totalCount);
      assert.match(page.link.next, /start=1&limit=1/);
      const continuous = await t.app.inject({ url: `${DEFINITIONS}?evaluationInfo.continuous.enabled=true`, headers: f.headers });
      assert.deepEqual(continuous.json().segments.map((s: { id: string }) => s.id), [streaming]);
      assert.equal((await t.app.inject({ url: `${DEFINITIONS}/${streaming}`, headers: f.headers })).json().evaluationInfo.continuous.enabled, true);
      assert.equal((await t.app.inject({ url: `${DEFINITIONS}/${streaming}`, headers: dev })).statusCode, 404);
      assert.equal((await t.app.inject({ url: DEFINITIONS, headers: dev })).json().segments.every((s: { name: string }) => s.name !== 'gold'), true);
      // The spec's bulk-get body names ids that do not exist here: 207, each one reported.
      const ids = needsShared(SHARED.segmentationYaml).skip === undefined ? (spec(['/segment/definitions/bulk-get', 'post', 'requestBody']).content['application/json'].example.ids as Array<{ id: string }>) : [{ id: 'nope' }];
      const bulk = await t.app.inject({ method: 'POST', url: `${DEFINITIONS}/bulk-get`, headers: f.headers, payload: { ids: [...ids, { id: streaming }] } });
      assert.equal(bulk.statusCode, 207, bulk.body);
      assert.equal(bulk.json().results[streaming].name, 'gold');
      assert.deepEqual(Object.keys(bulk.json().errors).sort(), ids.map((i) => i.id).sort());
      assert.equal(bulk.json().errors[ids[0]!.id].status, 404);
    });

    it('PATCHes the object sent back with changes, moving evaluation when the expression changes', async () => {
      const id = await createSegment(t, f.headers, 'canada', 'workAddress.country = "CA"', false);
      const current = (await t.app.inject({ url: `${DEFINITIONS}/${id}`, headers: f.headers })).json();
      const res = await t.app.inject({ method: 'PATCH', url: `${DEFINITIONS}/${id}`, headers: f.headers, payload: { ...current, description: 'North', expression: { type: 'PQL', format: 'pql/text', value: 'workAddress.country = "US"' } } });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['x-location'], `${DEFINITIONS}/${id}`);
      assert.equal(res.json().description, 'North');
      assert.equal(res.json().expression.value, 'workAddress.country = "US"');
      assert.ok(res.json().updateTime > current.updateTime);
      await runJob([id]);
      assert.equal((await members(id)).size, 2);
      // Asking for streaming of an expression only batch can evaluate names the classifier's reason.
      const refused = await t.app.inject({ method: 'PATCH', url: `${DEFINITIONS}/${id}`, headers: f.headers, payload: { expression: { value: 'xEvent.count() > 3' }, evaluationInfo: { continuous: { enabled: true } } } });
      assert.equal(refused.statusCode, 400, refused.body);
      assert.equal(refused.json().code, 'SEGMENT_NOT_STREAMABLE');
      assert.match(refused.json().detail, /without a time window/);
    });

    it('deletes with MessageResponse, refusing while another definition reads it through inSegment', async () => {
      const base = await createSegment(t, f.headers, 'base', '_acme.points > 1', false);
      const user = await createSegment(t, f.headers, 'user', `inSegment("${base}") and workAddress.country = "US"`, false);
      const blocked = await t.app.inject({ method: 'DELETE', url: `${DEFINITIONS}/${base}`, headers: f.headers });
      assert.equal(blocked.statusCode, 422, blocked.body);
      assert.match(blocked.json().detail, new RegExp(user));
      await runJob([base, user]);
      assert.deepEqual([...(await members(user))].sort(), ['crm-2']);
      const gone = await t.app.inject({ method: 'DELETE', url: `${DEFINITIONS}/${user}`, headers: f.headers });
      assert.equal(gone.statusCode, 200, gone.body);
      assert.deepEqual(gone.json(), { status: true, message: `Segment definition '${user}' was deleted` });
      assert.equal((await t.app.inject({ url: `${DEFINITIONS}/${user}`, headers: f.headers })).statusCode, 404);
      // Its membership went with it.
      assert.equal((await members(user)).size, 0);
    });

    it('runs segment jobs: the documented shape, metrics, list filters, bulk-get and cancel', needsShared(SHARED.segmentationYaml), async () => {
      const id = await createSegment(t, f.headers, 'us workers', 'workAddress.country = "US"', false);
      // The spec's example names a segment that does not exist here: a 400 naming it.
      const specBody = spec(['/segment/jobs', 'post', 'requestBody', 'content', 'application/json', 'example']);
      const missing = await t.app.inject({ method: 'POST', url: JOBS, headers: f.headers, payload: specBody });
      assert.equal(missing.statusCode, 400, missing.body);
      assert.match(missing.json().detail, new RegExp(specBody[0].segmentId));
      const created = await t.app.inject({ method: 'POST', url: JOBS, headers: f.headers, payload: [{ segmentId: id }] });
      assert.equal(created.statusCode, 200, created.body);
      const job = created.json();
      assert.equal(job.status, 'NEW');
      assert.deepEqual(job._links.checkStatus, { href: `${JOBS}/${job.id}`, method: 'GET' });
      assert.deepEqual(job.segments[0].segment.expression, { type: 'PQL', format: 'pql/text', value: 'workAddress.country = "US"' });
      assert.equal(job.segments[0].segment.mergePolicyId, policyId);
      await settleSegments(t);
      const done = (await t.app.inject({ url: `${JOBS}/${job.id}`, headers: f.headers })).json();
      // The spec's GET example lists exactly these members of a job.
      const want = spec(['/segment/jobs/{SEGMENT_JOB_ID}', 'get', 'responses', '200', 'content', 'application/json', 'example']) ?? spec(['/segment/jobs', 'get', 'responses', '200', 'content', 'application/json', 'example']).children[0];
      assert.deepEqual(Object.keys(want).filter((k) => !(k in done) && !['batchId', 'computeJobId', 'computeGatewayJobId'].includes(k)), []);
      assert.equal(done.status, 'SUCCEEDED');
      assert.equal(done.metrics.totalProfiles, 3);
      assert.deepEqual(done.metrics.totalProfilesByMergePolicy, { [policyId]: 3 });
      assert.equal(done.metrics.segmentedProfileCounter[id], 2);
      assert.deepEqual(done.metrics.segmentedProfileByStatusCounter[id], { realized: 2, exited: 0, existing: 0 });
      assert.deepEqual(done.metrics.segmentedProfileByNamespaceCounter[id], { CRMID: 2, Email: 2 });
      assert.ok(done.metrics.totalTime.totalTimeInMs >= 0 && done.metrics.totalTime.endTimeInMs >= done.metrics.totalTime.startTimeInMs);
      // Again: the same two are existing members now.
      const second = await runJob([id]);
      assert.deepEqual(second.metrics.segmentedProfileByStatusCounter[id], { realized: 0, exited: 0, existing: 2 });
      const listed = (await t.app.inject({ url: `${JOBS}?status=SUCCEEDED&sort=creationTime:asc&property=segments~segmentId==${id}`, headers: f.headers })).json();
      assert.deepEqual(listed.children.map((j: { id: string }) => j.id), [job.id, second.id]);
      assert.equal(listed._page.totalCount, 2);
      const bulk = await t.app.inject({ method: 'POST', url: `${JOBS}/bulk-get`, headers: f.headers, payload: { ids: [{ id: job.id }, { id: 'cc3419d3-0389-47f1-b174-fead6b3c830d' }] } });
      assert.equal(bulk.statusCode, 207, bulk.body);
      assert.equal(bulk.json().results[job.id].status, 'SUCCEEDED');
      assert.equal(bulk.json().errors['cc3419d3-0389-47f1-b174-fead6b3c830d'].status, 404);
      // A queued job cancelled never runs.
      const queued = (await t.app.inject({ method: 'POST', url: JOBS, headers: f.headers, payload: [{ segmentId: '*' }] })).json();
      assert.ok(queued.segments.length >= 2);
      const cancel = await t.app.inject({ method: 'DELETE', url: `${JOBS}/${queued.id}`, headers: f.headers });
      assert.equal(cancel.statusCode, 204);
      await settleSegments(t);
      assert.equal((await t.app.inject({ url: `${JOBS}/${queued.id}`, headers: f.headers })).json().status, 'CANCELLED');
      assert.equal((await t.app.inject({ url: `${JOBS}/${queued.id}`, headers: dev })).statusCode, 404);
    });

    it('refuses bad input with a 4xx that names what is wrong', async () => {
      const cases: Array<[string, string, unknown, number, RegExp]> = [
        ['POST', DEFINITIONS, { name: 'x', schema: { name: '_xdm.context.profile' }, expression: { type: 'PQL', format: 'pql/text', value: 'workAddress.country = ' } }, 400, /line 1, column/],
        ['POST', DEFINITIONS, { name: 'x', schema: { name: '_xdm.context.profile' }, expression: { type: 'PQL', format: 'pql/text', value: 'workAddress.nope = "US"' } }, 400, /nope/],
        ['POST', DEFINITIONS, { name: 'x', schema: { name: '_xdm.context.experienceevent' }, expression: { value: 'true' } }, 400, /schema\.name/],
        ['POST', DEFINITIONS, { name: 'x', schema: { name: '_xdm.context.profile' }, expression: { type: 'ARL', value: 'true' } }, 400, /expression\.type/],
        ['POST', DEFINITIONS, { name: 'x', schema: { name: '_xdm.context.profile' }, expression: { format: 'pql/json', value: '{"nodeType":' } }, 400, /expression\.value/],
        ['POST', DEFINITIONS, { name: 'x', schema: { name: '_xdm.context.profile' }, expression: { value: 'inSegment("nope")' } }, 400, /no segment definition 'nope'/],
        ['POST', DEFINITIONS, { name: 'x', schema: { name: '_xdm.context.profile' }, expression: { value: 'true' }, mergePolicyId: 'no-policy' }, 400, /no-policy/],
        ['POST', DEFINITIONS, { schema: { name: '_xdm.context.profile' }, expression: { value: 'true' } }, 400, /name/],
        ['GET', `${DEFINITIONS}?sort=owner:asc`, undefined, 400, /sort field 'owner'/],
        ['GET', `${DEFINITIONS}/nope`, undefined, 404, /nope/],
        ['PATCH', `${DEFINITIONS}/nope`, { name: 'y' }, 404, /nope/],
        ['POST', JOBS, [], 400, /names no segment/],
        ['GET', `${JOBS}?status=DONE`, undefined, 400, /status 'DONE'/],
        ['GET', `${JOBS}?property=name==x`, undefined, 400, /segments~segmentId==/],
        ['DELETE', `${JOBS}/nope`, undefined, 404, /nope/],
        ['POST', '/data/core/ups/segment/conversion', { expression: { format: 'pql/xml', value: 'true' } }, 400, /pql\/xml/],
      ];
      for (const [method, url, payload, status, message] of cases) {
        const res = await t.app.inject({ method: method as 'GET', url, headers: f.headers, ...(payload === undefined ? {} : { payload: payload as object }) });
        assert.equal(res.statusCode, status, `${method} ${url} ${JSON.stringify(payload)}: ${res.body}`);
        assert.match(res.body, message, `${method} ${url}`);
      }
    });

    /** Runs a segment job to its end; answers the finished job. */
    async function runJob(ids: readonly string[]): Promise<any> {
      const res = await t.app.inject({ method: 'POST', url: JOBS, headers: f.headers, payload: ids.map((segmentId) => ({ segmentId })) });
      assert.equal(res.statusCode, 200, res.body);
      await settleSegments(t);
      const job = (await t.app.inject({ url: `${JOBS}/${res.json().id}`, headers: f.headers })).json();
      assert.equal(job.status, 'SUCCEEDED', JSON.stringify(job));
      return job;
    }

    /** The CRM ids of a definition's members (realized), read through the entities API for each person. */
    async function members(segmentId: string): Promise<Set<string>> {
      const out = new Set<string>();
      for (const n of [1, 2, 3]) {
        const res = await t.app.inject({ url: `/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=crm-${n}&entityIdNS=CRMID`, headers: f.headers });
        const entity = (Object.values(res.json() as Record<string, { entity: Record<string, any> }>)[0]!).entity;
        if (entity.segmentMembership?.ups?.[segmentId]?.status === 'realized') out.add(`crm-${n}`);
      }
      return out;
    }
  });
}
