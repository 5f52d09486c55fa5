/** The gateway's authentication matrix: each refusal has AEP's exact error_code, message and status. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_KEY, type TestApp, startTestApp } from './support/app.js';

const ORG = 'AUTH1@AdobeOrg';
const URL_ = '/data/foundation/sandbox-management/sandboxes';

describe('authentication matrix', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('sqlite');
  });
  after(() => t.close());

  async function call(headers: Record<string, string>) {
    const res = await t.app.inject({ method: 'GET', url: URL_, headers });
    return { status: res.statusCode, body: res.json() };
  }

  it('accepts a valid token, api key and org', async () => {
    const res = await call(await t.headers(ORG));
    assert.equal(res.status, 200);
    assert.equal(res.body.sandboxes[0].name, 'prod');
  });

  const cases: Array<[string, (h: Record<string, string>) => Promise<Record<string, string>> | Record<string, string>, number, string, string]> = [
    ['no Authorization header', ({ authorization: _, ...h }) => h, 403, '403010', 'Oauth token is missing.'],
    ['no x-api-key', ({ 'x-api-key': _, ...h }) => h, 403, '403000', 'Api Key is required'],
    ['not a Bearer token', (h) => ({ ...h, authorization: 'Basic abc' }), 401, '401013', 'Oauth token is not valid'],
    ['garbage token', (h) => ({ ...h, authorization: 'Bearer not.a.jwt' }), 401, '401013', 'Oauth token is not valid'],
    [
      'bad signature',
      async (h) => ({ ...h, authorization: `Bearer ${await sign({ orgs: [ORG], client_id: API_KEY }, 'another-secret-another-secret-another-secret', 3600)}` }),
      401,
      '401013',
      'Oauth token is not valid',
    ],
    ['expired token', async (h) => ({ ...h, authorization: `Bearer ${await t.token([ORG], { now: Date.now() - 7200_000, ttlSeconds: 60 })}` }), 401, '401013', 'Oauth token is not valid'],
    ['api key differs from client_id', (h) => ({ ...h, 'x-api-key': 'someone-else' }), 403, '403003', 'Api Key is invalid'],
    ['missing org header', ({ 'x-gw-ims-org-id': _, ...h }) => h, 400, '400003', 'Missing header'],
    ['org not granted by the token', (h) => ({ ...h, 'x-gw-ims-org-id': 'OTHER@AdobeOrg' }), 403, '403025', 'Profile is not valid'],
    [
      'token without exp',
      async (h) => ({ ...h, authorization: `Bearer ${await sign({ orgs: [ORG], client_id: API_KEY }, 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz', undefined)}` }),
      401,
      '401013',
      'Oauth token is not valid',
    ],
    [
      'token without orgs claim',
      async (h) => ({ ...h, authorization: `Bearer ${await sign({ client_id: API_KEY }, 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz', 3600)}` }),
      401,
      '401013',
      'Oauth token is not valid',
    ],
  ];

  for (const [name, mutate, status, code, message] of cases) {
    it(`refuses ${name} with ${code}`, async () => {
      const res = await call(await mutate(await t.headers(ORG)));
      assert.equal(res.status, status);
      assert.deepEqual(res.body, { error_code: code, message });
    });
  }

  it('refuses an unknown sandbox with a 404 problem naming it', async () => {
    const res = await t.app.inject({ method: 'GET', url: `${URL_}/nope`, headers: await t.headers(ORG) });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().code, 'SANDBOX_NOT_FOUND');
    assert.match(res.json().detail, /nope/);
  });

  it('needs no credentials for /health and /ready', async () => {
    assert.equal((await t.app.inject({ url: '/health' })).statusCode, 200);
    const ready = await t.app.inject({ url: '/ready' });
    assert.equal(ready.statusCode, 200);
    assert.equal(ready.json().status, 'ready');
  });

  it('echoes a sane x-request-id and generates one otherwise', async () => {
    const echoed = await t.app.inject({ url: '/health', headers: { 'x-request-id': 'q0gf6caRuRtX2s5khaN1Zgd1OoEXcPJA' } });
    assert.equal(echoed.headers['x-request-id'], 'q0gf6caRuRtX2s5khaN1Zgd1OoEXcPJA');
    const generated = await t.app.inject({ url: '/health', headers: { 'x-request-id': 'bad id with spaces' } });
    assert.match(String(generated.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  });
});

describe('RS256 tokens from a JWKS file', () => {
  let t: TestApp;
  let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  before(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    const file = join(mkdtempSync(join(tmpdir(), 'rtprofile-jwks-')), 'jwks.json');
    writeFileSync(file, JSON.stringify({ keys: [jwk] }));
    t = await startTestApp('sqlite', { jwks: file });
  });
  after(() => t.close());

  it('accepts a token signed by a key in the JWKS and refuses an unknown key', async () => {
    const token = await new SignJWT({ orgs: [ORG], client_id: API_KEY })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setExpirationTime('1h')
      .sign(privateKey);
    const headers = { authorization: `Bearer ${token}`, 'x-api-key': API_KEY, 'x-gw-ims-org-id': ORG };
    assert.equal((await t.app.inject({ url: URL_, headers })).statusCode, 200);

    const stranger = await generateKeyPair('RS256');
    const forged = await new SignJWT({ orgs: [ORG], client_id: API_KEY })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setExpirationTime('1h')
      .sign(stranger.privateKey);
    const res = await t.app.inject({ url: URL_, headers: { ...headers, authorization: `Bearer ${forged}` } });
    assert.deepEqual(res.json(), { error_code: '401013', message: 'Oauth token is not valid' });
  });
});

async function sign(claims: Record<string, unknown>, secret: string, ttl: number | undefined): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
  if (ttl !== undefined) jwt.setExpirationTime(Math.floor(Date.now() / 1000) + ttl);
  return jwt.sign(new TextEncoder().encode(secret));
}
