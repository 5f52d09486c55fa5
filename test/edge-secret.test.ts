/** The edge stream's own secret: a hub given RTPROFILE_EDGE_SECRET takes edge credentials signed with it, and only those. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TEST_SECRET, type TestApp, startTestApp } from './support/app.js';
import { runCli } from './support/cli.js';
import { issueEdgeToken } from '../src/edge/edge-token.js';

const EDGE_SECRET = 'edge-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

describe('the edge secret', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('sqlite', { edgeSecret: EDGE_SECRET });
  });
  after(() => t.close());

  const fetchAs = async (secret: string) =>
    t.app.inject({
      method: 'POST',
      url: '/edge/v1/fetch',
      headers: { authorization: `Bearer ${await issueEdgeToken(secret, 'OR1')}`, 'content-type': 'application/json' },
      payload: { dataCenter: 'OR1', tenantId: 1, ns: 'crmid', id: 'nobody', projections: ['p'] },
    });

  it('takes an edge credential signed with it', async () => {
    const res = await fetchAs(EDGE_SECRET);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { rows: [] });
  });

  it('refuses one signed with the token secret, which an edge no longer needs', async () => {
    const res = await fetchAs(TEST_SECRET);
    assert.equal(res.statusCode, 401);
    assert.match(res.json().detail, /edge credential is not valid/);
  });

  it('an edge with the edge secret alone must be told how to check client tokens', () => {
    const r = runCli(['edge', '--data-center', 'OR1', '--hub', 'http://127.0.0.1:1', '--data', mkdtempSync(join(tmpdir(), 'rtp-edge-secret-'))], { RTPROFILE_EDGE_SECRET: EDGE_SECRET, RTPROFILE_JWT_SECRET: '', RTPROFILE_JWKS: '' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /no way to check client tokens: give the edge RTPROFILE_JWKS/);
  });
});
