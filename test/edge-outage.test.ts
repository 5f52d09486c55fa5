/**
 * An edge while its hub is unreachable, on both hub stores: it keeps answering from what it holds and says how old
 * its copy is; it reconnects and resumes when the hub returns; and one that fell behind the hub's tombstone horizon
 * starts again from an empty store. The edge runs in this process on a test clock, behind a TCP proxy that stands
 * for the network between it and the hub.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { type Server, type Socket, createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { STORE_KINDS, TEST_SECRET, type TestApp, startTestApp } from './support/app.js';
import { type IngestFixture, PROFILE_SCHEMA_ID, createDefaultPolicy, ingestFixture, personRecord, streamRecord } from './support/fixtures.js';
import { createProjection, edgeLookup, serveHub } from './support/edge.js';
import { eventually } from './support/wait.js';
import { EdgeSync } from '../src/edge/node/edge-sync.js';
import { SqliteEdgeStore } from '../src/edge/node/sqlite-edge-store.js';
import { buildEdgeApp } from '../src/http/edge-node/edge-app.js';
import { createTokenVerifier } from '../src/tenancy/index.js';
import { pruneDocs } from '../src/edge/edge-docs.store.js';

const ORG = 'ACME@AdobeOrg';

/** A TCP proxy to `target` that can be cut (every connection dropped, new ones refused) and restored. */
async function proxy(target: URL): Promise<{ url: string; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = connect(Number(target.port), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => undefined);
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as { port: number }).port;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server!.close(() => resolve());
    });
  await listen();
  return { url: `http://127.0.0.1:${port}`, cut: stop, restore: listen, close: stop };
}

for (const kind of STORE_KINDS) {
  describe(`an edge whose hub is unreachable (hub on ${kind})`, () => {
    let now = Date.now();
    const clock = () => now;
    let t: TestApp;
    let f: IngestFixture;
    let link: Awaited<ReturnType<typeof proxy>>;
    let sync: EdgeSync;
    let store: SqliteEdgeStore;
    let app: FastifyInstance;
    let url: string;

    before(async () => {
      t = await startTestApp(kind, {}, undefined, clock);
      f = await ingestFixture(t, ORG);
      await createDefaultPolicy(t, f);
      link = await proxy(new URL(await serveHub(t)));
      await createProjection(t, f, { dataCenters: ['OR1'], replicationPolicy: 'PROACTIVE', selector: 'person.name.firstName' });
      await streamRecord(t, f, ORG, f.profileDataset, PROFILE_SCHEMA_ID, personRecord(1));
      const dir = mkdtempSync(join(tmpdir(), 'rtp-edge-outage-'));
      store = SqliteEdgeStore.open(join(dir, 'edge.db'));
      sync = new EdgeSync({ hubUrl: link.url, dataCenter: 'OR1', secret: TEST_SECRET, store, stateFile: join(dir, 'state.json'), clock, logger: pino({ level: 'silent' }), housekeepingMs: 3_600_000 });
      await sync.start();
      app = await buildEdgeApp({ store, sync, verify: createTokenVerifier({ secret: TEST_SECRET, clock }), dataCenter: 'OR1', clock });
      url = await app.listen({ port: 0, host: '127.0.0.1' });
      await eventually('the edge holds crm-1', async () => (await edgeLookup(url, f, 'CRMID', 'crm-1')).status === 200, 15_000);
    });
    after(async () => {
      await app?.close();
      await sync?.stop();
      await store?.close();
      await link?.close();
      await t?.close();
    });

    it('refuses a repeated query parameter with a 400 naming it, as the hub refuses bad queries', async () => {
      const res = await edgeLookup(url, f, 'CRMID', 'crm-1', '&entityIdNS=email');
      assert.equal(res.status, 400);
      assert.match(JSON.stringify(res.body), /entityIdNS is given more than once/);
    });

    it('keeps answering from what it holds, with an Age that grows, and resumes when the hub is back', async () => {
      await eventually('the edge is current', async () => Number((await edgeLookup(url, f, 'CRMID', 'crm-1')).headers.get('age')) === 0, 15_000);
      await link.cut();
      await streamRecord(t, f, ORG, f.profileDataset, PROFILE_SCHEMA_ID, personRecord(1, { person: { name: { firstName: 'Changed', lastName: 'Last1' } } }));
      await streamRecord(t, f, ORG, f.profileDataset, PROFILE_SCHEMA_ID, personRecord(2));
      now += 90_000;
      const held = await edgeLookup(url, f, 'CRMID', 'crm-1');
      assert.equal(held.status, 200, 'the hub is down, the edge answers');
      assert.equal((Object.values(held.body)[0] as any).entity.person.name.firstName, 'First1', 'from the copy it holds');
      assert.ok(Number(held.headers.get('age')) >= 90, `Age says the copy is at least 90 s old: ${held.headers.get('age')}`);
      const unknown = await edgeLookup(url, f, 'CRMID', 'crm-2');
      assert.equal(unknown.status, 404, 'someone it never held cannot be fetched while the hub is down');
      await link.restore();
      await eventually('the edge reconnected and applied what it missed', async () => {
        const one = await edgeLookup(url, f, 'CRMID', 'crm-1');
        const two = await edgeLookup(url, f, 'CRMID', 'crm-2');
        return one.status === 200 && (Object.values(one.body)[0] as any).entity.person.name.firstName === 'Changed' && two.status === 200 && Number(two.headers.get('age')) === 0;
      }, 15_000);
      assert.match((await edgeLookup(url, f, 'CRMID', 'crm-2')).headers.get('x-rtprofile-edge')!, /; hit;/, 'crm-2 arrived through the stream');
    });

    it('starts again from an empty store when it fell behind the tombstone horizon', async () => {
      await link.cut();
      // crm-2 leaves the store (a delete of the person) while the edge is away, and the hub prunes the tombstone.
      const del = await t.app.inject({ method: 'DELETE', url: '/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=crm-2&entityIdNS=CRMID', headers: without(f.headers) });
      assert.ok(del.statusCode < 300, del.body);
      await eventually('the hub wrote the tombstone', async () => Number((await t.store.db.get<{ n: number }>('SELECT count(*) AS n FROM edge_docs WHERE doc IS NULL'))?.n) === 1, 15_000);
      await t.store.db.transaction((tx) => pruneDocs(tx, clock() + 1, 0, clock()));
      await link.restore();
      await eventually('the edge was rebuilt without crm-2', async () => (await edgeLookup(url, f, 'CRMID', 'crm-2')).status === 404 && (await edgeLookup(url, f, 'CRMID', 'crm-1')).status === 200, 15_000);
      assert.equal(await store.count(f.tenantId, (await t.store.db.get<{ id: string }>('SELECT id FROM edge_projections'))!.id), 1);
    });
  });
}

function without(headers: Record<string, string>): Record<string, string> {
  const { 'content-type': _, ...rest } = headers;
  return rest;
}
