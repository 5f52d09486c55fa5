/**
 * The case table of hand-computed memberships, through HTTP on both stores: every definition exists twice, streaming
 * (kept current from the change feed) and batch (evaluated by a segment job), and after every step both must give
 * the table's answer: a profile attribute, a count of events in a 24-hour window, a sequence, inSegment, a computed
 * attribute, an identity merge that makes a person qualify, a dataset delete that makes one exit, late events, and a
 * window that lets an event go as time passes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { STORE_KINDS, type TestApp, startTestApp } from './support/app.js';
import { EVENT_SCHEMA_ID, type IngestFixture, PROFILE_SCHEMA_ID, createDefaultPolicy, createProfileDataset, ingestFixture, personRecord, streamRecord } from './support/fixtures.js';
import { createCa } from './support/ca.js';
import { JOBS, createSegment, createSegmentJob, membershipOf } from './support/segments.js';
import { settle as settleAll } from './support/wait.js';

const ORG = 'ACME@AdobeOrg';
const H = 3_600_000;
/** Wednesday 10 June 2026, noon UTC: "now" at the start of the table. */
const T0 = Date.UTC(2026, 5, 10, 12);
const iso = (ms: number) => new Date(ms).toISOString();
/** An anonymous visitor's device id (ECIDs are 38 digits). */
const ECID = '0'.repeat(37) + '7';
const PURCHASE = 'commerce.purchases';
const VIEW = 'web.webpagedetails.pageViews';

/** The definitions of the table, by short name. `inSegment` names the `gold` of its own kind (streaming or batch). */
const DEFINITIONS: Record<string, string> = {
  gold: '_acme.tier = "gold"',
  buyer24: `xEvent[eventType = "${PURCHASE}" and timestamp occurs < 24 hours before now].count() >= 2`,
  browseThenBuy: `CHAIN(xEvent, timestamp, [A: WHAT(eventType = "${VIEW}") WHEN(< 24 hours before now), B: WHAT(eventType = "${PURCHASE}") WHEN(< 24 hours before now)])`,
  goldLast1: 'inSegment("{gold}") and person.name.lastName = "Last1"',
  bigSpender: '_acme.SystemComputedAttributes.spend.value > 100',
  // Not monotone: a purchase leaving the window can make someone qualify with no write at all.
  browsedNotBought: `xEvent[eventType = "${VIEW}" and timestamp occurs < 24 hours before now].count() > 0 and xEvent[eventType = "${PURCHASE}" and timestamp occurs < 24 hours before now].count() = 0`,
};

/** A person's expected memberships: definition short name → status (absent: never qualified). */
type Expected = Record<string, Record<string, 'realized' | 'exited'>>;

function ev(id: string, at: number, type: string, o: { crm?: string; ecid?: string; price?: number } = {}): Record<string, unknown> {
  return {
    _id: id,
    timestamp: iso(at),
    eventType: type,
    identityMap: o.ecid ? { ECID: [{ id: o.ecid, primary: true }] } : { CRMID: [{ id: o.crm!, primary: true }] },
    ...(o.price === undefined ? {} : { commerce: { order: { priceTotal: o.price } } }),
  };
}

/** A person of tier silver (personRecord's default is gold). */
const silver = (n: number, extra: Record<string, unknown> = {}) => personRecord(n, { _acme: { loyaltyId: `L${n}`, tier: 'silver', points: n }, ...extra });

for (const kind of STORE_KINDS) {
  describe(`segment membership, streaming and batch (${kind})`, () => {
    let now = T0;
    let t: TestApp;
    let f: IngestFixture;
    let headers: Record<string, string>;
    let loyalty: string;
    const streaming: Record<string, string> = {};
    const batch: Record<string, string> = {};

    before(async () => {
      t = await startTestApp(kind, {}, undefined, () => now);
      f = await ingestFixture(t, ORG);
      headers = f.headers;
      await createDefaultPolicy(t, f);
      loyalty = await createProfileDataset(t, f, 'Loyalty');
      await createCa(t, f, 'spend', `xEvent[eventType = "${PURCHASE}"].sum(commerce.order.priceTotal)`, { count: 7, unit: 'DAYS' });
      for (const [name, pql] of Object.entries(DEFINITIONS)) {
        streaming[name] = await createSegment(t, headers, `streaming ${name}`, pql.replace('{gold}', streaming.gold ?? ''), true);
        batch[name] = await createSegment(t, headers, `batch ${name}`, pql.replace('{gold}', batch.gold ?? ''), false);
      }
      await settle();
    });
    after(() => t.close());

    const send = (entity: Record<string, unknown>, dataset = f.eventDataset) => streamRecord(t, { ...f, headers }, ORG, dataset, dataset === f.eventDataset ? EVENT_SCHEMA_ID : PROFILE_SCHEMA_ID, entity);
    const settle = () => settleAll(t, ['computed-attributes', 'segments'], now);
    const advance = async (to: number) => {
      now = to;
      headers = { ...(await t.headers(ORG, 'prod')), 'content-type': 'application/json' };
      await settle();
    };

    /** Checks the table: streaming membership now, then batch membership after a segment job, both equal to `want`. */
    const check = async (want: Expected) => {
      const people = Object.keys(want);
      const read = async (ids: Record<string, string>) => {
        const out: Expected = {};
        for (const person of people) {
          const [ns, id] = person.split(':') as [string, string];
          const held = await membershipOf(t, headers, ns, id);
          out[person] = Object.fromEntries(Object.entries(ids).filter(([, sid]) => held[sid] !== undefined).map(([name, sid]) => [name, held[sid] as 'realized' | 'exited']));
        }
        return out;
      };
      assert.deepEqual(await read(streaming), want, 'streaming');
      const job = await createSegmentJob(t, headers, Object.values(batch));
      await settle();
      const done = await t.app.inject({ url: `${JOBS}/${job}`, headers });
      assert.equal(done.json().status, 'SUCCEEDED', done.body);
      assert.deepEqual(await read(batch), want, 'batch');
    };

    it('qualifies on attributes, event counts in a window, a sequence, inSegment and a computed attribute', async () => {
      await send(personRecord(1), f.profileDataset); // gold, Last1
      for (const n of [2, 3, 4, 5, 6]) await send(silver(n), f.profileDataset);
      await send(ev('p1', T0 - 3 * H, PURCHASE, { crm: 'crm-1', price: 80 }));
      await send(ev('p2', T0 - 2 * H, PURCHASE, { crm: 'crm-1', price: 50 })); // two purchases today, 130 spent
      await send(ev('v4', T0 - 2 * H, VIEW, { crm: 'crm-4' }));
      await send(ev('p4', T0 - H, PURCHASE, { crm: 'crm-4', price: 10 })); // viewed, then bought
      await send(ev('p5', T0 - 2 * H, PURCHASE, { crm: 'crm-5', price: 10 }));
      await send(ev('v5', T0 - H, VIEW, { crm: 'crm-5' })); // bought, then viewed: not the sequence
      await send(ev('p6a', T0 - 30 * H, PURCHASE, { crm: 'crm-6', price: 1 })); // late, and outside the day
      await send(ev('p6b', T0 - 23 * H, PURCHASE, { crm: 'crm-6', price: 1 })); // late, inside the day
      await settle();
      await check({
        'CRMID:crm-1': { gold: 'realized', buyer24: 'realized', goldLast1: 'realized', bigSpender: 'realized' },
        'CRMID:crm-2': {},
        'CRMID:crm-3': {},
        'CRMID:crm-4': { browseThenBuy: 'realized' },
        'CRMID:crm-5': {},
        'CRMID:crm-6': {},
      });
    });

    it('qualifies a person when an identity merge joins their purchases', async () => {
      await send(ev('q2', T0 - 5 * H, PURCHASE, { crm: 'crm-2', price: 5 }));
      await send(ev('e1', T0 - H, PURCHASE, { ecid: ECID, price: 5 }));
      await settle();
      await check({ 'CRMID:crm-2': {}, [`ECID:${ECID}`]: {} });
      // Logging in links the device to crm-2: one person with two purchases today.
      await send(silver(2, { identityMap: { CRMID: [{ id: 'crm-2', primary: true }], ECID: [{ id: ECID }] } }), f.profileDataset);
      await settle();
      await check({ 'CRMID:crm-2': { buyer24: 'realized' }, [`ECID:${ECID}`]: { buyer24: 'realized' } });
    });

    it('exits a person when the dataset that qualified them is deleted', async () => {
      // A minute on, so the loyalty record is the newer fragment (timestampOrdered), on any store.
      now = T0 + 60_000;
      await send(personRecord(3, { _acme: { loyaltyId: 'L3', tier: 'gold', points: 3 } }), loyalty);
      await settle();
      await check({ 'CRMID:crm-3': { gold: 'realized' } });
      assert.equal((await t.app.inject({ method: 'DELETE', url: `/data/foundation/catalog/dataSets/${loyalty}`, headers })).statusCode, 200);
      await settle();
      await check({ 'CRMID:crm-3': { gold: 'exited' } });
    });

    it('counts a late event inside the window, and lets it go when the window passes it', async () => {
      await send(ev('p6c', T0 - H, PURCHASE, { crm: 'crm-6', price: 1 })); // with p6b (T0 − 23 h): two today
      // crm-7 viewed an hour ago and bought 23 hours ago: not "browsed, not bought" yet.
      await send(silver(7), f.profileDataset);
      await send(ev('p7', T0 - 23 * H, PURCHASE, { crm: 'crm-7', price: 1 }));
      await send(ev('v7', T0 - H, VIEW, { crm: 'crm-7' }));
      await settle();
      await check({
        'CRMID:crm-6': { buyer24: 'realized' },
        'CRMID:crm-7': {},
        'CRMID:crm-1': { gold: 'realized', buyer24: 'realized', goldLast1: 'realized', bigSpender: 'realized' },
      });
      // Two hours on, p6b is 25 hours old: crm-6 exits (the refresh job), crm-1's purchases (T0 − 3 h, T0 − 2 h) still
      // count; crm-7's purchase has left the day while the view has not, so crm-7 enters without any new write.
      await advance(T0 + 2 * H);
      await check({
        'CRMID:crm-6': { buyer24: 'exited' },
        'CRMID:crm-7': { browsedNotBought: 'realized' },
        'CRMID:crm-1': { gold: 'realized', buyer24: 'realized', goldLast1: 'realized', bigSpender: 'realized' },
      });
    });
  });
}
