/** The Sandbox API through HTTP on both stores: lifecycle, org isolation, reset and delete. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { STORE_KINDS, type TestApp, startTestApp } from './support/app.js';

const BASE = '/data/foundation/sandbox-management/sandboxes';

for (const kind of STORE_KINDS) {
  describe(`sandboxes (${kind})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(kind);
    });
    after(() => t.close());

    const json = { 'content-type': 'application/json' };
    async function as(org: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown) {
      const headers = { ...(await t.headers(org)), ...(payload === undefined ? {} : json) };
      const res = await t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }) });
      return { status: res.statusCode, body: res.json() };
    }

    it('creates prod for a new org and lists it as the default production sandbox', async () => {
      const res = await as('S1@AdobeOrg', 'GET', BASE);
      assert.equal(res.status, 200);
      assert.equal(res.body.sandboxes.length, 1);
      assert.deepEqual(
        { name: res.body.sandboxes[0].name, type: res.body.sandboxes[0].type, isDefault: res.body.sandboxes[0].isDefault, state: res.body.sandboxes[0].state },
        { name: 'prod', type: 'production', isDefault: true, state: 'active' },
      );
    });

    it('creates, gets, renames and lists a development sandbox', async () => {
      const created = await as('S1@AdobeOrg', 'POST', BASE, { name: 'dev-1', title: 'Dev one', type: 'development' });
      assert.equal(created.status, 201);
      assert.equal(created.body.name, 'dev-1');
      assert.match(created.body.id, /^[0-9a-f-]{36}$/);
      assert.equal((await as('S1@AdobeOrg', 'GET', `${BASE}/dev-1`)).body.title, 'Dev one');
      const renamed = await as('S1@AdobeOrg', 'PATCH', `${BASE}/dev-1`, { title: 'Dev renamed' });
      assert.equal(renamed.body.title, 'Dev renamed');
      assert.equal(renamed.body.eTag, created.body.eTag + 1);
      const list = await as('S1@AdobeOrg', 'GET', `${BASE}?limit=1`);
      assert.equal(list.body.sandboxes.length, 1);
      assert.equal(list.body._page.totalCount, 2);
      assert.equal(list.body._links.next.href, `${BASE}?limit=1&offset=1`);
    });

    it('refuses a duplicate name, a bad name and a bad type with named errors', async () => {
      const dup = await as('S1@AdobeOrg', 'POST', BASE, { name: 'dev-1', title: 'again', type: 'development' });
      assert.equal(dup.status, 409);
      assert.equal(dup.body.code, 'SANDBOX_EXISTS');
      const badName = await as('S1@AdobeOrg', 'POST', BASE, { name: 'Dev_1', title: 'x', type: 'development' });
      assert.equal(badName.status, 400);
      assert.equal(badName.body.code, 'SANDBOX_NAME_INVALID');
      const badType = await as('S1@AdobeOrg', 'POST', BASE, { name: 'dev-2', title: 'x', type: 'staging' });
      assert.equal(badType.status, 400);
      assert.equal(badType.body.code, 'SANDBOX_TYPE_INVALID');
      const missing = await as('S1@AdobeOrg', 'POST', BASE, { name: 'dev-3' });
      assert.equal(missing.status, 400);
      assert.match(missing.body.detail, /title/);
    });

    it('keeps each org to its own sandboxes whatever names are used', async () => {
      await as('S2@AdobeOrg', 'POST', BASE, { name: 'dev-1', title: 'Other org dev', type: 'development' });
      assert.equal((await as('S2@AdobeOrg', 'GET', `${BASE}/dev-1`)).body.title, 'Other org dev');
      assert.equal((await as('S1@AdobeOrg', 'GET', `${BASE}/dev-1`)).body.title, 'Dev renamed');
      const s2 = await as('S2@AdobeOrg', 'GET', BASE);
      assert.deepEqual(s2.body.sandboxes.map((s: { name: string }) => s.name).sort(), ['dev-1', 'prod']);
      assert.notEqual((await as('S2@AdobeOrg', 'GET', `${BASE}/prod`)).body.id, (await as('S1@AdobeOrg', 'GET', `${BASE}/prod`)).body.id);
    });

    it('resets a sandbox in place and refuses unknown actions', async () => {
      const reset = await as('S1@AdobeOrg', 'PUT', `${BASE}/dev-1`, { action: 'reset' });
      assert.equal(reset.status, 200);
      assert.equal(reset.body.name, 'dev-1');
      const bad = await as('S1@AdobeOrg', 'PUT', `${BASE}/dev-1`, { action: 'explode' });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.code, 'SANDBOX_ACTION_INVALID');
    });

    it('deletes a sandbox but never the default production one', async () => {
      const deleted = await as('S1@AdobeOrg', 'DELETE', `${BASE}/dev-1`);
      assert.equal(deleted.status, 200);
      assert.equal(deleted.body.state, 'deleted');
      assert.equal((await as('S1@AdobeOrg', 'GET', `${BASE}/dev-1`)).status, 404);
      assert.equal((await as('S2@AdobeOrg', 'GET', `${BASE}/dev-1`)).status, 200);
      const prod = await as('S1@AdobeOrg', 'DELETE', `${BASE}/prod`);
      assert.equal(prod.status, 400);
      assert.equal(prod.body.code, 'SANDBOX_DEFAULT_PROTECTED');
    });

    it('keeps sandboxes across a restart of the store', async () => {
      await as('S3@AdobeOrg', 'POST', BASE, { name: 'keep', title: 'Kept', type: 'development' });
      await t.app.close();
      const db = await t.store.reopen();
      const { buildApp } = await import('../src/http/app.js');
      const { TEST_SECRET } = await import('./support/app.js');
      const app = await buildApp({ config: t.store.config, db, secret: TEST_SECRET });
      const res = await app.inject({ url: `${BASE}/keep`, headers: await t.headers('S3@AdobeOrg') });
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().title, 'Kept');
      (t as { app: unknown }).app = app;
    });
  });
}
