/**
 * Edge projection destinations and configurations through HTTP on both stores: Adobe's documented examples with their
 * statuses and shapes, the 2023 Profile spec's example values (read at run time), every refusal a 4xx naming why,
 * tenancy, and the hub's edge routes refusing anything but a valid edge credential.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { STORE_KINDS, TEST_SECRET, type TestApp, startTestApp } from './support/app.js';
import { type IngestFixture, createDefaultPolicy, ingestFixture } from './support/fixtures.js';
import { SHARED, needsShared, sharedPath } from './support/shared-files.js';
import { yamlBlock } from './support/yaml.js';
import { issueEdgeToken } from '../src/edge/edge-token.js';

const ORG = 'ACME@AdobeOrg';
const OTHER_ORG = 'Globex@AdobeOrg';
const DESTINATIONS = '/data/core/ups/config/destinations';
const PROJECTIONS = '/data/core/ups/config/projections';
const VENDOR = 'application/vnd.adobe.platform';
const DST = `${VENDOR}.projectionDestination+json; version=1`;
const DSTL = `${VENDOR}.projectionDestinationList+json; version=1`;
const PC = `${VENDOR}.projectionConfig+json; version=1`;
const PCL = `${VENDOR}.projectionConfigList+json; version=1`;
const PROFILE = '_xdm.context.profile';

/* Adobe's examples, from help/profile/api/edge-projections.md (AdobeDocs/experience-platform.en @036bda27), verbatim
 * but for the doc's invalid JSON: `REACTIVE` is quoted, and the trailing comma of the P1 list is dropped. */
const link = (href: string) => ({ href, templated: false });
const DOC_DEST = (id: string, ttl: number, dataCenters: string[], version: number) => ({ self: link(`${DESTINATIONS}/${id}`), id, type: 'EDGE', ttl, dataCenters, version });
const D1_RESPONSE = {
  _links: { self: link(DESTINATIONS) },
  _embedded: {
    projectionDestinations: [
      { _links: { self: link(`${DESTINATIONS}/cef0e2ef-5249-4e25-be90-94f5797a2841`) }, id: 'cef0e2ef-5249-4e25-be90-94f5797a2841', type: 'EDGE', ttl: 3600, dataCenters: ['VA5'], version: 1 },
      { _links: { self: link(`${DESTINATIONS}/7d26263f-a5df-43ce-b088-7f70e187f549`) }, id: '7d26263f-a5df-43ce-b088-7f70e187f549', type: 'EDGE', ttl: 3600, dataCenters: ['OR1'], version: 1 },
    ],
  },
};
const D2_CONTENT_TYPE = 'application/vnd.adobe.platform.projectionDestination+json; version=1';
const D2_REQUEST = { type: 'EDGE', dataCenters: ['OR1'], ttl: 3600, replicationPolicy: 'REACTIVE' };
const D2_RESPONSE = { self: link(`${DESTINATIONS}/cc5a3bd1-f2b9-4965-b9bd-4e7416a02cd4`), id: 'cc5a3bd1-f2b9-4965-b9bd-4e7416a02cd4', type: 'EDGE', dataCenters: ['OR1'], ttl: 3600, version: 1 };
const D3_RESPONSE = DOC_DEST('cef0e2ef-5249-4e25-be90-94f5797a2841', 3600, ['OR1'], 1);
const D4_CONTENT_TYPE = 'application/vnd.adobe.platform.projectionDestination+json';
const D4_REQUEST = { type: 'EDGE', dataCenters: ['OR1', 'VA5'], replicationPolicy: 'REACTIVE', currentVersion: 1 };
const D4_RESPONSE = DOC_DEST('8b90ce19-e7dd-403a-ae24-69683a6674e7', 8000, ['OR1', 'VA5'], 2);
const P1_RESPONSE = {
  _links: { self: link(PROJECTIONS) },
  _embedded: {
    projectionConfigs: [
      {
        _links: { destination: link(`${DESTINATIONS}/a689248a-5d2b-44af-bb70-c8f17f97011b`), self: link(`${PROJECTIONS}/99aed0bc-c183-4997-ada7-7843642e08f6`) },
        _embedded: { destination: DOC_DEST('a689248a-5d2b-44af-bb70-c8f17f97011b', 1000, ['OR1'], 1) },
        selector: 'strategy', version: 2, id: '99aed0bc-c183-4997-ada7-7843642e08f6', schemaName: PROFILE, name: 'adcloud_rlsa', destinationId: 'a689248a-5d2b-44af-bb70-c8f17f97011b',
      },
    ],
  },
};
const P2_CONTENT_TYPE = 'application/vnd.adobe.platform.projectionConfig+json; version=1';
const P2_REQUEST = { selector: 'emails,person(firstName)', name: 'my_test_projection', destinationId: 'cc5a3bd1-f2b9-4965-b9bd-4e7416a02cd4' };
const P2_RESPONSE = {
  _links: { destination: link(`${DESTINATIONS}/cc5a3bd1-f2b9-4965-b9bd-4e7416a02cd4`), self: link(`${PROJECTIONS}/87fcd0bc-c183-4997-daf9-7843642g95a1`) },
  _embedded: { destination: DOC_DEST('cc5a3bd1-f2b9-4965-b9bd-4e7416a02cd4', 1000, ['OR1'], 1) },
  selector: 'emails,person(firstName)', version: 2, id: '87fcd0bc-c183-4997-daf9-7843642g95a1', schemaName: PROFILE, name: 'my_test_projection', destinationId: 'cc5a3bd1-f2b9-4965-b9bd-4e7416a02cd4',
};

/** The members of `want` that `got` lacks (recursively into objects; arrays compare their first items). */
function missing(want: any, got: any, at = ''): string[] {
  if (want === null || typeof want !== 'object') return [];
  if (Array.isArray(want)) return want.length > 0 && Array.isArray(got) && got.length > 0 ? missing(want[0], got[0], `${at}[0]`) : [];
  return Object.keys(want).flatMap((k) => (got !== null && typeof got === 'object' && k in got ? missing(want[k], got[k], `${at}.${k}`) : [`${at}.${k}`]));
}

/**
 * Checks, last in a test so its other assertions still run, that each answer's Content-Type is the vendor media type
 * exactly as the spec and Adobe's curl examples spell it (camel case, `version=1` unquoted), at most with a
 * `; charset=utf-8` after it: clients compare the string.
 */
function assertMedia(answers: Array<[{ headers: Record<string, unknown> }, string]>): void {
  const wrong = answers
    .map(([res, media]) => [String(res.headers['content-type']), media] as const)
    .filter(([sent, media]) => sent !== media && sent !== `${media}; charset=utf-8`)
    .map(([sent, media]) => `'${sent}' instead of '${media}'`);
  assert.deepEqual(wrong, [], 'responses must carry the vendor Content-Type as written');
}

const spec = (path: string[]) => yamlBlock(readFileSync(sharedPath(SHARED.profileYaml2023), 'utf8'), path) as any;
/** An operation's parameter by name. `parameters:` lists sit at their key's indentation, outside what yamlBlock cuts alone: read the operation. */
const parameter = (path: string, method: string, name: string) => (spec(['paths', path, method]).parameters as any[]).find((p) => p.name === name);

for (const kind of STORE_KINDS) {
  describe(`edge projection config API (${kind})`, () => {
    let t: TestApp;
    let f: IngestFixture;
    let h: Record<string, string>;
    type Call = { method?: 'GET' | 'POST' | 'PUT' | 'DELETE'; type?: string; accept?: string; payload?: unknown; headers?: Record<string, string> };
    const call = (url: string, { method = 'GET', type, accept, payload, headers = h }: Call = {}) =>
      t.app.inject({
        method,
        url,
        headers: { ...headers, ...(type ? { 'content-type': type } : {}), ...(accept ? { accept } : {}) },
        ...(payload === undefined ? {} : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
      });
    const newDestination = async (body: object = D2_REQUEST, headers = h) => {
      const res = await call(DESTINATIONS, { method: 'POST', type: DST, payload: body, headers });
      assert.equal(res.statusCode, 201, res.body);
      return res.json();
    };
    const newProjection = async (body: object, schemaName = PROFILE, headers = h) => {
      const res = await call(`${PROJECTIONS}?schemaName=${encodeURIComponent(schemaName)}`, { method: 'POST', type: PC, payload: body, headers });
      assert.equal(res.statusCode, 201, res.body);
      return res.json();
    };

    before(async () => {
      t = await startTestApp(kind);
      f = await ingestFixture(t, ORG);
      await createDefaultPolicy(t, f);
      h = await t.headers(ORG, 'prod');
    });
    after(() => t.close());

    it("answers the doc's destination examples: create, list, get, update (then a stale update) and delete", async () => {
      const types: Parameters<typeof assertMedia>[0] = [];
      const res = await call(DESTINATIONS, { method: 'POST', type: D2_CONTENT_TYPE, payload: D2_REQUEST });
      assert.equal(res.statusCode, 201, res.body);
      types.push([res, DST]);
      const d = res.json();
      assert.deepEqual(missing(D2_RESPONSE, d), []);
      for (const k of ['type', 'dataCenters', 'ttl', 'version'] as const) assert.deepEqual(d[k], D2_RESPONSE[k], k);
      assert.deepEqual(d.self, link(`${DESTINATIONS}/${d.id}`));
      assert.deepEqual(d._links.self, d.self);
      assert.equal(res.headers.location, `${DESTINATIONS}/${d.id}`);
      assert.equal(d.replicationPolicy, 'REACTIVE');

      const list = await call(DESTINATIONS, { accept: DSTL });
      assert.equal(list.statusCode, 200, list.body);
      types.push([list, DSTL]);
      assert.deepEqual(missing(D1_RESPONSE, list.json()), []);
      assert.deepEqual(list.json()._links, D1_RESPONSE._links);
      const item = list.json()._embedded.projectionDestinations.find((x: { id: string }) => x.id === d.id);
      assert.deepEqual(item._links.self, link(`${DESTINATIONS}/${d.id}`));

      const got = await call(`${DESTINATIONS}/${d.id}`, { accept: DST });
      assert.equal(got.statusCode, 200, got.body);
      types.push([got, DST]);
      assert.deepEqual(missing(D3_RESPONSE, got.json()), []);
      assert.deepEqual(got.json(), d);

      const put = await call(`${DESTINATIONS}/${d.id}`, { method: 'PUT', type: D4_CONTENT_TYPE, payload: D4_REQUEST });
      assert.equal(put.statusCode, 200, put.body);
      types.push([put, DST]);
      assert.deepEqual(missing(D4_RESPONSE, put.json()), []);
      assert.equal(put.json().version, 2);
      assert.deepEqual(put.json().dataCenters, D4_RESPONSE.dataCenters);
      // The doc's answer shows ttl 8000 for a body without one; a PUT rewrites, so the default applies.
      assert.equal(put.json().ttl, 3600);
      const stale = await call(`${DESTINATIONS}/${d.id}`, { method: 'PUT', type: D4_CONTENT_TYPE, payload: D4_REQUEST });
      assert.equal(stale.statusCode, 409, stale.body);
      assert.match(stale.json().detail, /version 2.*currentVersion 1/);

      const del = await call(`${DESTINATIONS}/${d.id}`, { method: 'DELETE' });
      assert.equal(del.statusCode, 204);
      assert.equal(del.body, '');
      assert.equal((await call(`${DESTINATIONS}/${d.id}`)).statusCode, 404);
      assertMedia(types);
    });

    it("answers the doc's projection examples: create, list (by schema, then by name), get, update, stale update, delete", async () => {
      const types: Parameters<typeof assertMedia>[0] = [];
      const d = await newDestination();
      const res = await call(`${PROJECTIONS}?schemaName=${PROFILE}`, { method: 'POST', type: P2_CONTENT_TYPE, payload: { ...P2_REQUEST, destinationId: d.id } });
      assert.equal(res.statusCode, 201, res.body);
      types.push([res, PC]);
      const p = res.json();
      assert.deepEqual(missing(P2_RESPONSE, p), []);
      assert.equal(res.headers.location, `${PROJECTIONS}/${p.id}`);
      assert.deepEqual(p._links, { self: link(`${PROJECTIONS}/${p.id}`), destination: link(`${DESTINATIONS}/${d.id}`) });
      assert.deepEqual(p._embedded.destination, d);
      for (const k of ['selector', 'schemaName', 'name'] as const) assert.equal(p[k], P2_RESPONSE[k], k);
      assert.equal(p.destinationId, d.id);
      assert.equal(p.version, 1);

      for (const query of [`schemaName=${PROFILE}`, `schemaName=${PROFILE}&name=my_test_projection`]) {
        const list = await call(`${PROJECTIONS}?${query}`, { accept: PCL });
        assert.equal(list.statusCode, 200, list.body);
        types.push([list, PCL]);
        assert.deepEqual(missing(P1_RESPONSE, list.json()), [], query);
        assert.deepEqual(list.json()._links, P1_RESPONSE._links);
        assert.deepEqual(list.json()._embedded.projectionConfigs.find((x: { id: string }) => x.id === p.id), p, query);
      }
      const byName = (await call(`${PROJECTIONS}?schemaName=${PROFILE}&name=my_test_projection`)).json()._embedded.projectionConfigs;
      assert.deepEqual(byName.map((x: { id: string }) => x.id), [p.id]);

      const got = await call(`${PROJECTIONS}/${p.id}`, { accept: PC });
      assert.equal(got.statusCode, 200, got.body);
      types.push([got, PC]);
      assert.deepEqual(got.json(), p);

      const body = { selector: 'emails,person(firstName,lastName)', name: 'my_test_projection', destinationId: d.id, currentVersion: 1 };
      const put = await call(`${PROJECTIONS}/${p.id}`, { method: 'PUT', type: PC, payload: body });
      assert.equal(put.statusCode, 200, put.body);
      types.push([put, PC]);
      assert.equal(put.json().version, 2);
      assert.equal(put.json().selector, body.selector);
      const stale = await call(`${PROJECTIONS}/${p.id}`, { method: 'PUT', type: PC, payload: body });
      assert.equal(stale.statusCode, 409, stale.body);
      assert.match(stale.json().detail, new RegExp(`${p.id}.*version 2`));

      const del = await call(`${PROJECTIONS}/${p.id}`, { method: 'DELETE' });
      assert.equal(del.statusCode, 204);
      assert.equal(del.body, '');
      assert.equal((await call(`${PROJECTIONS}/${p.id}`)).statusCode, 404);
      assertMedia(types);
    });

    it("creates and lists projections from the 2023 spec's example values; the ids match its path pattern", needsShared(SHARED.profileYaml2023), async () => {
      const props = spec(['components', 'schemas', 'InputProjectionConfig', 'properties']);
      const schemaName = parameter('/ups/config/projections', 'post', 'schemaName').example;
      const listName = parameter('/ups/config/projections', 'get', 'name').example;
      assert.equal(schemaName, 'Profile');
      assert.equal(props.selector.example, 'person.gender,addresses.city,phoneNumbers.number');
      const d = await newDestination();
      const first = await newProjection({ name: props.name.example, selector: props.selector.example, destinationId: d.id }, schemaName);
      assert.equal(first.schemaName, PROFILE);
      assert.equal(first.selector, props.selector.example);
      const second = await newProjection({ name: listName, selector: props.selector.example, destinationId: d.id }, schemaName);
      const named = (await call(`${PROJECTIONS}?schemaName=${schemaName}&name=${listName}`)).json()._embedded.projectionConfigs;
      assert.deepEqual(named.map((x: { id: string }) => x.id), [second.id]);
      const all = (await call(`${PROJECTIONS}?schemaName=${schemaName}`)).json()._embedded.projectionConfigs.map((x: { id: string }) => x.id);
      assert.ok(all.includes(first.id) && all.includes(second.id), all.join());
      for (const [path, param] of [['/ups/config/projections/{projectionid}', 'projectionid'], ['/ups/config/destinations/{destinationId}', 'destinationId']] as const) {
        for (const method of ['get', 'put', 'delete']) {
          const pattern = new RegExp(`^(?:${parameter(path, method, param).schema.pattern})$`);
          for (const id of [d.id, first.id, second.id]) assert.match(id, pattern, `${method} ${path}`);
        }
      }
    });

    it('refuses bad input with a problem naming what is wrong', async () => {
      const d = await newDestination();
      const p = await newProjection({ selector: 'emails', name: 'refusals', destinationId: d.id });
      const proj = (body: object) => ({ selector: 'emails', destinationId: d.id, ...body });
      const put2 = await call(`${PROJECTIONS}/${p.id}`, { method: 'PUT', type: PC, payload: proj({ name: 'refusals', currentVersion: 1 }) });
      assert.equal(put2.json().version, 2, put2.body);
      const cases: Array<[Call['method'], string, string | undefined, unknown, number, RegExp, string?]> = [
        ['POST', DESTINATIONS, 'application/json', D2_REQUEST, 415, /application\/json/],
        ['POST', DESTINATIONS, 'text/plain', JSON.stringify(D2_REQUEST), 415, /text\/plain/],
        ['POST', DESTINATIONS, PC, D2_REQUEST, 415, /projectionConfig\+json/],
        ['POST', DESTINATIONS, `${VENDOR}.projectionDestination+json; version=2`, D2_REQUEST, 415, /version=2/],
        ['POST', `${PROJECTIONS}?schemaName=${PROFILE}`, 'application/json', proj({}), 415, /application\/json/],
        ['GET', DESTINATIONS, undefined, undefined, 406, /text\/html/, 'text/html'],
        ['POST', DESTINATIONS, DST, { ...D2_REQUEST, type: 'CLOUD' }, 400, /body\/type/],
        ['POST', DESTINATIONS, DST, { ...D2_REQUEST, dataCenters: [] }, 400, /body\/dataCenters must NOT have fewer than 1/],
        ['POST', DESTINATIONS, DST, { ...D2_REQUEST, dataCenters: ['XX1'] }, 400, /body\/dataCenters\/0/],
        ['POST', DESTINATIONS, DST, { ...D2_REQUEST, ttl: 599 }, 400, /body\/ttl must be an integer from 600 to 604800/],
        ['POST', DESTINATIONS, DST, { ...D2_REQUEST, ttl: 604_801 }, 400, /body\/ttl must be an integer from 600 to 604800/],
        ['POST', DESTINATIONS, DST, { ...D2_REQUEST, replicationPolicy: 'SOMETIMES' }, 400, /body\/replicationPolicy/],
        ['POST', `${PROJECTIONS}?schemaName=${PROFILE}`, PC, { destinationId: d.id }, 400, /'selector'/],
        ['POST', `${PROJECTIONS}?schemaName=${PROFILE}`, PC, proj({ selector: 'emails, person' }), 400, /position 7/],
        ['POST', `${PROJECTIONS}?schemaName=${PROFILE}`, PC, proj({ selector: 'a,,b' }), 400, /position 2/],
        ['POST', `${PROJECTIONS}?schemaName=_xdm.context.experienceevent`, PC, proj({}), 400, /_xdm\.context\.experienceevent/],
        ['GET', `${PROJECTIONS}?name=refusals`, undefined, undefined, 400, /schemaName/],
        ['GET', `${DESTINATIONS}/a_b`, undefined, undefined, 400, /params\/destinationId must match pattern/],
        ['GET', `${PROJECTIONS}/a_b`, undefined, undefined, 400, /params\/projectionid must match pattern/],
        ['GET', `${DESTINATIONS}/no-such-destination`, undefined, undefined, 404, /no-such-destination/],
        ['PUT', `${DESTINATIONS}/no-such-destination`, DST, D2_REQUEST, 404, /no-such-destination/],
        ['DELETE', `${DESTINATIONS}/no-such-destination`, undefined, undefined, 404, /no-such-destination/],
        ['GET', `${PROJECTIONS}/no-such-projection`, undefined, undefined, 404, /no-such-projection/],
        ['PUT', `${PROJECTIONS}/no-such-projection`, PC, proj({}), 404, /no-such-projection/],
        ['DELETE', `${PROJECTIONS}/no-such-projection`, undefined, undefined, 404, /no-such-projection/],
        ['DELETE', `${DESTINATIONS}/${d.id}`, undefined, undefined, 409, new RegExp(p.id)],
        ['PUT', `${DESTINATIONS}/${d.id}`, DST, { ...D2_REQUEST, currentVersion: 5 }, 409, /currentVersion 5/],
        ['PUT', `${PROJECTIONS}/${p.id}`, PC, proj({ currentVersion: 5 }), 409, /currentVersion 5/],
        // No currentVersion is currentVersion 1, stale against version 2.
        ['PUT', `${PROJECTIONS}/${p.id}`, PC, proj({}), 409, /currentVersion 1/],
        ['POST', `${PROJECTIONS}?schemaName=Profile`, PC, proj({ name: 'refusals' }), 409, /refusals/],
        ['POST', `${PROJECTIONS}?schemaName=${PROFILE}`, PC, proj({ destinationId: 'no-such-destination' }), 422, /no-such-destination/],
      ];
      for (const [method, url, type, payload, status, message, accept] of cases) {
        const res = await call(url, { method, type, accept, payload });
        const what = `${method} ${url} ${type ?? ''} ${JSON.stringify(payload) ?? ''}`;
        assert.equal(res.statusCode, status, `${what}: ${res.body}`);
        // RFC 7807: the status the body claims is the one sent, and its detail names the problem.
        const problem = res.json();
        assert.match(problem.detail, message, what);
        assert.equal(problem.status, status, what);
        assert.equal(typeof problem.title, 'string', what);
        assert.equal(typeof problem.type, 'string', what);
      }
      // Another name for the same class is fine; a merge policy that does not exist is refused naming it.
      assert.equal((await newProjection(proj({ name: 'refusals-2' }))).name, 'refusals-2');
      const policy = await call(`${PROJECTIONS}?schemaName=${PROFILE}`, { method: 'POST', type: PC, payload: proj({ name: 'refusals-3', mergePolicyId: 'no-such-policy' }) });
      assert.ok(policy.statusCode >= 400 && policy.statusCode < 500, policy.body);
      assert.match(policy.json().detail, /no-such-policy/);
      // Nothing refused changed anything: the destination and its projection are as they were.
      assert.equal((await call(`${DESTINATIONS}/${d.id}`)).json().version, 1);
      assert.equal((await call(`${PROJECTIONS}/${p.id}`)).json().version, 2);
    });

    it("keeps each sandbox's and org's destinations and projections to itself", async () => {
      const d = await newDestination();
      const p = await newProjection({ selector: 'emails', name: 'tenancy', destinationId: d.id });
      assert.equal((await call('/data/foundation/sandbox-management/sandboxes', { method: 'POST', type: 'application/json', payload: { name: 'dev', title: 'Dev', type: 'development' } })).statusCode, 201);
      for (const headers of [await t.headers(ORG, 'dev'), await t.headers(OTHER_ORG, 'prod')]) {
        const who = `${headers['x-gw-ims-org-id']}/${headers['x-sandbox-name']}`;
        assert.equal((await call(`${DESTINATIONS}/${d.id}`, { headers })).statusCode, 404, who);
        assert.equal((await call(`${PROJECTIONS}/${p.id}`, { headers })).statusCode, 404, who);
        assert.equal((await call(`${DESTINATIONS}/${d.id}`, { method: 'DELETE', headers })).statusCode, 404, who);
        const dests = await call(DESTINATIONS, { headers });
        assert.equal(dests.statusCode, 200, dests.body);
        assert.ok(dests.json()._embedded.projectionDestinations.every((x: { id: string }) => x.id !== d.id), who);
        const projs = await call(`${PROJECTIONS}?schemaName=${PROFILE}`, { headers });
        assert.equal(projs.statusCode, 200, projs.body);
        assert.ok(projs.json()._embedded.projectionConfigs.every((x: { id: string }) => x.id !== p.id), who);
        // Its own projection may point only at its own destinations.
        const foreign = await call(`${PROJECTIONS}?schemaName=${PROFILE}`, { method: 'POST', type: PC, payload: { selector: 'emails', destinationId: d.id }, headers });
        assert.equal(foreign.statusCode, 422, foreign.body);
      }
      assert.equal((await call(`${DESTINATIONS}/${d.id}`)).statusCode, 200);
      assert.equal((await call(`${PROJECTIONS}/${p.id}`)).statusCode, 200);
    });

    it("refuses the hub's edge stream without a valid edge credential for the data center asked", async () => {
      const url = '/edge/v1/stream?dataCenter=OR1';
      const tries: Array<[string, string | undefined, RegExp]> = [
        ['no credential', undefined, /edge credential/],
        ['a client token', `Bearer ${await t.token([ORG])}`, /not valid/],
        ['an edge token for VA5', `Bearer ${await issueEdgeToken(TEST_SECRET, 'VA5')}`, /VA5.*OR1/],
      ];
      for (const [what, authorization, message] of tries) {
        const res = await t.app.inject({ url, headers: authorization === undefined ? {} : { authorization } });
        assert.equal(res.statusCode, 401, `${what}: ${res.body}`);
        assert.match(res.json().detail, message, what);
      }
    });
  });
}
