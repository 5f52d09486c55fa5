/**
 * Edge projections end to end, through HTTP, on both hub stores: a hub served on a real port with its feed and jobs
 * running, and real `rtprofile edge` processes on SQLite, Redis and a three-node Redis Cluster, in two data centers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { STORE_KINDS, type TestApp, startTestApp } from './support/app.js';
import { EVENT_SCHEMA_ID, type IngestFixture, PROFILE_SCHEMA_ID, createDefaultPolicy, eventRecord, ingestFixture, personRecord, streamRecord } from './support/fixtures.js';
import { createCa } from './support/ca.js';
import { PROJECTION_TYPE, type EdgeProcess, createProjection, edgeLookup, serveHub, startEdge } from './support/edge.js';
import { type RunningRedis, redisSkip, startRedis, startRedisCluster } from './support/redis.js';
import { createSegment } from './support/segments.js';
import { eventually } from './support/wait.js';

const ORG = 'ACME@AdobeOrg';
const WITHIN = 15_000;

/** What the PROACTIVE projection's first selector keeps of personRecord(n). */
function projected(n: number, extra: Record<string, unknown> = {}) {
  return { person: { name: { firstName: `First${n}` } }, identityMap: { CRMID: [{ id: `crm-${n}`, primary: true }], Email: [{ id: `person${n}@example.com` }] }, ...extra };
}

for (const kind of STORE_KINDS) {
  describe(`edge projections end to end (hub on ${kind})`, { skip: redisSkip }, () => {
    let t: TestApp;
    let f: IngestFixture;
    let hub: string;
    let redis: RunningRedis;
    let cluster: RunningRedis | undefined;
    let proactive: { destinationId: string; projectionId: string };
    const edges: Array<{ name: string; proc: EdgeProcess; dc: string; redisUrl?: string; prefix?: string }> = [];

    before(async () => {
      t = await startTestApp(kind);
      f = await ingestFixture(t, ORG);
      await createDefaultPolicy(t, f);
      hub = await serveHub(t);
      redis = await startRedis();
      // One cluster per run is enough to prove the layout works on it (it takes a few seconds to form).
      if (kind === 'sqlite') cluster = await startRedisCluster();
      proactive = await createProjection(t, f, { dataCenters: ['OR1', 'VA5'], replicationPolicy: 'PROACTIVE', selector: 'person.name.firstName,identityMap,segmentMembership' });
      edges.push({ name: 'OR1 on SQLite', dc: 'OR1', proc: await startEdge({ hubUrl: hub, dataCenter: 'OR1' }) });
      edges.push({ name: 'VA5 on Redis', dc: 'VA5', redisUrl: redis.url, prefix: 'va5:', proc: await startEdge({ hubUrl: hub, dataCenter: 'VA5', redisUrl: redis.url, redisPrefix: 'va5:' }) });
      if (cluster) edges.push({ name: 'OR1 on Redis Cluster', dc: 'OR1', redisUrl: cluster.url, proc: await startEdge({ hubUrl: hub, dataCenter: 'OR1', redisUrl: cluster.url, redisPrefix: 'or1:' }) });
    });
    after(async () => {
      for (const e of edges) await e.proc.stop('SIGTERM');
      await t?.close();
      await redis?.stop();
      await cluster?.stop();
    });

    /** Waits until every edge has applied everything the hub has shipped so far. */
    async function caughtUp(): Promise<void> {
      await eventually('the projector has read the feed', async () => {
        const offsets = await t.store.db.all<{ consumer: string }>("SELECT consumer FROM change_offsets WHERE consumer = 'edge-projector'");
        const unread = await t.store.db.get<{ n: number }>(
          "SELECT count(*) AS n FROM changes c, change_offsets o WHERE o.consumer = 'edge-projector' AND (c.xid > o.xid OR (c.xid = o.xid AND c.seq > o.seq))",
        );
        const jobs = await t.store.db.get<{ n: number }>("SELECT count(*) AS n FROM jobs WHERE kind = 'edge-reproject' AND status IN ('queued', 'running')");
        return offsets.length === 1 && Number(unread?.n) === 0 && Number(jobs?.n) === 0;
      }, WITHIN);
      const head = Number((await t.store.db.get<{ value: number }>("SELECT value FROM edge_counters WHERE name = 'seq'"))!.value);
      for (const e of edges) {
        await eventually(`${e.name} reached offset ${head}`, async () => {
          const ready = (await (await fetch(`${e.proc.url}/ready`)).json()) as { offset: number };
          return ready.offset >= head;
        }, WITHIN);
      }
    }

    it('answers a person ingested at the hub from every edge with exactly the projected fields, by any identity, without a miss (PROACTIVE)', async () => {
      for (const n of [1, 2, 3]) await streamRecord(t, f, ORG, f.profileDataset, PROFILE_SCHEMA_ID, personRecord(n));
      await caughtUp();
      const hubAnswer = await edgeLookup(hub, f, 'CRMID', 'crm-1');
      for (const e of edges) {
        const got = await edgeLookup(e.proc.url, f, 'CRMID', 'crm-1');
        assert.equal(got.status, 200, `${e.name}: ${JSON.stringify(got.body)}`);
        assert.match(got.headers.get('x-rtprofile-edge')!, new RegExp(`^${e.dc}; hit;`), `${e.name} answered from what it held`);
        assert.ok(Number(got.headers.get('age')) >= 0, `${e.name} says how old its copy is`);
        const [xid] = Object.keys(hubAnswer.body);
        assert.deepEqual(Object.keys(got.body), [xid], 'keyed by the same XID as the hub');
        const entry = got.body[xid!];
        assert.deepEqual(entry.entity, projected(1), e.name);
        assert.equal(entry.entityId, xid);
        assert.deepEqual(entry.mergePolicy, hubAnswer.body[xid!].mergePolicy);
        assert.deepEqual(entry.sources, hubAnswer.body[xid!].sources);
        const byEmail = await edgeLookup(e.proc.url, f, 'Email', 'person2@example.com');
        assert.deepEqual(Object.values(byEmail.body as Record<string, { entity: unknown }>)[0]!.entity, projected(2), `${e.name} by another identity`);
        const byXid = await fetch(`${e.proc.url}/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=${xid}`, { headers: without(f.headers) });
        assert.equal(byXid.status, 200, `${e.name} by XID`);
        assert.equal((await edgeLookup(e.proc.url, f, 'CRMID', 'nobody')).status, 404, `${e.name}: an unknown person is the hub's 404`);
      }
    });

    it('ships segment membership as people qualify', async () => {
      const segmentId = await createSegment(t, f.headers, 'Gold', '_acme.tier = "gold"', true);
      await streamRecord(t, f, ORG, f.profileDataset, PROFILE_SCHEMA_ID, personRecord(4));
      for (const e of edges) {
        await eventually(`${e.name} shows crm-4 and crm-1 in the segment`, async () => {
          const four = await edgeLookup(e.proc.url, f, 'CRMID', 'crm-4');
          const one = await edgeLookup(e.proc.url, f, 'CRMID', 'crm-1');
          const status = (r: typeof four) => (r.status === 200 ? (Object.values(r.body)[0] as any).entity.segmentMembership?.ups?.[segmentId]?.status : undefined);
          // crm-4 qualified on its own write; crm-1 through the segment's first (batch) evaluation.
          return status(four) === 'realized' && status(one) === 'realized';
        }, WITHIN);
      }
    });

    it('ships computed attributes a projection selects, merged with the other projections of the policy', async () => {
      await createCa(t, f, 'purchases', 'xEvent[eventType = "commerce.purchases"].count()', { count: 7, unit: 'DAYS' });
      const ca = await t.app.inject({
        method: 'POST',
        url: '/data/core/ups/config/projections?schemaName=_xdm.context.profile',
        headers: { ...f.headers, 'content-type': PROJECTION_TYPE },
        payload: JSON.stringify({ selector: '_acme.SystemComputedAttributes', destinationId: proactive.destinationId, name: 'computed' }),
      });
      assert.equal(ca.statusCode, 201, ca.body);
      const at = new Date().toISOString();
      for (const id of ['e-1', 'e-2']) await streamRecord(t, f, ORG, f.eventDataset, EVENT_SCHEMA_ID, eventRecord(1, id, at));
      for (const e of edges) {
        await eventually(`${e.name} shows crm-1's purchase count beside its name`, async () => {
          const got = await edgeLookup(e.proc.url, f, 'CRMID', 'crm-1');
          const entity = got.status === 200 ? (Object.values(got.body)[0] as any).entity : undefined;
          return entity?.person?.name?.firstName === 'First1' && entity?._acme?.SystemComputedAttributes?.purchases?.value === 2;
        }, WITHIN).catch(async (err) => {
          console.log('DEBUG', JSON.stringify((await edgeLookup(e.proc.url, f, 'CRMID', 'crm-1')).body));
          console.log('DEBUG docs', JSON.stringify(await t.store.db.all('SELECT projection_id, person_key, seq, doc FROM edge_docs ORDER BY seq DESC LIMIT 4')));
          console.log('DEBUG jobs', JSON.stringify(await t.store.db.all("SELECT kind, status, error FROM jobs ORDER BY job_id DESC LIMIT 5")));
          console.log('DEBUG offsets', JSON.stringify(await t.store.db.all('SELECT * FROM change_offsets')), JSON.stringify(await t.store.db.all('SELECT seq, kind FROM changes ORDER BY seq DESC LIMIT 5')));
          throw err;
        });
      }
      const del = await t.app.inject({ method: 'DELETE', url: `/data/core/ups/config/projections/${ca.json().id}`, headers: without(f.headers) });
      assert.equal(del.statusCode, 204);
      for (const e of edges) {
        await eventually(`${e.name} dropped the deleted projection's fields`, async () => {
          const got = await edgeLookup(e.proc.url, f, 'CRMID', 'crm-1');
          return got.status === 200 && (Object.values(got.body)[0] as any).entity._acme === undefined;
        }, WITHIN);
      }
    });

    it('reshapes every edge copy when the selector changes', async () => {
      const res = await t.app.inject({
        method: 'PUT',
        url: `/data/core/ups/config/projections/${proactive.projectionId}`,
        headers: { ...f.headers, 'content-type': PROJECTION_TYPE },
        payload: JSON.stringify({ selector: 'person.name.lastName', destinationId: proactive.destinationId, currentVersion: 1 }),
      });
      assert.equal(res.statusCode, 200, res.body);
      for (const e of edges) {
        for (const n of [1, 2, 3, 4]) {
          await eventually(`${e.name} reshaped crm-${n}`, async () => {
            const got = await edgeLookup(e.proc.url, f, 'CRMID', `crm-${n}`);
            return got.status === 200 && JSON.stringify((Object.values(got.body)[0] as any).entity) === JSON.stringify({ person: { name: { lastName: `Last${n}` } } });
          }, WITHIN);
        }
      }
    });

    it('resumes an edge killed mid-stream from its offset, with nothing lost', async () => {
      const victim = edges[0]!;
      assert.equal(await victim.proc.stop('SIGKILL'), null);
      for (let n = 10; n < 60; n++) await streamRecord(t, f, ORG, f.profileDataset, PROFILE_SCHEMA_ID, personRecord(n));
      victim.proc = await startEdge({ hubUrl: hub, dataCenter: victim.dc, dataDir: victim.proc.dataDir });
      const from = Number(/from offset (\d+)/.exec(victim.proc.output())?.[1]);
      assert.ok(from > 0, `the restarted edge resumed from its offset, not from the start: ${victim.proc.output()}`);
      await caughtUp();
      for (let n = 1; n < 60; n++) {
        if (n > 4 && n < 10) continue;
        const got = await edgeLookup(victim.proc.url, f, 'CRMID', `crm-${n}`);
        assert.equal(got.status, 200, `crm-${n} after the restart`);
        assert.match(got.headers.get('x-rtprofile-edge')!, /; hit;/, `crm-${n} was shipped, not fetched`);
      }
    });

    it('wipes the edges when the projection and its destination are deleted', async () => {
      const del = (url: string) => t.app.inject({ method: 'DELETE', url, headers: without(f.headers) });
      assert.equal((await del(`/data/core/ups/config/destinations/${proactive.destinationId}`)).statusCode, 409, 'a destination in use is not deleted');
      assert.equal((await del(`/data/core/ups/config/projections/${proactive.projectionId}`)).statusCode, 204);
      assert.equal((await del(`/data/core/ups/config/destinations/${proactive.destinationId}`)).statusCode, 204);
      for (const e of edges) {
        await eventually(`${e.name} no longer answers`, async () => (await edgeLookup(e.proc.url, f, 'CRMID', 'crm-1')).status === 404, WITHIN);
      }
    });
  });
}

function without(headers: Record<string, string>): Record<string, string> {
  const { 'content-type': _, ...rest } = headers;
  return rest;
}
