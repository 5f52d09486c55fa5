/** ROLES: a worker-only process answers health and metrics and nothing else; an api-only one serves the API. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startTestApp } from './support/app.js';
import { serve } from './support/cli.js';

const SANDBOXES = '/data/foundation/sandbox-management/sandboxes';

describe('process roles', () => {
  it('serves only health, readiness and metrics with ROLES=worker, and says why anything else is missing', async () => {
    const t = await startTestApp('sqlite', { roles: new Set(['worker']) });
    try {
      for (const url of ['/health', '/ready', '/metrics']) assert.equal((await t.app.inject({ url })).statusCode, 200, url);
      const res = await t.app.inject({ url: SANDBOXES, headers: await t.headers('ROLES@AdobeOrg') });
      assert.equal(res.statusCode, 404, res.body);
      assert.equal(res.json().code, 'ROUTE_NOT_FOUND');
      assert.match(res.json().message ?? res.json().detail ?? res.body, /ROLES=worker/);
    } finally {
      await t.close();
    }
  });

  it('serves the API with ROLES=api', async () => {
    const t = await startTestApp('sqlite', { roles: new Set(['api']) });
    try {
      assert.equal((await t.app.inject({ url: SANDBOXES, headers: await t.headers('ROLES@AdobeOrg') })).statusCode, 200);
    } finally {
      await t.close();
    }
  });

  it('rtprofile serve with ROLES=worker says what it serves', async () => {
    const data = mkdtempSync(join(tmpdir(), 'rtprofile-roles-'));
    const server = await serve(['--data', data], { ROLES: 'worker' });
    try {
      assert.match(server.output(), /rtprofile worker listening on http:\/\/\S+ .*serves only .*\/health and .*\/metrics/);
      assert.equal((await fetch(`${server.url}/health`)).status, 200);
      assert.equal((await fetch(`${server.url}${SANDBOXES}`)).status, 404);
    } finally {
      await server.stop();
      rmSync(data, { recursive: true, force: true });
    }
  });
});
