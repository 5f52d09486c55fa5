/** Materialized profiles through the real write path: served from a row, rebuilt after a merge, and crash-safe rebuilds. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { STORE_KINDS, type TestApp, startTestApp } from './support/app.js';
import { EVENT_SCHEMA_ID, type IngestFixture, PROFILE_SCHEMA_ID, createDefaultPolicy, envelope, ingestFixture } from './support/fixtures.js';
import { ChangeFeed } from '../src/changefeed/change-feed.js';
import { VIEWS_CONSUMER } from '../src/profile/profile-views.js';
import { eventually } from './support/wait.js';
import { appendChanges } from '../src/changefeed/change.store.js';

const ORG = 'MATVIEW@AdobeOrg';
const E = '/data/core/ups/access/entities?schema.name=_xdm.context.profile';

for (const kind of STORE_KINDS) {
  describe(`materialized profile rows (${kind})`, () => {
    let t: TestApp;
    let f: IngestFixture;
    before(async () => {
      t = await startTestApp(kind);
      f = await ingestFixture(t, ORG);
      await createDefaultPolicy(t, f);
      await t.app.services.feed.drain();
    });
    after(() => t.close());

    const send = async (datasetId: string, schemaId: string, entity: Record<string, unknown>) => {
      const res = await t.app.inject({ method: 'POST', url: `/collection/${f.inletId}`, headers: f.headers, payload: envelope(datasetId, schemaId, entity, ORG) });
      assert.equal(res.statusCode, 200, res.body);
    };
    const source = async (ns: string, id: string) => {
      const { entities, namespaces } = t.app.services;
      const code = (await namespaces.index(f.tenantId)).byCode.get(ns.toLowerCase())!.code;
      return (await entities.lookup(f.tenantId, { ns: code, id }, 'x'))?.kind;
    };
    // On PostgreSQL the feed reads only below the cluster-wide horizon, which another test's transaction may hold a
    // moment: drain until the expected effect shows.
    const settled = (what: string, ns: string, id: string) => eventually(what, async () => (await t.app.services.feed.drain(), (await source(ns, id)) === 'view'), 10_000);
    const rows = async () => (await t.store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM profile_views WHERE tenant_id = ?', [f.tenantId]))!.n;

    it('answers a profile from its row as soon as the write is acknowledged', async () => {
      await send(f.profileDataset, PROFILE_SCHEMA_ID, { identityMap: { CRMID: [{ id: 'mv-1', primary: true }] }, person: { name: { firstName: 'Ana' } } });
      assert.equal(await source('CRMID', 'mv-1'), 'view');
      const res = await t.app.inject({ url: `${E}&entityId=mv-1&entityIdNS=CRMID`, headers: f.headers });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(Object.values(res.json() as Record<string, any>)[0].entity.person.name.firstName, 'Ana');
    });

    it('rewrites only the member list when a device joins, and drops the merge of two people for the consumer', async () => {
      await send(f.eventDataset, EVENT_SCHEMA_ID, { _id: 'mv-e1', timestamp: '2026-01-01T00:00:00Z', eventType: 'web', identityMap: { CRMID: [{ id: 'mv-1', primary: true }], Email: [{ id: 'mv-1@x.com' }] } });
      // The new email had no profile of its own: the merge is unchanged, the row is current with the new member.
      assert.equal(await source('Email', 'mv-1@x.com'), 'view');
      // A second person with a profile of their own (two CRM ids never merge: CRMID is unique), linked by an event.
      await send(f.profileDataset, PROFILE_SCHEMA_ID, { identityMap: { Phone: [{ id: '+15550199', primary: true }] }, person: { name: { lastName: 'Phone' } } });
      await send(f.eventDataset, EVENT_SCHEMA_ID, { _id: 'mv-e3', timestamp: '2026-01-01T00:00:00Z', eventType: 'web', identityMap: { Phone: [{ id: '+15550199', primary: true }], Email: [{ id: 'mv-1@x.com' }] } });
      assert.equal(await source('CRMID', 'mv-1'), 'merged', 'the merged person was answered from a stale row');
      const merged = await t.app.inject({ url: `${E}&entityId=mv-1&entityIdNS=CRMID`, headers: f.headers });
      assert.equal(Object.values(merged.json() as Record<string, any>)[0].entity.person.name.lastName, 'Phone');
      await settled('the merged view rebuilt', 'CRMID', 'mv-1');
      const again = await t.app.inject({ url: `${E}&entityId=mv-1&entityIdNS=CRMID`, headers: f.headers });
      assert.equal(again.body, merged.body);
    });

    it('resumes a rebuild killed mid-way without loss or double effect', async () => {
      await send(f.profileDataset, PROFILE_SCHEMA_ID, { identityMap: { CRMID: [{ id: 'mv-3', primary: true }] }, person: { name: { firstName: 'Kim' } } });
      await send(f.profileDataset, PROFILE_SCHEMA_ID, { identityMap: { Phone: [{ id: '+15550177', primary: true }] }, _acme: { tier: 'gold' } });
      await send(f.eventDataset, EVENT_SCHEMA_ID, { _id: 'mv-e4', timestamp: '2026-01-01T00:00:00Z', eventType: 'web', identityMap: { CRMID: [{ id: 'mv-3', primary: true }], Phone: [{ id: '+15550177' }] } });
      const before = await rows();
      const expected = (await t.app.inject({ url: `${E}&entityId=mv-3&entityIdNS=CRMID`, headers: f.headers })).body;
      // The consumer does its work and then dies before its transaction commits: nothing of it may remain.
      const dying = new ChangeFeed(t.store.db, Date.now, { error: () => undefined, warn: () => undefined });
      dying.consume(VIEWS_CONSUMER, async (changes, tx) => {
        await t.app.services.views.consumer(changes, tx);
        throw new Error('killed');
      });
      await eventually('the dying consumer reached the entries', async () => dying.drain().then(() => false, (err: Error) => /killed/.test(err.message)), 10_000);
      assert.equal(await rows(), before);
      assert.equal(await source('CRMID', 'mv-3'), 'merged');
      // The real consumer picks up from the same offset; running it twice changes nothing more.
      await settled('the merged view rebuilt after the crash', 'CRMID', 'mv-3');
      const after = await rows();
      await t.app.services.feed.drain();
      assert.equal(await rows(), after);
      assert.equal((await t.app.inject({ url: `${E}&entityId=mv-3&entityIdNS=CRMID`, headers: f.headers })).body, expected);
    });

    it('rebuilds every person when another policy becomes the default, and drops the old default rows', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/data/core/ups/config/mergePolicies',
        headers: f.headers,
        payload: JSON.stringify({ name: 'precedence', schema: { name: '_xdm.context.profile' }, identityGraph: { type: 'pdg' }, attributeMerge: { type: 'dataSetPrecedence', order: [f.profileDataset] }, default: true }),
      });
      assert.equal(res.statusCode, 200, res.body);
      const id = res.json().id as string;
      assert.equal(await source('CRMID', 'mv-1'), 'merged');
      for (const who of ['mv-1', 'mv-3']) await settled(`${who} rebuilt under the new default`, 'CRMID', who);
      const policies = await t.store.db.all<{ policy_id: string }>('SELECT DISTINCT policy_id FROM profile_views WHERE tenant_id = ?', [f.tenantId]);
      assert.deepEqual(policies.map((p) => p.policy_id), [id]);
    });

    it('drops every row of the sandbox for a change that touched too many people to name, and rebuilds them all', async () => {
      assert.ok((await rows()) > 0);
      // What a delete of a dataset holding more people than an entry names records (see DatasetService.delete).
      const changes = [{ tenantId: f.tenantId, kind: 'dataset-delete' as const, datasetId: 'huge', everyone: true }];
      await t.store.db.transaction(async (tx) => {
        await t.app.services.views.settle(tx, f.tenantId, changes);
        await appendChanges(tx, changes, Date.now());
      });
      assert.equal(await rows(), 0);
      for (const who of ['mv-1', 'mv-3']) await settled(`${who} rebuilt after a change to everyone`, 'CRMID', who);
    });
  });
}
