/** Both computed attribute APIs through HTTP on both stores: Adobe's example requests, shapes, statuses, lifecycle, refusals. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { STORE_KINDS, type TestApp, startTestApp } from './support/app.js';
import { EVENT_SCHEMA_ID, type IngestFixture, PROFILE_SCHEMA_ID, ingestFixture, personRecord, streamRecord } from './support/fixtures.js';
import { ALPHA, CA, createAlpha, createCa, entityWithCa, seedSummarySchema } from './support/ca.js';
import { SHARED, needsShared, sharedPath } from './support/shared-files.js';
import { yamlBlock } from './support/yaml.js';

const ORG = 'ACME@AdobeOrg';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** 15 June 2026: the month the example's birthday falls in. */
const NOW = Date.UTC(2026, 5, 15, 9);

/** The request body a spec's schema documents, built from its properties' `example`s (as a client copies them). */
function exampleOf(schema: any): unknown {
  if (schema.properties) return Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, exampleOf(v)]));
  return schema.example;
}

/** A schema of a spec, read alone (the rest of these specs is outside the test YAML reader's subset). */
const specSchema = (path: string, keys: string[]) => yamlBlock(readFileSync(sharedPath(path), 'utf8'), keys) as any;

for (const kind of STORE_KINDS) {
  describe(`computed attributes API (${kind})`, () => {
    let t: TestApp;
    let f: IngestFixture;
    const settle = async () => {
      for (let i = 0; i < 3; i++) await t.app.services.jobs.drain(), await t.app.services.feed.drain();
    };
    before(async () => {
      t = await startTestApp(kind, {}, undefined, () => NOW);
      f = await ingestFixture(t, ORG);
      await seedSummarySchema(t, f);
    });
    after(() => t.close());
    const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => t.app.inject({ method, url, headers: f.headers, ...(payload === undefined ? {} : { payload: payload as object }) });

    it("creates the current API's spec example as a DRAFT, in the documented shape", needsShared(SHARED.profileYaml), async () => {
      const body = exampleOf(specSchema(SHARED.profileYaml, ['components', 'schemas', 'createComputedAttribute'])) as Record<string, any>;
      assert.equal(body.status, 'DRAFT');
      const res = await call('POST', CA, body);
      assert.equal(res.statusCode, 200, res.body);
      const ca = res.json();
      assert.match(ca.id, UUID);
      assert.deepEqual(
        { type: ca.type, name: ca.name, displayName: ca.displayName, status: ca.status, mergeFunction: ca.mergeFunction, returnSchema: ca.returnSchema, duration: ca.duration, keepCurrent: ca.keepCurrent },
        { type: 'ComputedAttribute', name: body.name, displayName: body.displayName, status: 'DRAFT', mergeFunction: { value: 'SUM' }, returnSchema: { 'meta:xdmType': 'number' }, duration: body.duration, keepCurrent: false },
      );
      assert.deepEqual(ca.expression, { type: 'PQL', format: 'pql/text', value: body.expression.value });
      assert.deepEqual(ca.definedOn, [{ 'meta:resourceType': 'unions', 'meta:containerId': 'tenant', $ref: 'https://ns.adobe.com/xdm/context/profile__union' }]);
      assert.deepEqual([ca.path, ca.positionPath], ['_acme/SystemComputedAttributes', ['_acme', 'SystemComputedAttributes']]);
      assert.deepEqual([ca.imsOrgId, ca.sandbox.sandboxName, ca.sandbox.isDefault, ca.schema], [ORG, 'prod', true, { name: '_xdm.context.profile' }]);
      assert.equal(ca.createEpoch, NOW); // milliseconds, as the samples show
      assert.deepEqual((await call('GET', `${CA}/${ca.id}`)).json(), ca);
      // A DRAFT is not evaluated: no job, no values.
      await settle();
      assert.equal((await call('GET', `${CA}/${ca.id}`)).json().status, 'DRAFT');
    });

    it('walks the status table: DRAFT edits and goes NEW, is evaluated, then may only be DISABLED', async () => {
      const id = await createCa(t, f, 'visits', 'xEvent.count()', { count: 7, unit: 'DAYS' }, 'DRAFT');
      const refused = await call('PATCH', `${CA}/${id}`, { status: 'PROCESSED' });
      assert.equal(refused.statusCode, 400);
      assert.match(refused.json().detail, /from DRAFT to PROCESSED: it may change to NEW/);
      // The doc's own DRAFT → NEW example also sends other members: a draft takes them.
      const started = await call('PATCH', `${CA}/${id}`, { status: 'NEW', description: 'Purchases, 7 days', expression: { type: 'PQL', format: 'pql/text', value: 'xEvent[eventType = "commerce.purchases"].count()' } });
      assert.equal(started.statusCode, 200, started.body);
      assert.deepEqual([started.json().status, started.json().description, started.json().mergeFunction.value], ['NEW', 'Purchases, 7 days', 'COUNT']);
      await settle();
      const done = (await call('GET', `${CA}/${id}`)).json();
      assert.equal(done.status, 'PROCESSED');
      assert.equal(done.lastEvaluationTs, new Date(NOW).toISOString().slice(0, 23));
      const edit = await call('PATCH', `${CA}/${id}`, { displayName: 'Renamed' });
      assert.equal(edit.statusCode, 400);
      assert.match(edit.json().detail, /'displayName' cannot be changed while the computed attribute is PROCESSED/);
      // Sending the object back unchanged, with only the status changed, is a status change.
      const disabled = await call('PATCH', `${CA}/${id}`, { ...done, status: 'DISABLED' });
      assert.equal(disabled.statusCode, 200, disabled.body);
      assert.equal(disabled.json().status, 'DISABLED');
      assert.equal((await call('PATCH', `${CA}/${id}`, { status: 'NEW' })).statusCode, 400);
      const del = await call('DELETE', `${CA}/${id}`);
      assert.equal(del.statusCode, 400);
      assert.match(del.json().detail, /only a DRAFT can be deleted/);
    });

    it('deletes a DRAFT with 202 and the object, then answers 404', async () => {
      const id = await createCa(t, f, 'drafted', 'xEvent.count()', { count: 1, unit: 'WEEKS' }, 'DRAFT');
      const del = await call('DELETE', `${CA}/${id}`);
      assert.equal(del.statusCode, 202);
      assert.equal(del.json().id, id);
      const gone = await call('GET', `${CA}/${id}`);
      assert.equal(gone.statusCode, 404);
      assert.equal(gone.json().code, 'CA_NOT_FOUND');
    });

    it('lists with limit, offset, sortBy, status and property, in the doc shape', async () => {
      for (const name of ['alpha1', 'beta2', 'gamma3']) await createCa(t, f, name, 'xEvent.count()', { count: 2, unit: 'HOURS' }, 'DRAFT');
      // Other tests of this file may have left drafts too (the spec's example, when the specs are there).
      const drafts = ((await call('GET', `${CA}?limit=40&status=DRAFT`)).json().computedAttributes as Array<{ name: string }>).map((c) => c.name).sort((x, y) => (x.toLowerCase() < y.toLowerCase() ? -1 : 1));
      assert.ok(['alpha1', 'beta2', 'gamma3'].every((n) => drafts.includes(n)));
      const page = (await call('GET', `${CA}?limit=2&offset=0&sortBy=name&status=draft`)).json();
      assert.deepEqual(page._page, { offset: 0, limit: 2, count: 2, totalCount: drafts.length });
      assert.deepEqual(page.computedAttributes.map((c: { name: string }) => c.name), drafts.slice(0, 2));
      const last = Math.floor((drafts.length - 1) / 2) * 2;
      assert.deepEqual(page._links, { self: { href: '/attributes?offset=0&limit=2' }, next: { href: '/attributes?offset=2&limit=2' }, last: { href: `/attributes?offset=${last}&limit=2` } });
      const second = (await call('GET', `${CA}?limit=2&offset=2&sortBy=name&status=DRAFT`)).json();
      assert.deepEqual(second.computedAttributes.map((c: { name: string }) => c.name), drafts.slice(2, 4));
      assert.deepEqual(second._links.prev, { href: '/attributes?offset=0&limit=2' });
      const desc = (await call('GET', `${CA}?sortBy=-name&property=name!=visits&limit=40`)).json();
      const names = desc.computedAttributes.map((c: { name: string }) => c.name) as string[];
      assert.deepEqual(names, [...names].sort((x, y) => (x.toLowerCase() < y.toLowerCase() ? 1 : -1)));
      assert.ok(!names.includes('visits') && names.includes('gamma3'));
      assert.deepEqual((await call('GET', `${CA}?property=name=beta2`)).json().computedAttributes.map((c: { name: string }) => c.name), ['beta2']);
      for (const bad of ['sortBy=size', 'status=RUNNING', 'limit=41', 'property=color=red', 'property=updateEpoch>yesterday']) {
        const res = await call('GET', `${CA}?${bad}`);
        assert.equal(res.statusCode, 400, bad);
      }
    });

    it('refuses each bad create with a 400 that names what is wrong', async () => {
      const base = { name: 'ok1', displayName: 'd', description: 'd', status: 'NEW', duration: { count: 7, unit: 'DAYS' }, expression: { type: 'PQL', format: 'pql/text', value: 'xEvent.count()' } };
      const cases: Array<[Record<string, unknown>, string, RegExp]> = [
        [{ name: 'has_underscore' }, 'CA_INVALID', /letters and digits/],
        [{ duration: { count: 8, unit: 'DAYS' } }, 'CA_INVALID', /DAYS must be a whole number from 1 to 7/],
        [{ duration: { count: 1, unit: 'YEARS' } }, 'CA_INVALID', /HOURS, DAYS, WEEKS, MONTHS/],
        [{ expression: { type: 'PQL', format: 'pql/json', value: 'xEvent.count()' } }, 'CA_INVALID', /only pql\/text/],
        [{ expression: { type: 'PQL', format: 'pql/text', value: 'xEvent[commerce.order.priceTotl > 1].count()' } }, 'CA_EXPRESSION_INVALID', /line 1, column 8: unknown field 'priceTotl'.*did you mean 'priceTotal'/],
        [{ expression: { type: 'PQL', format: 'pql/text', value: 'xEvent[eventType = ].count()' } }, 'CA_EXPRESSION_INVALID', /line 1, column 20: expected an expression/],
        [{ expression: { type: 'PQL', format: 'pql/text', value: 'person.name.firstName = "Ann"' } }, 'CA_EXPRESSION_INVALID', /must aggregate events/],
        [{ status: 'PROCESSED' }, 'REQUEST_INVALID', /status/],
      ];
      for (const [change, code, detail] of cases) {
        const res = await call('POST', CA, { ...base, ...change });
        assert.equal(res.statusCode, 400, JSON.stringify(change));
        assert.equal(res.json().code, code, res.body);
        assert.match(res.json().detail, detail);
      }
      await createCa(t, f, 'twice', 'xEvent.count()', { count: 7, unit: 'DAYS' }, 'DRAFT');
      const dup = await call('POST', CA, { ...base, name: 'twice' });
      assert.equal(dup.json().code, 'CA_EXISTS');
      assert.match(dup.json().detail, /Function with the same name already exists/);
    });

    it("creates the alpha spec's example and evaluates it for a person", needsShared(SHARED.profileYaml2022), async () => {
      const example = exampleOf(specSchema(SHARED.profileYaml2022, ['definitions', 'createComputedAttribute'])) as Record<string, any>;
      // A client puts its own tenant id where the example has the placeholder.
      const body = { ...example, path: example.path.replace('{TENANT_ID}', 'acme') };
      const res = await call('POST', ALPHA, body);
      assert.equal(res.statusCode, 200, res.body);
      const ca = res.json();
      assert.deepEqual(
        { name: ca.name, path: ca.path, positionPath: ca.positionPath, returnSchema: ca.returnSchema, active: ca.active, type: ca.type, dependencies: ca.dependencies, dependents: ca.dependents },
        { name: 'birthdayCurrentMonth', path: '_acme', positionPath: ['_acme'], returnSchema: { 'meta:xdmType': 'boolean' }, active: true, type: 'ComputedAttribute', dependencies: [], dependents: [] },
      );
      assert.equal(ca.createEpoch, Math.floor(NOW / 1000)); // seconds in the alpha
      assert.equal(ca.sandbox.default, true);
      await streamRecord(t, f, ORG, f.profileDataset, PROFILE_SCHEMA_ID, personRecord(7, { person: { birthDate: '1990-06-02' } }));
      await streamRecord(t, f, ORG, f.profileDataset, PROFILE_SCHEMA_ID, personRecord(8, { person: { birthDate: '1990-01-02' } }));
      await settle();
      assert.equal((await entityWithCa(t, f.headers, 'CRMID', 'crm-7'))._acme.birthdayCurrentMonth, true);
      assert.equal((await entityWithCa(t, f.headers, 'CRMID', 'crm-8'))._acme.birthdayCurrentMonth, false);
      const list = (await call('GET', ALPHA)).json();
      assert.deepEqual([list._page, list._links], [{ totalCount: 1, pageSize: 1 }, { next: {} }]);
      // JSON Patch: 204 and no body; an unsupported operation is refused.
      const patched = await call('PATCH', `${ALPHA}/${ca.id}`, [{ op: 'replace', path: '/description', value: 'Birthday this month' }]);
      assert.deepEqual([patched.statusCode, patched.body], [204, '']);
      assert.equal((await call('GET', `${ALPHA}/${ca.id}`)).json().description, 'Birthday this month');
      assert.equal((await call('PATCH', `${ALPHA}/${ca.id}`, [{ op: 'remove', path: '/description' }])).statusCode, 400);
      assert.equal((await call('PATCH', `${ALPHA}/${ca.id}`, [{ op: 'add', path: '/name', value: 'x' }])).statusCode, 400);
      assert.equal((await call('DELETE', `${ALPHA}/${ca.id}`)).statusCode, 200);
      assert.equal((await call('GET', `${ALPHA}/${ca.id}`)).statusCode, 404);
    });

    it('keeps alpha dependencies: a ratio of two others, and 422 on deleting what it reads', async () => {
      const total = await createAlpha(t, f, '_acme.purchaseSummary', 'totalSpend', 'xEvent[eventType = "commerce.purchases"].sum(commerce.order.priceTotal)');
      const count = await createAlpha(t, f, '_acme.purchaseSummary', 'countPurchases', 'xEvent[eventType = "commerce.purchases"].count()');
      const avg = await createAlpha(t, f, '_acme.purchaseSummary', 'averageSpend', '_acme.purchaseSummary.totalSpend / _acme.purchaseSummary.countPurchases');
      assert.deepEqual(new Set((await call('GET', `${ALPHA}/${avg}`)).json().dependencies), new Set([total, count]));
      assert.deepEqual((await call('GET', `${ALPHA}/${total}`)).json().dependents, [avg]);
      for (const [id, price] of [['p1', 10], ['p2', 25]] as const) {
        await streamRecord(t, f, ORG, f.eventDataset, EVENT_SCHEMA_ID, { _id: id, timestamp: new Date(NOW - 60_000).toISOString(), eventType: 'commerce.purchases', identityMap: { CRMID: [{ id: 'crm-9', primary: true }] }, commerce: { order: { priceTotal: price } } });
      }
      await settle();
      assert.deepEqual((await entityWithCa(t, f.headers, 'CRMID', 'crm-9'))._acme.purchaseSummary, { totalSpend: 35, countPurchases: 2, averageSpend: 17.5 });
      // A cycle through any number of others is refused: total → averageSpend → total.
      const cycle = await call('PATCH', `${ALPHA}/${total}`, [{ op: 'replace', path: '/expression', value: { type: 'PQL', format: 'pql/text', value: '_acme.purchaseSummary.averageSpend * 2' } }]);
      assert.equal(cycle.statusCode, 400, cycle.body);
      assert.match(cycle.json().detail, /depend on itself/);
      const refused = await call('DELETE', `${ALPHA}/${total}`);
      assert.equal(refused.statusCode, 422);
      assert.match(refused.json().detail ?? refused.json().message, /Cannot perform delete as some other functions are dependent on this function/);
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ path: '_acme.purchaseSummary', name: 'nowhere' }, 'CA_PATH_NOT_FOUND'],
        [{ path: '_acme.purchaseSummary', name: 'bigSpender', expression: { type: 'PQL', format: 'pql/text', value: 'xEvent.count()' } }, 'CA_RETURN_TYPE_MISMATCH'],
        [{ path: '_acme.purchaseSummary', name: 'totalSpend', expression: { type: 'PQL', format: 'pql/text', value: 'xEvent.count()' } }, 'CA_EXISTS'],
        [{ path: '_acme.purchaseSummary', name: 'bigSpender', schema: { name: '_xdm.context.experienceevent' } }, 'CA_INVALID'],
      ];
      for (const [change, code] of cases) {
        const res = await call('POST', ALPHA, { name: 'x', path: '_acme', expression: { type: 'PQL', format: 'pql/text', value: 'xEvent.count() > 1' }, schema: { name: '_xdm.context.profile' }, ...change });
        assert.equal(res.json().code, code, res.body);
      }
    });

    it('shows nothing of one sandbox in another', async () => {
      const other = { ...(await t.headers(ORG, 'dev')), 'content-type': 'application/json' };
      await t.app.inject({ method: 'POST', url: '/data/foundation/sandbox-management/sandboxes', headers: other, payload: { name: 'dev', title: 'Dev', type: 'development' } });
      const mine = (await call('GET', `${CA}?limit=40`)).json().computedAttributes as Array<{ id: string }>;
      assert.ok(mine.length > 0);
      assert.equal((await t.app.inject({ url: CA, headers: other })).json()._page.totalCount, 0);
      assert.equal((await t.app.inject({ url: `${CA}/${mine[0]!.id}`, headers: other })).statusCode, 404);
      assert.equal((await t.app.inject({ url: ALPHA, headers: other })).json()._page.totalCount, 0);
    });
  });
}
