/** Entities through HTTP: one person from four fragments in three datasets, under each merge policy; events paging. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { STORE_KINDS, type TestApp, startTestApp } from './support/app.js';
import { EVENT_SCHEMA_ID, type IngestFixture, PROFILE_SCHEMA_ID, envelope, ingestFixture } from './support/fixtures.js';

const ORG = 'ENT@AdobeOrg';
const E = '/data/core/ups/access/entities';
const ECID = '12345678901234567890123456789012345678';

async function createDataset(t: TestApp, f: IngestFixture, name: string): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/data/foundation/catalog/dataSets',
    headers: f.headers,
    payload: { name, schemaRef: { id: PROFILE_SCHEMA_ID }, tags: { unifiedProfile: ['enabled:true'], unifiedIdentity: ['enabled:true'] } },
  });
  return (res.json() as string[])[0]!.replace('@/dataSets/', '');
}

for (const kind of STORE_KINDS) {
  describe(`entities (${kind})`, () => {
    let t: TestApp;
    let f: IngestFixture;
    let crm: string;
    let loyalty: string;
    let web: string;
    const policies: Record<string, string> = {};
    before(async () => {
      t = await startTestApp(kind, { maxMergePolicies: 20 });
      f = await ingestFixture(t, ORG);
      crm = f.profileDataset;
      loyalty = await createDataset(t, f, 'Loyalty');
      web = await createDataset(t, f, 'Web profiles');
      const send = async (datasetId: string, entity: Record<string, unknown>) => {
        const res = await t.app.inject({ method: 'POST', url: `/collection/${f.inletId}`, headers: f.headers, payload: envelope(datasetId, PROFILE_SCHEMA_ID, entity, ORG) });
        assert.equal(res.statusCode, 200, res.body);
      };
      // Four fragments, three datasets, four namespaces; the loyalty tier carries an older custom timestamp but arrives later.
      await send(crm, {
        identityMap: { CRMID: [{ id: 'c1', primary: true }], Email: [{ id: 'jane@example.com' }] },
        person: { name: { firstName: 'Jane', lastName: 'Doe' } },
        _acme: { tier: 'silver' },
        extSourceSystemAudit: { lastUpdatedDate: '2026-01-01T00:00:00Z' },
      });
      await send(loyalty, {
        identityMap: { Email: [{ id: 'jane@example.com', primary: true }], Phone: [{ id: '+15550100' }] },
        _acme: { tier: 'gold', points: 500 },
        extSourceSystemAudit: { lastUpdatedDate: '2025-06-01T00:00:00Z' },
      });
      await send(loyalty, { identityMap: { Phone: [{ id: '+15550100', primary: true }] }, _acme: { loyaltyId: 'L-1' } });
      await send(web, { identityMap: { ECID: [{ id: ECID, primary: true }], Email: [{ id: 'jane@example.com' }] }, person: { name: { firstName: 'Janie' } } });
      const policy = async (name: string, extra: Record<string, unknown>) => {
        const res = await t.app.inject({
          method: 'POST',
          url: '/data/core/ups/config/mergePolicies',
          headers: f.headers,
          payload: JSON.stringify({ name, schema: { name: '_xdm.context.profile' }, identityGraph: { type: 'pdg' }, attributeMerge: { type: 'timestampOrdered' }, ...extra }),
        });
        assert.equal(res.statusCode, 200, res.body);
        policies[name] = res.json().id;
      };
      await policy('pdg-time', { default: true });
      await policy('none-time', { identityGraph: { type: 'none' } });
      await policy('pdg-precedence', { attributeMerge: { type: 'dataSetPrecedence', order: [loyalty, crm, web] } });
      await policy('pdg-no-web', { attributeMerge: { type: 'dataSetPrecedence', order: [loyalty, crm] } });
    });
    after(() => t.close());

    const get = async (query: string) => {
      const res = await t.app.inject({ url: `${E}?schema.name=_xdm.context.profile&${query}`, headers: f.headers });
      return { status: res.statusCode, body: res.json() };
    };
    const only = (body: Record<string, any>) => Object.values(body)[0];

    it('reads one profile by any of the identities under pdg', async () => {
      const byCrm = only((await get('entityId=c1&entityIdNS=CRMID')).body);
      assert.deepEqual(byCrm.entity.person.name, { firstName: 'Janie', lastName: 'Doe' });
      assert.deepEqual({ ...byCrm.entity._acme }, { tier: 'silver', points: 500, loyaltyId: 'L-1' });
      assert.deepEqual([...byCrm.sources].sort(), [crm, loyalty, web].sort());
      assert.deepEqual(byCrm.entity.identities.map((i: any) => `${i.namespace.code}:${i.id}`).sort(), [`crmid:c1`, `ecid:${ECID}`, 'email:jane@example.com', 'phone:+15550100']);
      assert.equal(byCrm.mergePolicy.id, policies['pdg-time']);
      assert.match(byCrm.lastModifiedAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      for (const q of ['entityId=jane@example.com&entityIdNS=email', 'entityId=%2B15550100&entityIdNS=Phone', `entityId=${ECID}&entityIdNS=ECID`, `entityId=${byCrm.entityId}`]) {
        const other = only((await get(q)).body);
        assert.deepEqual(other.entity.person, byCrm.entity.person, q);
        assert.deepEqual(other.entity._acme, byCrm.entity._acme, q);
      }
      const merged = byCrm.entity.identityMap;
      assert.deepEqual(Object.keys(merged).sort(), ['CRMID', 'ECID', 'Email', 'Phone']);
    });

    it('reads separate fragments under none', async () => {
      const byCrm = only((await get(`entityId=c1&entityIdNS=CRMID&mergePolicyId=${policies['none-time']}`)).body);
      assert.deepEqual(byCrm.sources, [crm]);
      assert.deepEqual(byCrm.entity.person.name, { firstName: 'Jane', lastName: 'Doe' });
      assert.deepEqual(byCrm.entity._acme, { tier: 'silver' });
      assert.deepEqual(byCrm.entity.identities.map((i: any) => i.id), ['c1']);
      const byEcid = only((await get(`entityId=${ECID}&entityIdNS=ECID&mergePolicyId=${policies['none-time']}`)).body);
      assert.deepEqual(byEcid.sources, [web]);
      assert.equal(byEcid.entity._acme, undefined);
    });

    it('gives timestampOrdered and dataSetPrecedence different, documented winners', async () => {
      const time = only((await get(`entityId=c1&entityIdNS=CRMID&mergePolicyId=${policies['pdg-time']}`)).body);
      const precedence = only((await get(`entityId=c1&entityIdNS=CRMID&mergePolicyId=${policies['pdg-precedence']}`)).body);
      // timestampOrdered: the newest fragment wins each field; dataSetPrecedence: the first dataset in order.
      assert.equal(time.entity._acme.tier, 'silver');
      assert.equal(precedence.entity._acme.tier, 'gold');
      assert.equal(time.entity.person.name.firstName, 'Janie');
      assert.equal(precedence.entity.person.name.firstName, 'Jane');
      assert.deepEqual(precedence.sources, [loyalty, crm, web]);
      const noWeb = only((await get(`entityId=c1&entityIdNS=CRMID&mergePolicyId=${policies['pdg-no-web']}`)).body);
      assert.deepEqual(noWeb.sources, [loyalty, crm]);
      assert.equal(noWeb.entity.identityMap.ECID, undefined);
    });

    it('lets a custom timestamp override ingestion order', async () => {
      // The loyalty record arrived after the CRM record, yet its older lastUpdatedDate loses the tier.
      const time = only((await get('entityId=c1&entityIdNS=CRMID')).body);
      assert.equal(time.entity._acme.tier, 'silver');
      // Re-sent with a newer custom timestamp it wins.
      await t.app.inject({
        method: 'POST',
        url: `/collection/${f.inletId}`,
        headers: f.headers,
        payload: envelope(loyalty, PROFILE_SCHEMA_ID, { identityMap: { Email: [{ id: 'jane@example.com', primary: true }] }, _acme: { tier: 'platinum' }, extSourceSystemAudit: { lastUpdatedDate: '2026-06-01T00:00:00Z' } }, ORG),
      });
      const after = only((await get('entityId=c1&entityIdNS=CRMID')).body);
      assert.equal(after.entity._acme.tier, 'platinum', 'read your writes: the acknowledged record is in the next read');
    });

    it('projects fields as the documented examples do', async () => {
      const res = only((await get('entityId=c1&entityIdNS=CRMID&fields=identities,person.name,_acme.tier')).body);
      assert.deepEqual(Object.keys(res.entity).sort(), ['_acme', 'identities', 'person']);
      assert.deepEqual(res.entity._acme, { tier: 'platinum' });
      assert.deepEqual(res.entity.person, { name: { firstName: 'Janie', lastName: 'Doe' } });
      assert.ok(res.entity.identities.every((i: any) => typeof i.id === 'string' && typeof i.namespace.code === 'string'));
      const first = only((await get('entityId=c1&entityIdNS=CRMID&fields=person.name.firstName')).body);
      assert.deepEqual(first.entity, { person: { name: { firstName: 'Janie' } } });
    });

    it('answers 404 for an unknown identity on GET, the empty entry on POST, 400 for an unknown namespace', async () => {
      const missing = await get('entityId=nobody&entityIdNS=CRMID');
      assert.equal(missing.status, 404);
      assert.equal(missing.body.statusCode, '404');
      const post = await t.app.inject({
        method: 'POST',
        url: E,
        headers: f.headers,
        payload: { schema: { name: '_xdm.context.profile' }, fields: ['person.name'], identities: [{ entityId: 'nobody', entityIdNS: { code: 'CRMID' } }, { entityId: 'c1', entityIdNS: { code: 'CRMID' } }] },
      });
      assert.equal(post.statusCode, 200, post.body);
      const entries = Object.values(post.json()) as any[];
      assert.deepEqual(entries[0], { entityId: entries[0].entityId, sources: [''], entity: {}, lastModifiedAt: '1970-01-01T00:00:00Z' });
      assert.deepEqual(entries[1].entity, { person: { name: { firstName: 'Janie', lastName: 'Doe' } } });
      const unknownNs = await get('entityId=x&entityIdNS=Nope');
      assert.equal(unknownNs.status, 400);
      assert.equal(unknownNs.body.code, 'ENTITY_NAMESPACE_UNKNOWN');
    });

    it('pages events exactly once in order, by GET href and by POST payload', async () => {
      const base = Date.parse('2026-10-01T00:00:00Z');
      const messages = [];
      for (let i = 0; i < 230; i++) {
        const who = i % 2 === 0 ? { CRMID: [{ id: 'c1', primary: true }] } : { ECID: [{ id: ECID, primary: true }] };
        // Several events share a timestamp, so the order must break ties without dropping any.
        messages.push(envelope(f.eventDataset, EVENT_SCHEMA_ID, { _id: `ev-${i}`, timestamp: new Date(base + Math.floor(i / 3) * 60_000).toISOString(), eventType: i % 5 === 0 ? 'commerce.purchases' : 'web.webpagedetails.pageViews', identityMap: who }, ORG));
      }
      for (let i = 0; i < messages.length; i += 50) {
        const res = await t.app.inject({ method: 'POST', url: `/collection/batch/${f.inletId}`, headers: f.headers, payload: { messages: messages.slice(i, i + 50) } });
        assert.ok(res.json().responses.every((r: any) => r.status === undefined), res.body);
      }
      const seen: Array<{ id: string; ts: number }> = [];
      let url = `${E}?schema.name=_xdm.context.experienceevent&relatedSchema.name=_xdm.context.profile&relatedEntityId=c1&relatedEntityIdNS=CRMID&limit=100`;
      for (let pages = 0; pages < 10; pages++) {
        const page = (await t.app.inject({ url, headers: f.headers })).json();
        seen.push(...page.children.map((c: any) => ({ id: c.entityId, ts: c.timestamp })));
        if (page._links.next.href === '') {
          assert.equal(page._page.next, '');
          break;
        }
        url = `/data/core/ups/access${page._links.next.href}`;
      }
      assert.equal(seen.length, 230);
      assert.equal(new Set(seen.map((s) => s.id)).size, 230);
      assert.ok(seen.every((s, i) => i === 0 || seen[i - 1]!.ts <= s.ts));

      const window = (await t.app.inject({ url: `${E}?schema.name=_xdm.context.experienceevent&relatedEntityId=c1&relatedEntityIdNS=CRMID&startTime=${base + 60_000}&endTime=${base + 3 * 60_000}&orderby=-timestamp`, headers: f.headers })).json();
      // [start, end) holds minutes 1 and 2; descending, with ties broken by _id descending too.
      assert.deepEqual(window.children.map((c: any) => c.entityId), ['ev-8', 'ev-7', 'ev-6', 'ev-5', 'ev-4', 'ev-3']);
      assert.ok(window.children.every((c: any, i: number, all: any[]) => i === 0 || all[i - 1].timestamp >= c.timestamp));
      const purchases = (await t.app.inject({ url: `${E}?schema.name=_xdm.context.experienceevent&relatedEntityId=c1&relatedEntityIdNS=CRMID&property=eventType=commerce.purchases&fields=eventType`, headers: f.headers })).json();
      assert.equal(purchases.children.length, 46);
      assert.ok(purchases.children.every((c: any) => c.entity.eventType === 'commerce.purchases' && Object.keys(c.entity).length === 1));

      const posted: string[] = [];
      let payload: any = { schema: { name: '_xdm.context.experienceevent' }, relatedSchema: { name: '_xdm.context.profile' }, identities: [{ relatedEntityId: ECID, relatedEntityIdNS: { code: 'ECID' } }], limit: 64 };
      for (let pages = 0; pages < 10 && payload; pages++) {
        const res = (await t.app.inject({ method: 'POST', url: E, headers: f.headers, payload })).json();
        const page = Object.values(res)[0] as any;
        posted.push(...page.children.map((c: any) => c.entityId));
        payload = page._links.next.payload;
      }
      assert.deepEqual(posted, seen.map((s) => s.id));
    });

    it('deletes an entity with 202', async () => {
      const res = await t.app.inject({ method: 'DELETE', url: `${E}?schema.name=_xdm.context.profile&entityId=%2B15550100&entityIdNS=Phone&mergePolicyId=${policies['none-time']}`, headers: f.headers });
      assert.equal(res.statusCode, 202);
      const phone = await get(`entityId=%2B15550100&entityIdNS=Phone&mergePolicyId=${policies['none-time']}`);
      assert.equal(phone.status, 404);
      assert.equal(only((await get('entityId=c1&entityIdNS=CRMID')).body).entity._acme.loyaltyId, undefined);
    });
  });
}

describe('entities: too many related identities', () => {
  it('answers 422 when a graph holds more identities than a lookup merges', async () => {
    const t = await startTestApp('sqlite', { maxProfileIdentities: 3 });
    try {
      const f = await ingestFixture(t, ORG);
      const res = await t.app.inject({
        method: 'POST',
        url: `/collection/${f.inletId}`,
        headers: f.headers,
        payload: envelope(f.profileDataset, PROFILE_SCHEMA_ID, { identityMap: { CRMID: [{ id: 'big', primary: true }], Email: [{ id: 'a@x.com' }, { id: 'b@x.com' }, { id: 'c@x.com' }] } }, ORG),
      });
      assert.equal(res.statusCode, 200);
      await t.app.inject({ method: 'POST', url: '/data/core/ups/config/mergePolicies', headers: f.headers, payload: JSON.stringify({ name: 'd', default: true, schema: { name: '_xdm.context.profile' }, identityGraph: { type: 'pdg' }, attributeMerge: { type: 'timestampOrdered' } }) });
      const lookup = await t.app.inject({ url: `${E}?schema.name=_xdm.context.profile&entityId=big&entityIdNS=CRMID`, headers: f.headers });
      assert.equal(lookup.statusCode, 422);
      assert.match(lookup.json().message, /Too many related identities/);
    } finally {
      await t.close();
    }
  });
});
