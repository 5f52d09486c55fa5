/** The tenancy cache: one credential tuple is resolved once, but never outlives its token or its sandbox. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { STORE_KINDS, API_KEY, type TestApp, startPeerApp, startTestApp } from './support/app.js';

const ORG = 'TENANCY@AdobeOrg';
const SANDBOXES = '/data/foundation/sandbox-management/sandboxes';
const DATASETS = '/data/foundation/catalog/dataSets';

for (const kind of STORE_KINDS) {
  describe(`tenancy cache (${kind})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(kind);
    });
    after(() => t.close());

    it('stops answering for a sandbox once it is deleted, in this process and in another', async () => {
      const org = await t.headers(ORG);
      const created = await t.app.inject({ method: 'POST', url: SANDBOXES, headers: { ...org, 'content-type': 'application/json' }, payload: { name: 'dev-cache', title: 'Dev', type: 'development' } });
      assert.equal(created.statusCode, 201, created.body);
      const peer = kind === 'postgres' ? await startPeerApp(t) : undefined;
      try {
        const headers = { ...org, 'x-sandbox-name': 'dev-cache' };
        for (const app of [t.app, peer?.app]) {
          if (!app) continue;
          // Twice, so the second answer comes from the cache.
          for (let i = 0; i < 2; i++) assert.equal((await app.inject({ url: DATASETS, headers })).statusCode, 200);
        }
        assert.equal((await t.app.inject({ method: 'DELETE', url: `${SANDBOXES}/dev-cache`, headers: org })).statusCode, 200);
        const here = await t.app.inject({ url: DATASETS, headers });
        assert.equal(here.statusCode, 404, here.body);
        assert.equal(here.json().code, 'SANDBOX_NOT_FOUND');
        if (peer) {
          let status = 0;
          for (let i = 0; i < 50 && status !== 404; i++) {
            status = (await peer.app.inject({ url: DATASETS, headers })).statusCode;
            if (status !== 404) await new Promise((r) => setTimeout(r, 20));
          }
          assert.equal(status, 404, 'the other process still answered for the deleted sandbox');
        }
      } finally {
        await peer?.close();
      }
    });

    it('refuses a cached token once it expires', async () => {
      // Two seconds: expiry is counted in whole seconds from the second it was issued in, so a one-second token can be
      // a few milliseconds from its end when the first request reads it.
      const token = await t.token([ORG], { ttlSeconds: 2 });
      const headers = { authorization: `Bearer ${token}`, 'x-api-key': API_KEY, 'x-gw-ims-org-id': ORG };
      assert.equal((await t.app.inject({ url: DATASETS, headers })).statusCode, 200);
      await new Promise((r) => setTimeout(r, 3_100));
      const late = await t.app.inject({ url: DATASETS, headers });
      assert.equal(late.statusCode, 401, late.body);
      assert.equal(late.json().error_code, '401013', late.body);
    });

    it('checks every refusal afresh: a wrong key after a good one is still refused', async () => {
      const headers = await t.headers(ORG);
      assert.equal((await t.app.inject({ url: DATASETS, headers })).statusCode, 200);
      const wrong = await t.app.inject({ url: DATASETS, headers: { ...headers, 'x-api-key': 'someone-else' } });
      assert.equal(wrong.statusCode, 403, wrong.body);
    });
  });
}
