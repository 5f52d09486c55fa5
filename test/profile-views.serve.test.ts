/**
 * Materialized profiles across processes, through the real entry points: a write in one process drops a merged
 * person's view, and the change-feed consumer that `rtprofile serve` runs in another process rebuilds it within a second.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type TestApp, startTestApp } from './support/app.js';
import { EVENT_SCHEMA_ID, type IngestFixture, PROFILE_SCHEMA_ID, createDefaultPolicy, envelope, ingestFixture } from './support/fixtures.js';
import { type Served, serve } from './support/cli.js';
import { eventually } from './support/wait.js';

const ORG = 'SERVEVIEWS@AdobeOrg';

describe('materialized profiles rebuilt by a `serve` process (postgres)', () => {
  let t: TestApp;
  let f: IngestFixture;
  let worker: Served;
  const data = mkdtempSync(join(tmpdir(), 'rtprofile-serve-views-'));
  before(async () => {
    t = await startTestApp('postgres');
    f = await ingestFixture(t, ORG);
    await createDefaultPolicy(t, f);
    // The second process: the service as a user starts it, on the same database; its feed runs the consumers.
    worker = await serve(['--data', data, '--database-url', t.store.config.databaseUrl!]);
  });
  after(async () => {
    await worker?.stop();
    await t.close();
    rmSync(data, { recursive: true, force: true });
  });

  const send = async (datasetId: string, schemaId: string, entity: Record<string, unknown>) => {
    const res = await t.app.inject({ method: 'POST', url: `/collection/${f.inletId}`, headers: f.headers, payload: envelope(datasetId, schemaId, entity, ORG) });
    assert.equal(res.statusCode, 200, res.body);
  };
  const source = async (ns: string, id: string) => {
    const code = (await t.app.services.namespaces.index(f.tenantId)).byCode.get(ns.toLowerCase())!.code;
    return (await t.app.services.entities.lookup(f.tenantId, { ns: code, id }, 'x'))?.kind;
  };
  const rebuilt = async () => {
    const text = await (await fetch(`${worker.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('rtprofile_change_feed_lag_seconds_count{consumer="profile-views",effect="effective"}'));
    return line === undefined ? 0 : Number(line.split(' ')[1]);
  };

  it('rebuilds, in the other process and within a second, the view a merge of two known people dropped', async () => {
    await send(f.profileDataset, PROFILE_SCHEMA_ID, { identityMap: { CRMID: [{ id: 'sv-1', primary: true }] }, person: { name: { firstName: 'Ivo' } } });
    await send(f.profileDataset, PROFILE_SCHEMA_ID, { identityMap: { Phone: [{ id: '+15550188', primary: true }] }, _acme: { tier: 'gold' } });
    assert.equal(await source('CRMID', 'sv-1'), 'view', 'a fragment write refreshes the row before it is acknowledged');
    const before = await rebuilt();
    await send(f.eventDataset, EVENT_SCHEMA_ID, { _id: 'sv-e1', timestamp: '2026-01-01T00:00:00Z', eventType: 'web', identityMap: { CRMID: [{ id: 'sv-1', primary: true }], Phone: [{ id: '+15550188' }] } });
    const acknowledged = Date.now();
    // The merge dropped the row: the lookup merges at read time until the other process rebuilds it, which it may
    // already have done by now (a race this assertion lost once in a bare-clone run).
    assert.ok(['merged', 'view'].includes(String(await source('CRMID', 'sv-1'))));
    await eventually('the serve process rebuilt the merged view', async () => (await source('CRMID', 'sv-1')) === 'view', 1_000);
    assert.ok(Date.now() - acknowledged <= 1_000);
    assert.ok((await rebuilt()) > before, 'the rebuild was the serve process');
    const res = await t.app.inject({ url: `/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=%2B15550188&entityIdNS=Phone`, headers: f.headers });
    const entity = (Object.values(res.json() as Record<string, any>)[0]).entity;
    assert.deepEqual([entity.person.name.firstName, entity._acme.tier], ['Ivo', 'gold']);
  });
});
