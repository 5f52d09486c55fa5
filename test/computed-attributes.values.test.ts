/**
 * The case table of hand-computed values, through HTTP on both stores: every function, window edges, nulls, late,
 * replayed and future events, window expiry, an identity merge that joins two people's events, a dataset delete.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { STORE_KINDS, type TestApp, startTestApp } from './support/app.js';
import { EVENT_SCHEMA_ID, type IngestFixture, PROFILE_SCHEMA_ID, createDefaultPolicy, ingestFixture, personRecord, streamRecord } from './support/fixtures.js';
import { settle as settleAll } from './support/wait.js';
import { caValues, createAlpha, createCa, entityWithCa, seedSummarySchema } from './support/ca.js';

// The org's tenant id (acme) is the fixtures' schema namespace, where the values appear.
const ORG = 'ACME@AdobeOrg';
const H = 3_600_000;
const D = 24 * H;
/** Wednesday 10 June 2026, noon UTC: "now" at the start of the table. */
const T0 = Date.UTC(2026, 5, 10, 12);
const iso = (ms: number) => new Date(ms).toISOString();
/** An anonymous visitor's device id (ECIDs are 38 digits). */
const ECID = '0'.repeat(37) + '2';
/** The values once the future purchase (a8) counts, at T0 + 2 h. */
const AFTER_FUTURE = {
  sum7d: 1055,
  count24h: 4, // a1, a4, a5, a8
  min7d: 5,
  max7d: 1000,
  avg7d: 263.75,
  lastPage: { value: 'future', timestamp: iso(T0 + H) },
  firstPage: { value: 'late', timestamp: iso(T0 - 5 * D) },
  pages3: ['future', 'home'],
  pagesSeen: 4,
  monthCount: 7,
};

/** An event of `crm`: a purchase (with a price) or a page view, with a page name when given. */
function ev(crm: string, id: string, at: number, o: { type?: string; price?: number; page?: string; ns?: string } = {}): Record<string, unknown> {
  return {
    _id: id,
    timestamp: iso(at),
    eventType: o.type ?? 'commerce.purchases',
    identityMap: { [o.ns ?? 'CRMID']: [{ id: crm, primary: true }] },
    ...(o.price === undefined ? {} : { commerce: { order: { priceTotal: o.price } } }),
    ...(o.page === undefined ? {} : { web: { webPageDetails: { name: o.page } } }),
  };
}

for (const kind of STORE_KINDS) {
  describe(`computed attribute values (${kind})`, () => {
    let now = T0;
    let t: TestApp;
    let f: IngestFixture;
    let headers: Record<string, string>;
    let store: string;
    before(async () => {
      t = await startTestApp(kind, {}, undefined, () => now);
      f = await ingestFixture(t, ORG);
      await seedSummarySchema(t, f);
      await createDefaultPolicy(t, f);
      const res = await t.app.inject({
        method: 'POST',
        url: '/data/foundation/catalog/dataSets',
        headers: f.headers,
        payload: { name: 'Store events', schemaRef: { id: EVENT_SCHEMA_ID }, tags: { unifiedProfile: ['enabled:true'], unifiedIdentity: ['enabled:true'] } },
      });
      store = (res.json() as string[])[0]!.replace('@/dataSets/', '');
      headers = f.headers;
    });
    after(() => t.close());

    const send = (entity: Record<string, unknown>, dataset = f.eventDataset) => streamRecord(t, { ...f, headers }, ORG, dataset, dataset === f.profileDataset ? PROFILE_SCHEMA_ID : EVENT_SCHEMA_ID, entity);
    const settle = () => settleAll(t, ['computed-attributes'], now);
    /** Moves the clock; tokens are issued on the test clock, so the headers are renewed. */
    const advance = async (to: number) => {
      now = to;
      headers = { ...(await t.headers(ORG, 'prod')), 'content-type': 'application/json' };
      await settle();
    };
    const values = (crm = 'crm-1', ns = 'CRMID') => caValues(t, headers, ns, crm);

    it('computes every function over the history when the definitions are created (the recompute job)', async () => {
      await send(ev('crm-1', 'a0', Date.UTC(2026, 4, 31, 23), { price: 1, page: 'may' })); // before 1 June: out of every window
      await send(ev('crm-1', 'a1', T0 - H, { price: 20, page: 'home' }));
      await send(ev('crm-1', 'a2', T0 - 2 * D, { price: 30, page: 'cart' }));
      await send(ev('crm-1', 'a3', T0 - 8 * D, { price: 100, page: 'old' })); // out of 7 days, in this month
      await send(ev('crm-1', 'a4', T0 - 3 * H, { type: 'web.webpagedetails.pageViews', page: 'cart' }));
      await send(ev('crm-1', 'a5', T0 - 30 * 60_000)); // a purchase with no price and no page: nulls
      const days7 = { count: 7, unit: 'DAYS' };
      await createCa(t, f, 'sum7d', 'xEvent[eventType = "commerce.purchases"].sum(commerce.order.priceTotal)', days7);
      await createCa(t, f, 'count24h', 'xEvent.count()', { count: 24, unit: 'HOURS' });
      await createCa(t, f, 'min7d', 'xEvent.min(commerce.order.priceTotal)', days7);
      await createCa(t, f, 'max7d', 'xEvent.max(commerce.order.priceTotal)', days7);
      await createCa(t, f, 'avg7d', 'xEvent.average(commerce.order.priceTotal)', days7);
      await createCa(t, f, 'lastPage', 'xEvent.topN(timestamp, 1).head().web.webPageDetails.name', days7);
      await createCa(t, f, 'firstPage', 'xEvent.bottomN(timestamp, 1).head().web.webPageDetails.name', days7);
      await createCa(t, f, 'pages3', 'xEvent.topN(timestamp, 3).web.webPageDetails.name', days7);
      await createCa(t, f, 'pagesSeen', 'xEvent.web.webPageDetails.name.distinct().count()', days7);
      await createCa(t, f, 'monthCount', 'xEvent.count()', { count: 1, unit: 'MONTHS' });
      await createAlpha(t, f, '_acme.purchaseSummary', 'bigSpender', '_acme.SystemComputedAttributes.sum7d.value > 100');
      await settle();
      assert.deepEqual(await values(), {
        sum7d: 50, // 20 + 30; the priceless purchase adds nothing, the 8-day-old one is out
        count24h: 3, // a1, a4, a5
        min7d: 20,
        max7d: 30,
        avg7d: 25,
        // lastPage: the newest event (a5) has no page, so no value
        firstPage: { value: 'cart', timestamp: iso(T0 - 2 * D) },
        pages3: ['home', 'cart'], // a5 (none), a1, a4
        pagesSeen: 2,
        monthCount: 5, // 1 June to now: a1..a5
      });
      assert.equal((await entityWithCa(t, headers, 'CRMID', 'crm-1'))._acme.purchaseSummary.bigSpender, false);
      const list = await t.app.inject({ url: '/data/core/ca/attributes?limit=40', headers });
      assert.deepEqual(new Set(list.json().computedAttributes.map((c: { status: string }) => c.status)), new Set(['PROCESSED']));
    });

    it('folds in a late event inside the window, ignores one outside it and a replayed _id', async () => {
      await send(ev('crm-1', 'a6', T0 - 5 * D, { price: 5, page: 'late' }));
      await send(ev('crm-1', 'a7', T0 - 10 * D, { price: 1, page: 'ancient' }));
      await send(ev('crm-1', 'a1', T0 - H, { price: 999, page: 'replayed' })); // same _id: stored once, counted once
      await settle();
      assert.deepEqual(await values(), {
        sum7d: 55,
        count24h: 3,
        min7d: 5,
        max7d: 30,
        avg7d: 55 / 3,
        firstPage: { value: 'late', timestamp: iso(T0 - 5 * D) },
        pages3: ['home', 'cart'],
        pagesSeen: 3,
        monthCount: 6, // a6 is 5 June; a7 (31 May) is not this month
      });
    });

    it('counts a future event from its time on (the refresh job)', async () => {
      await send(ev('crm-1', 'a8', T0 + H, { price: 1000, page: 'future' }));
      await settle();
      assert.equal((await values()).sum7d, 55);
      await advance(T0 + 2 * H);
      assert.deepEqual(await values(), AFTER_FUTURE);
      assert.equal((await entityWithCa(t, headers, 'CRMID', 'crm-1'))._acme.purchaseSummary.bigSpender, true);
    });

    it('drops an event from the window at the hourly refresh after it is 24 hours old', async () => {
      await advance(T0 + 21 * H - 1); // a4 (T0 − 3 h) is still 1 ms inside the last 24 hours
      assert.equal((await values()).count24h, 4);
      // The refresh that ran just now comes back an hour later, and finds a4 gone by then.
      await advance(T0 + 22 * H);
      assert.equal((await values()).count24h, 3);
    });

    it("joins two people's events when an identity merge makes them one person", async () => {
      // An anonymous visitor buys on a device; logging in links the device to crm-1.
      await send(ev(ECID, 'b1', T0 + 21 * H, { price: 7, page: 'b', ns: 'ECID' }), store);
      await settle();
      assert.deepEqual(await values(ECID, 'ECID'), { sum7d: 7, count24h: 1, min7d: 7, max7d: 7, avg7d: 7, lastPage: { value: 'b', timestamp: iso(T0 + 21 * H) }, firstPage: { value: 'b', timestamp: iso(T0 + 21 * H) }, pages3: ['b'], pagesSeen: 1, monthCount: 1 });
      await send(personRecord(1, { identityMap: { CRMID: [{ id: 'crm-1', primary: true }], ECID: [{ id: ECID }] } }), f.profileDataset);
      await settle();
      const joined = {
        sum7d: 1062,
        count24h: 4,
        min7d: 5,
        max7d: 1000,
        avg7d: 212.4,
        lastPage: { value: 'b', timestamp: iso(T0 + 21 * H) },
        firstPage: { value: 'late', timestamp: iso(T0 - 5 * D) },
        pages3: ['b', 'future'],
        pagesSeen: 5,
        monthCount: 8,
      };
      assert.deepEqual(await values('crm-1'), joined);
      assert.deepEqual(await values(ECID, 'ECID'), joined);
      // Many lookups at once (POST), with `withCA` in the body, give the same person the same values.
      const many = await t.app.inject({
        method: 'POST',
        url: '/data/core/ups/access/entities',
        headers,
        payload: { schema: { name: '_xdm.context.profile' }, identities: [{ entityId: 'crm-1', entityIdNS: { code: 'CRMID' } }, { entityId: ECID, entityIdNS: { code: 'ECID' } }], withCA: true },
      });
      assert.equal(many.statusCode, 200, many.body);
      const entries = Object.values(many.json() as Record<string, { entity: Record<string, any> }>);
      assert.equal(entries.length, 2);
      for (const e of entries) assert.equal(e.entity._acme.SystemComputedAttributes.sum7d.value, 1062);
      // Without withCA the profile is as merged, with no computed field.
      const plain = await t.app.inject({ url: '/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=crm-1&entityIdNS=CRMID', headers });
      assert.equal(Object.values(plain.json() as Record<string, { entity: Record<string, any> }>)[0]!.entity._acme?.SystemComputedAttributes, undefined);
    });

    it('recomputes everyone a dataset delete touched', async () => {
      assert.equal((await t.app.inject({ method: 'DELETE', url: `/data/foundation/catalog/dataSets/${store}`, headers })).statusCode, 200);
      await settle();
      // b1 is gone; a4 is still out of the last 24 hours.
      assert.deepEqual(await values(ECID, 'ECID'), { ...AFTER_FUTURE, count24h: 3 });
    });
  });
}
