/** Merge policies through HTTP: every quirk of AEP's API (ref §4.3). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { STORE_KINDS, type TestApp, startTestApp } from './support/app.js';
import { type IngestFixture, ingestFixture } from './support/fixtures.js';

const ORG = 'MP@AdobeOrg';
const BASE = '/data/core/ups/config/mergePolicies';

for (const kind of STORE_KINDS) {
  describe(`merge policies (${kind})`, () => {
    let t: TestApp;
    let f: IngestFixture;
    before(async () => {
      t = await startTestApp(kind);
      f = await ingestFixture(t, ORG);
    });
    after(() => t.close());

    const call = async (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => {
      const res = await t.app.inject({ method, url, headers: f.headers, ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }) });
      return { status: res.statusCode, body: res.body === '' ? undefined : res.json(), raw: res.body };
    };
    const body = (name: string, extra: Record<string, unknown> = {}) => ({
      name,
      identityGraph: { type: 'pdg' },
      attributeMerge: { type: 'timestampOrdered' },
      schema: { name: '_xdm.context.profile' },
      default: false,
      ...extra,
    });
    let a: string;

    it('creates with 200, version 1, the sandbox echoed and updateEpoch in seconds', async () => {
      const res = await call('POST', BASE, { ...body('A policy', { default: true }), 'x-profile-instance-id': 'ignored' });
      assert.equal(res.status, 200, res.raw);
      a = res.body.id;
      assert.match(a, /^[0-9a-f-]{36}$/);
      assert.equal(res.body.version, 1);
      assert.equal(res.body.default, true);
      assert.equal(res.body.imsOrgId, ORG);
      assert.deepEqual(res.body.sandbox.sandboxName, 'prod');
      assert.equal(res.body.isActiveOnEdge, false);
      assert.ok(Math.abs(res.body.updateEpoch - Date.now() / 1000) < 60);
    });

    it('keeps one default per class: a new default clears the old one', async () => {
      const b = await call('POST', BASE, body('B policy', { default: 'true' }));
      assert.equal(b.body.default, true);
      const old = await call('GET', `${BASE}/${a}`);
      assert.equal(old.body.default, false);
      assert.equal(old.body.version, 2);
      const defaults = await call('GET', `${BASE}?default=true`);
      assert.deepEqual(defaults.body.children.map((p: { name: string }) => p.name), ['B policy']);
    });

    it('requires order for dataSetPrecedence and checks its datasets', async () => {
      const missing = await call('POST', BASE, body('P', { attributeMerge: { type: 'dataSetPrecedence' } }));
      assert.equal(missing.status, 400);
      assert.match(missing.body.message, /^UPS-MRG-\d{7}: attributeMerge.order is required/);
      assert.equal(missing.body.statusCode, '400');
      const unknown = await call('POST', BASE, body('P', { attributeMerge: { type: 'dataSetPrecedence', order: ['nope'] } }));
      assert.match(unknown.body.detail, /'nope'/);
      const bad = await call('POST', BASE, body('P', { identityGraph: { type: 'auto' } }));
      assert.match(bad.body.detail, /identityGraph.type 'auto'/);
      const ok = await call('POST', BASE, body('C precedence', { attributeMerge: { type: 'dataSetPrecedence', order: [f.profileDataset] } }));
      assert.equal(ok.status, 200);
      assert.deepEqual(ok.body.attributeMerge, { type: 'dataSetPrecedence', order: [f.profileDataset] });
    });

    it('patches with a single object or an array, dot paths and string values, bumping the version', async () => {
      const one = await call('PATCH', `${BASE}/${a}`, { op: 'add', path: '/identityGraph.type', value: 'none' });
      assert.equal(one.status, 200, one.raw);
      assert.equal(one.body.identityGraph.type, 'none');
      assert.equal(one.body.version, 3);
      const many = await call('PATCH', `${BASE}/${a}`, [
        { op: 'add', path: '/default', value: 'true' },
        { op: 'add', path: '/name', value: 'A renamed' },
        { op: 'add', path: '/version', value: '99' },
      ]);
      assert.equal(many.body.default, true);
      assert.equal(many.body.name, 'A renamed');
      assert.equal(many.body.version, 4);
      assert.equal((await call('GET', `${BASE}?default=true`)).body.children[0].id, a);
      assert.equal((await call('PATCH', `${BASE}/${a}`, { op: 'remove', path: '/name' })).status, 400);
      assert.equal((await call('PATCH', `${BASE}/${a}`, { op: 'add', path: '/nope', value: 'x' })).status, 400);
    });

    it('replaces with PUT', async () => {
      const res = await call('PUT', `${BASE}/${a}`, { ...body('A put', { default: true }), id: a, imsOrgId: ORG, version: 1, updateEpoch: 1 });
      assert.equal(res.status, 200, res.raw);
      assert.equal(res.body.name, 'A put');
      assert.equal(res.body.identityGraph.type, 'pdg');
      assert.equal(res.body.version, 5);
    });

    it('lists with filters, orderBy and orderby, and start/limit paging with _links.next', async () => {
      const all = await call('GET', `${BASE}?limit=2&orderBy=name`);
      assert.equal(all.body._page.totalCount, 3);
      assert.equal(all.body._page.pageSize, 2);
      assert.deepEqual(all.body.children.map((p: { name: string }) => p.name), ['A put', 'B policy']);
      const next = all.body._links.next.href as string;
      assert.match(next, /^@\/mergePolicies\?start=/);
      const second = await call('GET', `${BASE}?${next.split('?')[1]}`);
      assert.deepEqual(second.body.children.map((p: { name: string }) => p.name), ['C precedence']);
      assert.equal(second.body._links.next.href, '');
      const desc = await call('GET', `${BASE}?orderby=-name`);
      assert.equal(desc.body.children[0].name, 'C precedence');
      const filtered = await call('GET', `${BASE}?attributeMerge.type=dataSetPrecedence&schema.name=_xdm.context.profile&identityGraph.type=pdg`);
      assert.deepEqual(filtered.body.children.map((p: { name: string }) => p.name), ['C precedence']);
    });

    it('takes raw JSON sent as text/plain, as Postman sends Adobe collection bodies; other types get a 415 naming the accepted ones', async () => {
      const plain = { ...f.headers, 'content-type': 'text/plain' };
      const created = await t.app.inject({ method: 'POST', url: BASE, headers: plain, payload: JSON.stringify(body('Plain text')) });
      assert.equal(created.statusCode, 200, created.body);
      const id = created.json().id as string;
      const patched = await t.app.inject({ method: 'PATCH', url: `${BASE}/${id}`, headers: plain, payload: JSON.stringify([{ op: 'add', path: '/name', value: 'Plain text 2' }]) });
      assert.equal(patched.statusCode, 200, patched.body);
      assert.equal(patched.json().name, 'Plain text 2');
      const list = await call('GET', `${BASE}?limit=1`);
      assert.equal(list.body._page.count, 1);
      const xml = await t.app.inject({ method: 'POST', url: BASE, headers: { ...f.headers, 'content-type': 'application/xml' }, payload: '<policy/>' });
      assert.equal(xml.statusCode, 415);
      assert.match(xml.json().detail, /'application\/xml' is not accepted here: send application\/json/);
      const { 'content-type': _drop, ...bare } = f.headers;
      const missing = await t.app.inject({ method: 'POST', url: BASE, headers: bare, payload: JSON.stringify(body('No type')) });
      assert.equal(missing.statusCode, 400);
      assert.equal(missing.json().code, 'CONTENT_TYPE_MISSING');
      assert.equal((await call('DELETE', `${BASE}/${id}`)).status, 200);
    });

    it('bulk-gets with 207 and deletes with 200 and an empty body', async () => {
      const bulk = await call('POST', `${BASE}/bulk-get`, { ids: [{ id: a }, { id: 'missing' }] });
      assert.equal(bulk.status, 207);
      assert.equal(bulk.body.results[a].name, 'A put');
      assert.equal(bulk.body.results.missing.statusCode, '404');
      const c = (await call('GET', `${BASE}?attributeMerge.type=dataSetPrecedence`)).body.children[0].id;
      const del = await call('DELETE', `${BASE}/${c}`);
      assert.equal(del.status, 200);
      assert.equal(del.raw, '');
      const gone = await call('GET', `${BASE}/${c}`);
      assert.equal(gone.status, 404);
      assert.equal(gone.body.statusCode, '404');
    });

    it('allows one isActiveOnEdge policy per org, across its sandboxes', async () => {
      assert.equal((await call('PATCH', `${BASE}/${a}`, { op: 'add', path: '/isActiveOnEdge', value: 'true' })).body.isActiveOnEdge, true);
      await t.app.inject({ method: 'POST', url: '/data/foundation/sandbox-management/sandboxes', headers: f.headers, payload: { name: 'dev', title: 'Dev', type: 'development' } });
      const dev = await t.app.inject({ method: 'POST', url: BASE, headers: { ...f.headers, 'x-sandbox-name': 'dev' }, payload: JSON.stringify(body('edge too', { isActiveOnEdge: true })) });
      assert.equal(dev.statusCode, 409);
      assert.equal(dev.json().code, 'MERGE_POLICY_EDGE_CONFLICT');
    });

    it('caps an org at 5 merge policies', async () => {
      const count = async () => (await call('GET', BASE)).body._page.totalCount as number;
      const dev = { ...f.headers, 'x-sandbox-name': 'dev' };
      for (let i = (await count()); i < 5; i++) {
        assert.equal((await t.app.inject({ method: 'POST', url: BASE, headers: dev, payload: JSON.stringify(body(`filler ${i}`)) })).statusCode, 200);
      }
      const over = await t.app.inject({ method: 'POST', url: BASE, headers: dev, payload: JSON.stringify(body('sixth')) });
      assert.equal(over.statusCode, 400);
      assert.equal(over.json().code, 'MERGE_POLICY_LIMIT');
    });
  });
}
