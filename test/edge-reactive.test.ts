/**
 * REACTIVE replication and idle eviction, on both hub stores with SQLite and Redis edges: nothing is shipped until an
 * edge asks, a first miss is fetched from the hub and then kept current while it is read, and a profile idle past its
 * destination's TTL leaves the edge (the hub stops keeping it current). Edges run in this process on a test clock
 * shared with the hub (the TTL's minimum is ten minutes), over real HTTP and real stores.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { STORE_KINDS, TEST_SECRET, type TestApp, startTestApp } from './support/app.js';
import { type IngestFixture, PROFILE_SCHEMA_ID, createDefaultPolicy, ingestFixture, personRecord, streamRecord } from './support/fixtures.js';
import { createProjection, edgeLookup, serveHub } from './support/edge.js';
import { type RunningRedis, redisSkip, startRedis } from './support/redis.js';
import { eventually } from './support/wait.js';
import { EdgeSync } from '../src/edge/node/edge-sync.js';
import { buildEdgeApp } from '../src/http/edge-node/edge-app.js';
import { openEdgeStore } from '../src/edge/node/open-edge-store.js';
import type { EdgeStore } from '../src/edge/node/edge-store.js';
import { createTokenVerifier } from '../src/tenancy/index.js';

const ORG = 'ACME@AdobeOrg';
const TTL = 600;

interface Edge {
  readonly name: string;
  readonly store: EdgeStore;
  readonly sync: EdgeSync;
  readonly app: FastifyInstance;
  readonly url: string;
}

for (const kind of STORE_KINDS) {
  describe(`REACTIVE edges and idle eviction (hub on ${kind})`, { skip: redisSkip }, () => {
    let now = Date.now();
    const clock = () => now;
    let t: TestApp;
    let f: IngestFixture;
    let hub: string;
    let redis: RunningRedis;
    let projectionId: string;
    const edges: Edge[] = [];

    before(async () => {
      t = await startTestApp(kind, {}, undefined, clock);
      f = await ingestFixture(t, ORG);
      await createDefaultPolicy(t, f);
      hub = await serveHub(t);
      redis = await startRedis();
      ({ projectionId } = await createProjection(t, f, { dataCenters: ['NLD1'], replicationPolicy: 'REACTIVE', ttl: TTL, selector: 'person.name' }));
      const dir = mkdtempSync(join(tmpdir(), 'rtp-edge-reactive-'));
      for (const [name, redisUrl] of [['SQLite', undefined], ['Redis', redis.url]] as const) {
        const store = await openEdgeStore({ ...(redisUrl ? { redisUrl } : {}), sqlitePath: join(dir, 'edge.db'), redisPrefix: `nld1-${kind}:` });
        const sync = new EdgeSync({ hubUrl: hub, dataCenter: 'NLD1', secret: TEST_SECRET, store, stateFile: join(dir, `${name}.state.json`), clock, logger: pino({ level: 'silent' }), housekeepingMs: 3_600_000 });
        const caught = sync.whenCaughtUp();
        await sync.start();
        await caught;
        const app = await buildEdgeApp({ store, sync, verify: createTokenVerifier({ secret: TEST_SECRET, clock }), dataCenter: 'NLD1', clock });
        edges.push({ name, store, sync, app, url: await app.listen({ port: 0, host: '127.0.0.1' }) });
      }
    });
    after(async () => {
      for (const e of edges) {
        await e.app.close();
        await e.sync.stop();
        await e.store.close();
      }
      await t?.close();
      await redis?.stop();
    });

    async function hubRows(): Promise<Array<{ person_key: string; seq: number; read_until: number | null; doc: string | null }>> {
      return t.store.db.all('SELECT person_key, seq, read_until, doc FROM edge_docs WHERE projection_id = ? AND doc IS NOT NULL ORDER BY person_key', [projectionId]);
    }

    async function projectorDone(): Promise<void> {
      await eventually('the projector has read the feed', async () => {
        const unread = await t.store.db.get<{ n: number }>(
          "SELECT count(*) AS n FROM changes c, change_offsets o WHERE o.consumer = 'edge-projector' AND (c.xid > o.xid OR (c.xid = o.xid AND c.seq > o.seq))",
        );
        const jobs = await t.store.db.get<{ n: number }>("SELECT count(*) AS n FROM jobs WHERE kind = 'edge-reproject' AND status IN ('queued', 'running')");
        return Number(unread?.n) === 0 && Number(jobs?.n) === 0 && (await t.store.db.get("SELECT 1 AS x FROM change_offsets WHERE consumer = 'edge-projector'"));
      }, 15_000);
    }

    it('ships nothing until an edge asks, fetches on the first miss, then keeps the copy current while it is read', async () => {
      // Each edge reads a person of its own: what one edge fetched, the hub ships to every edge of the data center.
      const mine = (i: number) => 1 + i * 10;
      for (const [i] of edges.entries()) await streamRecord(t, f, ORG, f.profileDataset, PROFILE_SCHEMA_ID, personRecord(mine(i)));
      await projectorDone();
      assert.deepEqual(await hubRows(), [], 'a REACTIVE projection ships no one nobody asked for');
      for (const [i, e] of edges.entries()) {
        const first = await edgeLookup(e.url, f, 'CRMID', `crm-${mine(i)}`);
        assert.equal(first.status, 200, `${e.name}: ${JSON.stringify(first.body)}`);
        assert.match(first.headers.get('x-rtprofile-edge')!, /^NLD1; fetch;/, `${e.name}: the first read is a miss, fetched from the hub`);
        assert.deepEqual((Object.values(first.body)[0] as any).entity, { person: { name: { firstName: `First${mine(i)}`, lastName: `Last${mine(i)}` } } });
        const second = await edgeLookup(e.url, f, 'CRMID', `crm-${mine(i)}`);
        assert.match(second.headers.get('x-rtprofile-edge')!, /^NLD1; hit;/, `${e.name}: then it is held`);
      }
      assert.equal((await hubRows()).length, edges.length, 'the hub now keeps those people current, and only them');
      await streamRecord(t, f, ORG, f.profileDataset, PROFILE_SCHEMA_ID, personRecord(1, { person: { name: { firstName: 'Renamed', lastName: 'Last1' } } }));
      for (const e of edges) {
        await eventually(`${e.name} shows the change`, async () => {
          const got = await edgeLookup(e.url, f, 'CRMID', 'crm-1');
          return got.status === 200 && (Object.values(got.body)[0] as any).entity.person.name.firstName === 'Renamed' && /; hit;/.test(got.headers.get('x-rtprofile-edge')!);
        }, 15_000);
      }
    });

    it("evicts a profile idle past the destination's TTL, while one being read stays", async () => {
      await streamRecord(t, f, ORG, f.profileDataset, PROFILE_SCHEMA_ID, personRecord(2));
      await projectorDone();
      assert.match((await edgeLookup(edges[0]!.url, f, 'CRMID', 'crm-2')).headers.get('x-rtprofile-edge')!, /; fetch;/);
      // The fetched row reaches the other edges of the data center through the stream.
      for (const e of edges) await eventually(`${e.name} holds crm-2`, async () => /; hit;/.test((await edgeLookup(e.url, f, 'CRMID', 'crm-2')).headers.get('x-rtprofile-edge')!), 15_000);
      now += 300_000;
      for (const e of edges) {
        assert.match((await edgeLookup(e.url, f, 'CRMID', 'crm-1')).headers.get('x-rtprofile-edge')!, /; hit;/, 'crm-1 is read half-way');
        await e.sync.sweep();
      }
      now += (TTL - 300) * 1000 + 60_000;
      for (const e of edges) {
        await e.sync.sweep();
        // crm-1 read half-way stays; crm-2 and the first test's other person, idle since, leave.
        assert.equal(await e.store.count(f.tenantId, projectionId), 1, `${e.name}: only crm-1 stayed`);
        assert.match((await edgeLookup(e.url, f, 'CRMID', 'crm-1')).headers.get('x-rtprofile-edge')!, /; hit;/, `${e.name}: crm-1 is still held`);
      }
      // A minute past the TTL the hub lets crm-2 go too (a tombstone: an edge that kept a copy drops it), and a change
      // of crm-2 ships nothing; crm-1, read since, is still kept current.
      now += 120_000;
      const held = new Set((await hubRows()).map((r) => r.person_key));
      await streamRecord(t, f, ORG, f.profileDataset, PROFILE_SCHEMA_ID, personRecord(2, { person: { name: { firstName: 'Later', lastName: 'Last2' } } }));
      await projectorDone();
      const after = (await hubRows()).map((r) => r.person_key);
      assert.equal(after.length, 1, 'only the person read within the TTL is still held by the hub');
      assert.ok(held.has(after[0]!) && held.size === 3, 'crm-2 and the other idle person left the hub');
      for (const e of edges) {
        await e.sync.sweep();
        assert.equal(await e.store.count(f.tenantId, projectionId), 1, `${e.name}: the change of crm-2 did not bring it back`);
      }
      const again = await edgeLookup(edges[0]!.url, f, 'CRMID', 'crm-2');
      assert.match(again.headers.get('x-rtprofile-edge')!, /; fetch;/, 'an evicted profile is fetched again on its next read');
      // What one edge fetched again, the hub ships to the others of the data center.
      for (const e of edges) {
        await eventually(`${e.name} shows crm-2's change`, async () => {
          const got = await edgeLookup(e.url, f, 'CRMID', 'crm-2');
          return got.status === 200 && (Object.values(got.body)[0] as any).entity.person.name.firstName === 'Later';
        }, 15_000);
      }
    });
  });
}
