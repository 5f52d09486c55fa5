/**
 * Two apps on one PostgreSQL database: a definition made in one makes the other's writes name their events (a catalog
 * notice), and writes made before that is heard still count (the consumer evaluates those people whole).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { type TestApp, postgresPeers } from './support/app.js';
import { EVENT_SCHEMA_ID, type IngestFixture, envelope, ingestFixture } from './support/fixtures.js';
import { caValues, createCa } from './support/ca.js';
import { eventually } from './support/wait.js';

const ORG = 'ACME@AdobeOrg';

describe('computed attributes across processes (postgres)', () => {
  const peers = postgresPeers();
  let a: TestApp;
  let b: TestApp;
  let f: IngestFixture;
  before(async () => {
    ({ a, b } = peers);
    f = await ingestFixture(a, ORG);
  });

  let n = 0;
  /** Streams a page view of `ecid` through B. */
  const view = async (ecid: string) => {
    const entity = { _id: `pv-${n++}`, timestamp: new Date(Date.now() - 60_000).toISOString(), eventType: 'web.webpagedetails.pageViews', identityMap: { ECID: [{ id: ecid, primary: true }] } };
    const res = await b.app.inject({ method: 'POST', url: `/collection/${f.inletId}`, headers: f.headers, payload: envelope(f.eventDataset, EVENT_SCHEMA_ID, entity, ORG) });
    assert.equal(res.statusCode, 200, res.body);
  };
  const settle = async () => {
    await a.app.services.jobs.drain();
    await a.app.services.feed.drain();
  };
  const lastEventsEntry = async () => (await a.store.db.get<{ body: string }>("SELECT body FROM changes WHERE kind = 'events' ORDER BY seq DESC LIMIT 1"))?.body ?? '';

  it('counts every event, named or not, and B names its events once it hears of the definition', async () => {
    const ecid = '12345678901234567890123456789012345678';
    await view(ecid);
    // No definition yet: B's entries do not name their events.
    assert.doesNotMatch(await lastEventsEntry(), /eventIds/);
    await createCa(a, f, 'views', 'xEvent.count()', { count: 7, unit: 'DAYS' });
    // Maybe before B heard of it: counted either way.
    await view(ecid);
    await eventually('both views counted', async () => (await settle(), (await caValues(a, f.headers, 'ECID', ecid)).views === 2), 10_000);
    await eventually('B names the events it stores', async () => (await view(ecid), /eventIds/.test(await lastEventsEntry())), 10_000);
    await eventually('every view counted', async () => (await settle(), (await caValues(a, f.headers, 'ECID', ecid)).views === n), 10_000);
  });
});
