/** Every write path records what it changed in the change feed, in its own transaction: through HTTP, on both stores. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ChangeFeed } from '../src/changefeed/change-feed.js';
import type { Change } from '../src/changefeed/change.js';
import { STORE_KINDS, type TestApp, startTestApp } from './support/app.js';
import { EVENT_SCHEMA_ID, type IngestFixture, PROFILE_SCHEMA_ID, envelope, eventRecord, ingestFixture, personRecord } from './support/fixtures.js';
import { eventually } from './support/wait.js';

const ORG = 'FEED@AdobeOrg';
const quiet = { error: () => undefined, warn: () => undefined };

for (const kind of STORE_KINDS) {
  describe(`change-feed producers (${kind})`, () => {
    let t: TestApp;
    let f: IngestFixture;
    let feed: ChangeFeed;
    const seen: Change[] = [];
    before(async () => {
      t = await startTestApp(kind);
      f = await ingestFixture(t, ORG);
      feed = new ChangeFeed(t.store.db, Date.now, quiet);
      feed.consume('probe', async (changes) => void seen.push(...changes));
    });
    after(() => t.close());

    /** The entries that arrived since `from`, once the feed has caught up (a PostgreSQL horizon may hold a moment). */
    async function since(from: number, count: number): Promise<Change[]> {
      await eventually(`${count} new entries`, async () => (await feed.drain(), seen.length - from >= count));
      return seen.slice(from);
    }
    const stream = (datasetId: string, schemaId: string, records: Array<Record<string, unknown>>) =>
      t.app.inject({ method: 'POST', url: `/collection/batch/${f.inletId}`, headers: f.headers, payload: { messages: records.map((r) => envelope(datasetId, schemaId, r, ORG)) } });
    const ids = (c: Change) => (c.identities ?? []).map((i) => `${i.ns}:${i.id}`).sort();

    it('names the primary identities of fragments and events a write stored, and the merge that linked them', async () => {
      const from = seen.length;
      const res = await stream(f.profileDataset, PROFILE_SCHEMA_ID, [personRecord(1), personRecord(2)]);
      assert.equal(res.statusCode, 207, res.body);
      // Each record brings a new CRM id and email together: one new person each, which is no merge anyone saw.
      const [fragments, ...rest] = await since(from, 1);
      assert.equal(fragments!.kind, 'fragments');
      assert.equal(fragments!.tenantId, f.tenantId);
      assert.deepEqual(ids(fragments!), ['CRMID:crm-1', 'CRMID:crm-2']);
      assert.deepEqual(rest, []);
      // An event that shows a known person's email with a phone seen before on its own merges two known clusters.
      const phoneFrom = seen.length;
      await stream(f.profileDataset, PROFILE_SCHEMA_ID, [{ identityMap: { Phone: [{ id: '+15550142', primary: true }] } }]);
      await since(phoneFrom, 1);
      const evFrom = seen.length;
      await stream(f.eventDataset, EVENT_SCHEMA_ID, [{ ...eventRecord(1, 'e-1', '2026-11-30T10:00:00Z'), identityMap: { CRMID: [{ id: 'crm-1', primary: true }], Phone: [{ id: '+15550142' }] } }]);
      const linked = await since(evFrom, 2);
      const events = linked.find((c) => c.kind === 'events');
      assert.deepEqual(ids(events!), ['CRMID:crm-1']);
      assert.deepEqual(linked.filter((c) => c.kind === 'merge').map((m) => m.clusters!.length), [2]);
    });

    it('records a refused write as nothing at all', async () => {
      const from = seen.length;
      const res = await stream(f.profileDataset, PROFILE_SCHEMA_ID, [{ ...personRecord(3), person: { name: { firstName: 42 } } }]);
      assert.equal(res.json().responses[0].status, 400);
      await feed.drain();
      assert.equal(seen.length, from);
    });

    it('names a deleted person, a merge policy change, a dataset delete with the splits it caused, and a sandbox reset', async () => {
      let from = seen.length;
      const del = await t.app.inject({ method: 'DELETE', url: `/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=crm-2&entityIdNS=CRMID`, headers: f.headers });
      assert.equal(del.statusCode, 202, del.body);
      const [gone] = await since(from, 1);
      assert.deepEqual([gone!.kind, ids(gone!)], ['entity-delete', ['CRMID:crm-2']]);

      from = seen.length;
      const policy = await t.app.inject({ method: 'POST', url: '/data/core/ups/config/mergePolicies', headers: f.headers, payload: { name: 'P', identityGraph: { type: 'pdg' }, attributeMerge: { type: 'timestampOrdered' }, schema: { name: '_xdm.context.profile' }, default: true } });
      assert.equal(policy.statusCode, 200, policy.body);
      const [changed] = await since(from, 1);
      assert.deepEqual([changed!.kind, changed!.policyId], ['policy', policy.json().id]);

      from = seen.length;
      assert.equal((await t.app.inject({ method: 'DELETE', url: `/data/foundation/catalog/dataSets/${f.profileDataset}`, headers: f.headers })).statusCode, 200);
      await t.app.services.jobs.drain();
      const deleted = await since(from, 2);
      const kinds = deleted.map((c) => c.kind);
      assert.ok(kinds.includes('dataset-delete'), kinds.join());
      assert.equal(deleted.find((c) => c.kind === 'dataset-delete')!.datasetId, f.profileDataset);
      // The dataset alone linked crm-1 to its email: that graph falls apart.
      assert.ok(deleted.some((c) => c.kind === 'split' && c.clusters!.length === 2), JSON.stringify(deleted));

      from = seen.length;
      const reset = await t.app.inject({ method: 'PUT', url: '/data/foundation/sandbox-management/sandboxes/prod', headers: f.headers, payload: { action: 'reset' } });
      assert.ok(reset.statusCode < 300, reset.body);
      const [purged] = await since(from, 1);
      assert.deepEqual([purged!.kind, purged!.tenantId], ['sandbox-reset', f.tenantId]);
    });
  });
}
