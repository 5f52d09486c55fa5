/** CORS: off by default (no CORS headers); with RTPROFILE_CORS_ORIGINS, preflights pass without auth or Content-Type. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestApp, startTestApp } from './support/app.js';
import { loadConfig } from '../src/config/config.js';

const ORG = 'CORS@AdobeOrg';
const ORIGIN = 'https://app.example.com';
const PREFLIGHT = {
  origin: ORIGIN,
  'access-control-request-method': 'POST',
  'access-control-request-headers': 'authorization,x-api-key,x-gw-ims-org-id,x-sandbox-name,content-type',
};

describe('CORS off (the default)', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('sqlite');
  });
  after(() => t.close());

  it('sends no CORS headers, and a preflight is not answered as one', async () => {
    const get = await t.app.inject({ url: '/data/core/idnamespace/identities', headers: { ...(await t.headers(ORG)), origin: ORIGIN } });
    assert.equal(get.statusCode, 200);
    assert.equal(get.headers['access-control-allow-origin'], undefined);
    const preflight = await t.app.inject({ method: 'OPTIONS', url: '/data/core/ups/access/entities', headers: PREFLIGHT });
    assert.equal(preflight.headers['access-control-allow-origin'], undefined);
    assert.ok(preflight.statusCode >= 400 && preflight.statusCode < 500);
    assert.match(String(preflight.headers['content-type']), /json/);
  });
});

describe('CORS on', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('sqlite', { corsOrigins: [ORIGIN, 'http://localhost:3000'] });
  });
  after(() => t.close());

  it('answers a preflight on a /data route without credentials or Content-Type, allowing the AEP headers', async () => {
    const res = await t.app.inject({ method: 'OPTIONS', url: '/data/core/ups/access/entities', headers: PREFLIGHT });
    assert.equal(res.statusCode, 204, res.body);
    assert.equal(res.headers['access-control-allow-origin'], ORIGIN);
    const allowed = String(res.headers['access-control-allow-headers']).toLowerCase().split(',').map((h) => h.trim());
    for (const h of ['authorization', 'x-api-key', 'x-gw-ims-org-id', 'x-sandbox-name', 'content-type']) assert.ok(allowed.includes(h), `${h} is not allowed`);
    assert.match(String(res.headers['access-control-allow-methods']), /PATCH/);
  });

  it('adds the allow-origin header to answers for a listed origin, and exposes the request id', async () => {
    const res = await t.app.inject({ url: '/data/core/idnamespace/identities', headers: { ...(await t.headers(ORG)), origin: ORIGIN } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['access-control-allow-origin'], ORIGIN);
    assert.match(String(res.headers['access-control-expose-headers']), /x-request-id/);
  });

  it('still requires credentials on the actual request', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/data/core/ups/access/entities', headers: { origin: ORIGIN, 'content-type': 'application/json' }, payload: {} });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error_code, '403010');
  });

  it('gives an origin not on the list no allow-origin header', async () => {
    const res = await t.app.inject({ method: 'OPTIONS', url: '/data/core/ups/access/entities', headers: { ...PREFLIGHT, origin: 'https://evil.example.com' } });
    assert.equal(res.headers['access-control-allow-origin'], undefined);
  });
});

describe('RTPROFILE_CORS_ORIGINS', () => {
  it('takes *, or a comma-separated list of origins; anything else is refused naming the variable', () => {
    assert.deepEqual(loadConfig({}).corsOrigins, []);
    assert.deepEqual(loadConfig({ RTPROFILE_CORS_ORIGINS: '*' }).corsOrigins, ['*']);
    assert.deepEqual(loadConfig({ RTPROFILE_CORS_ORIGINS: `${ORIGIN}, http://localhost:3000` }).corsOrigins, [ORIGIN, 'http://localhost:3000']);
    for (const bad of ['app.example.com', `${ORIGIN}/`, `${ORIGIN}/path`, `*,${ORIGIN}`]) {
      assert.throws(() => loadConfig({ RTPROFILE_CORS_ORIGINS: bad }), (err: Error) => err.message.includes('RTPROFILE_CORS_ORIGINS'), bad);
    }
  });
});
