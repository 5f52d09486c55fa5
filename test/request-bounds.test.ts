/** Bounded requests through HTTP on both stores: integer ranges of every list route, errors that stay in the caller's sandbox. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildApp } from '../src/http/app.js';
import { STORE_KINDS, TEST_SECRET, type TestApp, startTestApp } from './support/app.js';
import { type IngestFixture, ingestFixture } from './support/fixtures.js';
import { seedGraph } from './support/graph.js';

const MAX_SAFE = '9007199254740991';
const OUT_OF_RANGE = ['99999999999999999999', '1e20', '9223372036854775807', '9007199254740992', '-1'];
const EVENTS = '/data/core/ups/access/entities?schema.name=_xdm.context.experienceevent&relatedEntityIdNS=CRMID&relatedEntityId=crm-1';

for (const kind of STORE_KINDS) {
  describe(`request bounds: integer parameters (${kind})`, () => {
    let t: TestApp;
    let f: IngestFixture;
    let batchId: string;
    before(async () => {
      t = await startTestApp(kind);
      f = await ingestFixture(t, 'Bounds@AdobeOrg');
      batchId = (await t.app.inject({ method: 'POST', url: '/data/foundation/import/batches', headers: f.headers, payload: { datasetId: f.profileDataset } })).json().id;
    });
    after(() => t.close());

    // [url with X for the value, parameter named in the error, lowest allowed, highest allowed]
    const cases = (): Array<[string, string, number, string]> => [
      ['/data/foundation/catalog/dataSets?start=X', 'querystring/start', 0, MAX_SAFE],
      ['/data/foundation/catalog/dataSets?limit=X', 'querystring/limit', 1, '100'],
      ['/data/foundation/catalog/batches?start=X', 'querystring/start', 0, MAX_SAFE],
      ['/data/foundation/catalog/batches?limit=X', 'querystring/limit', 1, '100'],
      [`/data/foundation/import/batches/${batchId}/errors?start=X`, 'querystring/start', 0, MAX_SAFE],
      [`/data/foundation/import/batches/${batchId}/errors?limit=X`, 'querystring/limit', 1, '1000'],
      ['/data/foundation/sandbox-management/sandboxes?offset=X', 'querystring/offset', 0, MAX_SAFE],
      ['/data/foundation/sandbox-management/sandboxes?limit=X', 'querystring/limit', 1, '100'],
      ['/data/core/ups/config/mergePolicies?limit=X', 'querystring/limit', 1, '100'],
      ['/data/core/ups/config/mergePolicies?version=X', 'querystring/version', 0, MAX_SAFE],
      ['/data/core/idnamespace/identities/X', 'params/id', 0, MAX_SAFE],
      ['/data/core/identity/identity?id=a&nsid=X', 'querystring/nsid', 0, MAX_SAFE],
      ['/data/core/identity/cluster/members?id=a&nsid=X', 'querystring/nsid', 0, MAX_SAFE],
      ['/data/core/identity/guardrails?limit=X', 'querystring/limit', 1, '1000'],
      [`${EVENTS}&startTime=X`, 'querystring/startTime', 0, MAX_SAFE],
      [`${EVENTS}&endTime=X`, 'querystring/endTime', 0, MAX_SAFE],
      [`${EVENTS}&limit=X`, 'querystring/limit', 1, '1000'],
    ];

    it('answers 400 naming the parameter and its range for every out-of-range integer', async () => {
      for (const [url, path, min, max] of cases()) {
        for (const value of [...OUT_OF_RANGE, '1.5', String(BigInt(max) + 1n)]) {
          const res = await t.app.inject({ url: url.replace('X', value), headers: f.headers });
          assert.equal(res.statusCode, 400, `${url} with ${value}: ${res.body}`);
          const body = res.json();
          assert.equal(body.code, 'REQUEST_INVALID');
          assert.equal(body.detail, `${path} must be an integer from ${min} to ${max}`, url);
        }
      }
    });

    it('serves the largest allowed value from the store', async () => {
      for (const [url, , , max] of cases()) {
        const res = await t.app.inject({ url: url.replace('X', max), headers: f.headers });
        assert.ok([200, 404].includes(res.statusCode), `${url} with ${max}: ${res.statusCode} ${res.body}`);
      }
      const page = await t.app.inject({ url: `/data/foundation/catalog/dataSets?start=${MAX_SAFE}`, headers: f.headers });
      assert.deepEqual(page.json(), {});
    });

    it('bounds the integers of bodies and page tokens too', async () => {
      const post = await t.app.inject({
        method: 'POST',
        url: '/data/core/ups/access/entities',
        headers: f.headers,
        payload: { schema: { name: '_xdm.context.experienceevent' }, identities: [{ relatedEntityId: 'crm-1', relatedEntityIdNS: { code: 'CRMID' } }], timeFilter: { startTime: 1e20 } },
      });
      assert.equal(post.statusCode, 400, post.body);
      assert.equal(post.json().detail, `body/timeFilter/startTime must be an integer from 0 to ${MAX_SAFE}`);
      const graph = await t.app.inject({ method: 'POST', url: '/data/core/identity/v2/graph', headers: f.headers, payload: { composite_xids: [{ nsid: 1e20, id: 'a' }] } });
      assert.equal(graph.statusCode, 400, graph.body);
      assert.match(graph.json().detail, /composite_xids\/0\/nsid must be an integer from 0 to/);
      const forged = Buffer.from(JSON.stringify([1e20, f.eventDataset, 'x'])).toString('base64url');
      const events = await t.app.inject({ url: `${EVENTS}&start=${forged}`, headers: f.headers });
      assert.equal(events.statusCode, 400, events.body);
      assert.equal(events.json().code, 'ENTITY_CURSOR_INVALID');
      const token = Buffer.from('1e20').toString('base64url');
      const policies = await t.app.inject({ url: `/data/core/ups/config/mergePolicies?start=${token}`, headers: f.headers });
      assert.equal(policies.statusCode, 400, policies.body);
    });
  });
}

for (const kind of STORE_KINDS) {
  describe(`request bounds: conflicts stay in the caller's sandbox (${kind})`, () => {
    let t: TestApp;
    let f: IngestFixture;
    before(async () => {
      t = await startTestApp(kind);
      f = await ingestFixture(t, 'Leak@AdobeOrg');
    });
    after(() => t.close());

    const BASE = '/data/core/ups/config/mergePolicies';
    const policy = (name: string) => ({ name, identityGraph: { type: 'pdg' }, attributeMerge: { type: 'timestampOrdered' }, schema: { name: '_xdm.context.profile' }, isActiveOnEdge: true });

    it('names another sandbox’s edge policy neither by name nor by id', async () => {
      const prod = await t.app.inject({ method: 'POST', url: BASE, headers: f.headers, payload: policy('Secret prod edge policy') });
      assert.equal(prod.statusCode, 200, prod.body);
      const { id } = prod.json();
      await t.app.inject({ method: 'POST', url: '/data/foundation/sandbox-management/sandboxes', headers: f.headers, payload: { name: 'dev', title: 'Dev', type: 'development' } });
      const dev = await t.app.inject({ method: 'POST', url: BASE, headers: { ...f.headers, 'x-sandbox-name': 'dev' }, payload: policy('Dev edge') });
      assert.equal(dev.statusCode, 409, dev.body);
      assert.equal(dev.json().code, 'MERGE_POLICY_EDGE_CONFLICT');
      assert.doesNotMatch(dev.body, /Secret prod edge policy/);
      assert.ok(!dev.body.includes(id), dev.body);
      assert.match(dev.json().detail, /another sandbox/);
      // In the caller's own sandbox the holder is named, so the client knows which policy to change.
      const again = await t.app.inject({ method: 'POST', url: BASE, headers: f.headers, payload: policy('Second prod edge') });
      assert.equal(again.statusCode, 409, again.body);
      assert.ok(again.json().detail.includes(id), again.body);
    });
  });
}

/** Waits for a condition the server reaches on its own (a file removed after a disconnect), failing after ~10 s. */
async function until(what: string, condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (condition()) return;
    await sleep(20);
  }
  assert.fail(`timed out waiting until ${what}`);
}

const partials = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.partial')) : []);

for (const kind of STORE_KINDS) {
  describe(`request bounds: uploads leave no partial files (${kind})`, () => {
    let t: TestApp;
    let f: IngestFixture;
    let port: number;
    before(async () => {
      t = await startTestApp(kind, { uploadLimit: 64 * 1024 });
      f = await ingestFixture(t, 'Upload@AdobeOrg');
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      port = (t.app.server.address() as AddressInfo).port;
    });
    after(() => t.close());

    const IMPORT = '/data/foundation/import/batches';
    const newBatch = async () => (await t.app.inject({ method: 'POST', url: IMPORT, headers: f.headers, payload: { datasetId: f.profileDataset } })).json().id as string;
    const fileUrl = (batchId: string, name: string) => `${IMPORT}/${batchId}/datasets/${f.profileDataset}/files/${name}`;
    const batchDir = (batchId: string) => join(t.store.config.dataDir, 'uploads', String(f.tenantId), batchId);
    const upload = (batchId: string, name: string, payload: string) =>
      t.app.inject({ method: 'PUT', url: fileUrl(batchId, name), headers: { ...f.headers, 'content-type': 'application/octet-stream' }, payload });

    it('removes the partial file of an upload whose client disconnects mid-stream, and keeps the earlier file of that name', async () => {
      const batchId = await newBatch();
      const complete = JSON.stringify([{ _id: 'r1' }]);
      assert.equal((await upload(batchId, 'data.json', complete)).statusCode, 200);
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'PUT',
        path: fileUrl(batchId, 'data.json'),
        headers: { ...f.headers, 'content-type': 'application/octet-stream', 'content-length': String(60 * 1024) },
      });
      req.on('error', () => undefined);
      req.write(Buffer.alloc(16 * 1024, 'x'));
      await until('the upload is being written', () => partials(batchDir(batchId)).length === 1);
      req.destroy();
      await until('the partial file is removed', () => partials(batchDir(batchId)).length === 0);
      assert.deepEqual(readdirSync(batchDir(batchId)), ['data.json']);
      assert.equal(readFileSync(join(batchDir(batchId), 'data.json'), 'utf8'), complete);
    });

    it('removes the partial file of an upload refused mid-stream', async () => {
      const batchId = await newBatch();
      const res = await upload(batchId, 'big.json', 'x'.repeat(65 * 1024));
      assert.equal(res.statusCode, 413, res.body);
      assert.deepEqual(readdirSync(batchDir(batchId)), []);
      const completed = await t.app.inject({ method: 'POST', url: `${IMPORT}/${batchId}?action=COMPLETE`, headers: f.headers });
      assert.equal(completed.json().code, 'BATCH_EMPTY');
    });

    it('removes partial files a dead process left, at start-up', async () => {
      const dir = batchDir('01deadbeef');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'kept.json'), '[]');
      writeFileSync(join(dir, '~upload-old.partial'), 'half');
      writeFileSync(join(dir, '~upload-fresh.partial'), 'half');
      const hourAgo = new Date(Date.now() - 3600_000);
      utimesSync(join(dir, '~upload-old.partial'), hourAgo, hourAgo);
      const restarted = await buildApp({ config: t.store.config, db: t.store.db, secret: TEST_SECRET });
      await restarted.close();
      // SQLite: the process owns its data folder. PostgreSQL: other live processes may share it, so only stale files go.
      const expected = kind === 'sqlite' ? ['kept.json'] : ['kept.json', '~upload-fresh.partial'];
      assert.deepEqual(readdirSync(dir).sort(), expected);
    });
  });
}

for (const kind of STORE_KINDS) {
  describe(`request bounds: heavy identity requests (${kind})`, () => {
    let t: TestApp;
    let f: IngestFixture;
    let base: string;
    before(async () => {
      t = await startTestApp(kind);
      f = await ingestFixture(t, 'Heavy@AdobeOrg');
      await seedGraph(t, f.tenantId, 'p', 1000, 10, 3);
      await seedGraph(t, f.tenantId, 'big', 1, 50, 10);
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    });
    after(() => t.close());

    const GRAPH = '/data/core/identity/v2/graph';
    const graphOf = (ids: string[]) => ({ composite_xids: ids.map((id) => ({ ns: 'CRMID', id })), projection_type: 'graph', require_edge_meta_data: true });
    const thousand = Array.from({ length: 1000 }, (_, i) => `p${i}-0`);

    it('answers /health while several 1,000-identity graph requests are in flight', async () => {
      // Observe (not replace) the graph reads: /health is sent once one runs, and must be answered while one still runs.
      const graph = t.app.services.graph;
      const read = graph.readClusters.bind(graph);
      let reading = 0;
      let started!: () => void;
      const working = new Promise<void>((resolve) => (started = resolve));
      graph.readClusters = async (...args) => {
        reading++;
        started();
        try {
          return await read(...args);
        } finally {
          reading--;
        }
      };
      try {
        const finished: string[] = [];
        const heavy = Array.from({ length: 4 }, (_, i) =>
          fetch(base + GRAPH, { method: 'POST', headers: { ...f.headers, 'content-type': 'application/json' }, body: JSON.stringify(graphOf(thousand)) }).then(async (res) => {
            const body = (await res.json()) as { graphs: Array<{ vertices: unknown[]; edges: Array<{ batch_ids: string[] }> }> };
            finished.push(`heavy ${i}`);
            return { status: res.status, body };
          }),
        );
        await working;
        const sent = performance.now();
        const health = await fetch(`${base}/health`);
        const latency = Math.round(performance.now() - sent);
        const stillReading = reading;
        finished.push('health');
        assert.equal(health.status, 200);
        // Synchronous reads (SQLite) that never yield would finish before the event loop could answer /health.
        assert.ok(stillReading > 0, `no graph read was in progress when /health (${latency} ms) was answered`);
        const answers = await Promise.all(heavy);
        assert.equal(finished[0], 'health', `completion order ${finished.join(', ')}; /health took ${latency} ms`);
        for (const a of answers) {
          assert.equal(a.status, 200);
          assert.equal(a.body.graphs.length, 1000);
          assert.equal(a.body.graphs[999]!.vertices.length, 10);
          assert.deepEqual(a.body.graphs[999]!.edges[0]!.batch_ids, ['batch-0', 'batch-1', 'batch-2']);
        }
      } finally {
        graph.readClusters = read;
      }
    });

    it('refuses a graph or cluster request over the limits with 400 naming the limit', async () => {
      const post = (url: string, payload: unknown) => t.app.inject({ method: 'POST', url, headers: f.headers, payload: payload as Record<string, unknown> });
      const both = await post(GRAPH, { ...graphOf(thousand.slice(0, 600)), xids: Array.from({ length: 401 }, () => 'x') });
      assert.equal(both.statusCode, 400, both.body);
      assert.equal(both.json().code, 'IDENTITY_REQUEST_TOO_LARGE');
      assert.match(both.json().detail, /at most 1000 identities/);
      const members = await post('/data/core/identity/clusters/members', { xids: Array.from({ length: 500 }, () => 'x'), compositeXids: Array.from({ length: 501 }, () => ({ nsid: 6, id: 'a' })) });
      assert.equal(members.statusCode, 400, members.body);
      assert.equal(members.json().code, 'IDENTITY_REQUEST_TOO_LARGE');
      const many = await post(GRAPH, { xids: Array.from({ length: 1001 }, () => 'x') });
      assert.equal(many.statusCode, 400, many.body);
      assert.match(many.json().detail, /body\/xids must NOT have more than 1000 items/);
      // 1,000 times a 50-identity graph with 10 batches per edge: 638,000 elements.
      const huge = await post(GRAPH, graphOf(Array.from({ length: 1000 }, () => 'big0-0')));
      assert.equal(huge.statusCode, 400, huge.body);
      assert.equal(huge.json().code, 'IDENTITY_REQUEST_TOO_LARGE');
      assert.match(huge.json().detail, /more than 500000 vertices, edges and edge dataset\/batch ids/);
      assert.equal((await post(GRAPH, { ...graphOf(['big0-0']), require_edge_meta_data: false })).statusCode, 200);
    });

    it('answers many identities at once, each cluster once, unknown ones as unprocessed', async () => {
      const xid = (nsid: number, id: string) => Buffer.from(`${nsid}:${id}`).toString('base64url');
      const res = await t.app.inject({
        method: 'POST',
        url: '/data/core/identity/clusters/members',
        headers: f.headers,
        payload: { xids: [xid(6, 'p1-3'), 'not-an-xid', xid(6, 'p1-4')], compositeXids: [{ nsid: 6, id: 'never-seen' }, { nsid: 99999, id: 'a' }] },
      });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.deepEqual(body.unprocessedRecords, ['not-an-xid', { nsid: 99999, id: 'a' }]);
      assert.equal(body.clusters.length, 3);
      assert.equal(body.clusters[0].members.length, 10);
      assert.deepEqual(body.clusters[0].members, body.clusters[1].members);
      assert.deepEqual(body.clusters[2], { compositeXid: { nsid: 6, id: 'never-seen' }, members: [{ nsid: 6, id: 'never-seen' }] });
    });
  });
}
