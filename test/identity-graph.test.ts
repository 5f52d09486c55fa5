/** The identity graph through HTTP: stitching, guardrails (blocklist, unique namespaces, the 50 limit), deletion splits. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { STORE_KINDS, type TestApp, startTestApp } from './support/app.js';
import { type IngestFixture, PROFILE_SCHEMA_ID, envelope, ingestFixture } from './support/fixtures.js';

const ORG = 'GRAPH@AdobeOrg';
type Ids = Record<string, Array<{ id: string; primary?: boolean }>>;
const ecid = (n: number) => String(n).padStart(38, '7');

for (const kind of STORE_KINDS) {
  describe(`identity graph (${kind})`, () => {
    let t: TestApp;
    let f: IngestFixture;
    before(async () => {
      t = await startTestApp(kind);
      f = await ingestFixture(t, ORG);
    });
    after(() => t.close());

    async function send(identityMap: Ids, dataset = f.profileDataset) {
      const res = await t.app.inject({ method: 'POST', url: `/collection/${f.inletId}`, headers: f.headers, payload: envelope(dataset, PROFILE_SCHEMA_ID, { identityMap }, ORG) });
      return res;
    }
    async function members(ns: string, id: string): Promise<string[]> {
      const res = await t.app.inject({ url: `/data/core/identity/cluster/members?namespace=${ns}&id=${encodeURIComponent(id)}`, headers: f.headers });
      assert.equal(res.statusCode, 200, res.body);
      // Asked by namespace code, the members come back by namespace code, as the spec's example shows.
      return (res.json().clusters[0].members as Array<{ namespace: string; id: string }>).map((m) => `${m.namespace}:${m.id}`).sort();
    }
    const guardrails = async () => (await t.app.inject({ url: '/data/core/identity/guardrails', headers: f.headers })).json();

    it('stitches transitively across records and datasets', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/data/foundation/catalog/dataSets',
        headers: f.headers,
        payload: { name: 'Loyalty', schemaRef: { id: PROFILE_SCHEMA_ID }, tags: { unifiedProfile: ['enabled:true'], unifiedIdentity: ['enabled:true'] } },
      });
      const loyalty = (res.json() as string[])[0]!.replace('@/dataSets/', '');
      assert.equal((await send({ CRMID: [{ id: 'A', primary: true }], Email: [{ id: 'b@x.com' }] })).statusCode, 200);
      assert.equal((await send({ Email: [{ id: 'b@x.com', primary: true }], Phone: [{ id: '+15550001' }] }, loyalty)).statusCode, 200);
      const expected = ['CRMID:A', 'Email:b@x.com', 'Phone:+15550001'];
      assert.deepEqual(await members('CRMID', 'A'), expected);
      assert.deepEqual(await members('phone', '+15550001'), expected);
    });

    it('shows the chain of links that joins two identities, with datasets', async () => {
      const res = await t.app.inject({ url: '/data/core/identity/explain?fromNamespace=CRMID&fromId=A&toNamespace=Phone&toId=%2B15550001', headers: f.headers });
      const body = res.json();
      assert.equal(body.sameGraph, true);
      assert.equal(body.chain.length, 2);
      assert.notEqual(body.chain[0].datasetId, body.chain[1].datasetId);
      const history = await t.app.inject({ url: '/data/core/identity/cluster/history?namespace=Email&id=b@x.com', headers: f.headers });
      assert.equal(history.json().links.length, 2);
    });

    it('answers the v2 graph API with vertices, edges and edge metadata', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/data/core/identity/v2/graph',
        headers: f.headers,
        payload: { composite_xids: [{ ns: 'CRMID', id: 'A' }], projection_type: 'graph', require_edge_meta_data: true },
      });
      const g = res.json().graphs[0];
      assert.equal(g.vertices.length, 3);
      assert.equal(g.edges.length, 2);
      assert.equal(g.edges[0].dataset_ids.length, 1);
      const set = await t.app.inject({ method: 'POST', url: '/data/core/identity/v2/graph', headers: f.headers, payload: { composite_xids: [{ ns: 'Email', id: 'b@x.com' }], projection_type: 'set' } });
      assert.equal(set.json().graphs[0].members.length, 3);
      const xid = (await t.app.inject({ url: '/data/core/identity/identity?namespace=CRMID&id=A', headers: f.headers })).json().xid;
      const byXid = await t.app.inject({ url: `/data/core/identity/cluster/members?xid=${xid}`, headers: f.headers });
      assert.equal(byXid.json().clusters[0].xid, xid);
      assert.ok((byXid.json().clusters[0].members as unknown[]).every((m) => typeof m === 'string'), 'asked by XID, answered in XIDs');
      assert.equal(byXid.json().clusters[0].members.length, 3);
      const crmNsid = (await t.app.inject({ url: '/data/core/idnamespace/identities', headers: f.headers })).json().find((n: { code: string }) => n.code === 'CRMID').id as number;
      const byNsid = (await t.app.inject({ url: `/data/core/identity/cluster/members?nsid=${crmNsid}&id=A`, headers: f.headers })).json().clusters[0];
      assert.deepEqual(byNsid.compositeXid, { nsid: crmNsid, id: 'A' });
      assert.ok((byNsid.members as Array<Record<string, unknown>>).every((m) => typeof m.nsid === 'number' && typeof m.id === 'string'), 'asked by nsid, answered by nsid');
      const posted = await t.app.inject({ method: 'POST', url: '/data/core/identity/clusters/members', headers: f.headers, payload: { compositeXidsWithNamespace: [{ namespace: 'CRMID', id: 'A' }] } });
      assert.equal(posted.statusCode, 200, posted.body);
      assert.deepEqual(posted.json().clusters[0].compositeXid, { namespace: 'CRMID', id: 'A' });
      assert.deepEqual((posted.json().clusters[0].members as Array<{ namespace: string; id: string }>).map((m) => `${m.namespace}:${m.id}`).sort(), ['CRMID:A', 'Email:b@x.com', 'Phone:+15550001']);
    });

    it('never links two people through a junk id on the blocklist, and counts it', async () => {
      await send({ CRMID: [{ id: 'P1', primary: true }], Email: [{ id: 'null' }] });
      await send({ CRMID: [{ id: 'P2', primary: true }], Email: [{ id: 'NULL ' }] });
      assert.deepEqual(await members('CRMID', 'P1'), ['CRMID:P1']);
      assert.deepEqual(await members('CRMID', 'P2'), ['CRMID:P2']);
      assert.equal((await guardrails()).counts.blocklisted, 2);
      const junkPrimary = await send({ Email: [{ id: 'test@test.com', primary: true }] });
      assert.equal(junkPrimary.statusCode, 400);
      assert.match(junkPrimary.json().detail, /blocklist/);
    });

    it('refuses a second CRMID for a graph that has one, and reports it', async () => {
      await send({ CRMID: [{ id: 'K1', primary: true }], Email: [{ id: 'shared@x.com' }] });
      assert.equal((await send({ CRMID: [{ id: 'K2', primary: true }], Email: [{ id: 'shared@x.com' }] })).statusCode, 200);
      assert.deepEqual(await members('CRMID', 'K1'), ['CRMID:K1', 'Email:shared@x.com']);
      assert.deepEqual(await members('CRMID', 'K2'), ['CRMID:K2']);
      const g = await guardrails();
      assert.equal(g.counts.unique_namespace_conflict, 1);
      assert.equal(g.recent.find((e: { kind: string }) => e.kind === 'unique_namespace_conflict').other_id, 'K2');
    });

    it('evicts the oldest cookie when the 51st identity joins a graph', async () => {
      // CRMID L + ECID (a cookie, added second) + 48 emails = 50; the 51st evicts the ECID, not the older CRMID.
      await send({ CRMID: [{ id: 'L', primary: true }], ECID: [{ id: ecid(1) }] });
      for (let batch = 0; batch < 3; batch++) {
        const emails = Array.from({ length: 16 }, (_, i) => ({ id: `l${batch * 16 + i}@x.com` }));
        assert.equal((await send({ CRMID: [{ id: 'L', primary: true }], Email: emails })).statusCode, 200);
      }
      assert.equal((await members('CRMID', 'L')).length, 50);
      await send({ CRMID: [{ id: 'L', primary: true }], Email: [{ id: 'fifty-first@x.com' }] });
      const after = await members('CRMID', 'L');
      assert.equal(after.length, 50);
      assert.ok(after.includes('Email:fifty-first@x.com'));
      assert.ok(!after.includes(`ECID:${ecid(1)}`));
      assert.ok(after.includes('CRMID:L'));
      const g = await guardrails();
      assert.equal(g.counts.graph_limit_evicted, 1);
      assert.equal(g.recent.find((e: { kind: string }) => e.kind === 'graph_limit_evicted').ns, 'ECID');
    });

    it('splits a graph that only a deleted dataset joined', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/data/foundation/catalog/dataSets',
        headers: f.headers,
        payload: { name: 'Bridge', schemaRef: { id: PROFILE_SCHEMA_ID }, tags: { unifiedProfile: ['enabled:true'], unifiedIdentity: ['enabled:true'] } },
      });
      const bridge = (res.json() as string[])[0]!.replace('@/dataSets/', '');
      await send({ Email: [{ id: 'left@x.com', primary: true }], CRMID: [{ id: 'S1' }] });
      await send({ Phone: [{ id: '+15559999', primary: true }], ECID: [{ id: ecid(2) }] });
      await send({ Email: [{ id: 'left@x.com', primary: true }], Phone: [{ id: '+15559999' }] }, bridge);
      assert.equal((await members('CRMID', 'S1')).length, 4);
      assert.equal((await t.app.inject({ method: 'DELETE', url: `/data/foundation/catalog/dataSets/${bridge}`, headers: f.headers })).statusCode, 200);
      await t.app.services.jobs.drain();
      assert.deepEqual(await members('CRMID', 'S1'), ['CRMID:S1', 'Email:left@x.com']);
      assert.deepEqual(await members('ECID', ecid(2)), [`ECID:${ecid(2)}`, 'Phone:+15559999']);
    });

    it('refuses unknown namespaces per record, and accepts a custom one once created', async () => {
      const unknown = await send({ LoyaltyNo: [{ id: '123', primary: true }] });
      assert.equal(unknown.statusCode, 400);
      assert.match(unknown.json().detail, /namespace 'LoyaltyNo' does not exist/);
      const created = await t.app.inject({ method: 'POST', url: '/data/core/idnamespace/identities', headers: f.headers, payload: { name: 'Loyalty number', code: 'LoyaltyNo', idType: 'Cross_device' } });
      assert.equal(created.statusCode, 200, created.body);
      assert.equal(created.json().idType, 'CROSS_DEVICE');
      assert.equal(created.json().custom, true);
      assert.equal((await send({ loyaltyno: [{ id: '123', primary: true }] })).statusCode, 200);
      assert.deepEqual(await members('LoyaltyNo', '123'), ['LoyaltyNo:123']);
    });

    it('manages namespaces as Identity Service does', async () => {
      const list = (await t.app.inject({ url: '/data/core/idnamespace/identities', headers: f.headers })).json();
      assert.deepEqual(list.find((n: { code: string }) => n.code === 'ECID'), { id: 4, code: 'ECID', name: 'ECID', description: 'Experience Cloud ID', idType: 'COOKIE', custom: false, createTime: 1495153678000, updateTime: 1495153678000, status: 'ACTIVE' });
      const conflict = await t.app.inject({ method: 'POST', url: '/data/core/idnamespace/identities', headers: f.headers, payload: { name: 'x', code: 'email', idType: 'EMAIL' } });
      assert.equal(conflict.statusCode, 409);
      assert.equal(conflict.json().title, 'NAMESPACE_CODE_CONFLICT');
      assert.equal(conflict.json().type, 'http://ns.adobe.com/adobecloud/problem/namespacevalidation');
      assert.deepEqual(conflict.json().report, { code: 'INTEGRATION_CODE_EXISTS' });
      const bad = await t.app.inject({ method: 'POST', url: '/data/core/idnamespace/identities', headers: f.headers, payload: { name: 'x', code: 'has space', idType: 'EMAIL' } });
      assert.equal(bad.statusCode, 400);
      const custom = list.find((n: { custom: boolean }) => n.custom) ?? (await t.app.inject({ url: '/data/core/idnamespace/identities', headers: f.headers })).json().find((n: { custom: boolean }) => n.custom);
      const renamed = await t.app.inject({ method: 'PUT', url: `/data/core/idnamespace/identities/${custom.id}`, headers: f.headers, payload: { name: 'Renamed' } });
      assert.equal(renamed.json().name, 'Renamed');
      const recode = await t.app.inject({ method: 'PUT', url: `/data/core/idnamespace/identities/${custom.id}`, headers: f.headers, payload: { code: 'Other' } });
      assert.equal(recode.statusCode, 400);
      assert.equal((await t.app.inject({ method: 'DELETE', url: `/data/core/idnamespace/identities/${custom.id}`, headers: f.headers })).statusCode, 404);
    });
  });
}
