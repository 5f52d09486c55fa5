/** The CLI end to end: serve prints a working curl line, token output works against it, SIGTERM exits 0. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli, serve } from './support/cli.js';

const dirs: string[] = [];
function tempData(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rtprofile-cli-'));
  dirs.push(dir);
  return dir;
}
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('rtprofile CLI', () => {
  it('serve creates the SQLite file and secret, token works against it, and SIGTERM exits 0', async () => {
    const data = tempData();
    const server = await serve(['--data', data]);
    try {
      assert.ok(statSync(join(data, 'profile.db')).isFile());
      assert.equal(statSync(join(data, 'jwt-secret')).mode & 0o777, 0o600);

      // The printed curl line carries a working credential.
      const printed = server.output();
      const token = /Authorization: Bearer ([^']+)'/.exec(printed)![1]!;
      const apiKey = /x-api-key: ([^']+)'/.exec(printed)![1]!;
      const org = /x-gw-ims-org-id: ([^']+)'/.exec(printed)![1]!;
      const first = await fetch(`${server.url}/data/foundation/sandbox-management/sandboxes`, {
        headers: { authorization: `Bearer ${token}`, 'x-api-key': apiKey, 'x-gw-ims-org-id': org },
      });
      assert.equal(first.status, 200);

      const issued = runCli(['token', '--org', 'CLI@AdobeOrg', '--ttl', '2h', '--data', data]);
      assert.equal(issued.status, 0, issued.stderr);
      const credential = JSON.parse(issued.stdout) as { accessToken: string; apiKey: string; orgId: string };
      assert.deepEqual(Object.keys(credential).sort(), ['accessToken', 'apiKey', 'orgId']);
      const res = await fetch(`${server.url}/data/foundation/sandbox-management/sandboxes`, {
        headers: { authorization: `Bearer ${credential.accessToken}`, 'x-api-key': credential.apiKey, 'x-gw-ims-org-id': credential.orgId },
      });
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { sandboxes: Array<{ name: string }> }).sandboxes[0]!.name, 'prod');
    } finally {
      assert.equal(await server.stop('SIGTERM'), 0);
    }
  });

  it('keeps data across a restart of serve', async () => {
    const data = tempData();
    const first = await serve(['--data', data]);
    const credential = JSON.parse(runCli(['token', '--org', 'KEEP@AdobeOrg', '--data', data]).stdout);
    const headers = { authorization: `Bearer ${credential.accessToken}`, 'x-api-key': credential.apiKey, 'x-gw-ims-org-id': credential.orgId, 'content-type': 'application/json' };
    const created = await fetch(`${first.url}/data/foundation/sandbox-management/sandboxes`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'kept', title: 'Kept', type: 'development' }),
    });
    assert.equal(created.status, 201);
    assert.equal(await first.stop('SIGINT'), 0);
    const second = await serve(['--data', data]);
    try {
      const res = await fetch(`${second.url}/data/foundation/sandbox-management/sandboxes/kept`, { headers });
      assert.equal(res.status, 200);
    } finally {
      await second.stop();
    }
  });

  it('token refuses, with exit 1, to invent a secret for a folder that holds no store', () => {
    const elsewhere = tempData();
    const refused = runCli(['token', '--org', 'NEW@AdobeOrg'], { RTPROFILE_DATA: '' }, elsewhere);
    assert.equal(refused.status, 1);
    assert.equal(refused.stdout, '');
    assert.match(refused.stderr, /data holds no rtprofile store \(no jwt-secret\).*Run this in the folder where `rtprofile serve` keeps its data, pass --data DIR/);
    assert.equal(existsSync(join(elsewhere, 'data')), false, 'no fresh ./data (new secret, empty store) is left behind');
  });

  it('migrate reports an up-to-date store, version prints versions, bad input exits 2 with a message', () => {
    const data = tempData();
    const migrated = runCli(['migrate', '--data', data]);
    assert.equal(migrated.status, 0, migrated.stderr);
    assert.deepEqual(JSON.parse(migrated.stdout), { store: 'sqlite', upToDate: true });
    const version = runCli(['version']);
    assert.match(JSON.parse(version.stdout).rtprofile, /^\d+\.\d+\.\d+/);
    const badTtl = runCli(['token', '--org', 'X', '--ttl', 'forever', '--data', data]);
    assert.equal(badTtl.status, 2);
    assert.match(badTtl.stderr, /'forever' is not a duration/);
    const badUrl = runCli(['migrate', '--database-url', 'mysql://nope']);
    assert.equal(badUrl.status, 2);
    assert.match(badUrl.stderr, /postgres:\/\//);
  });

  it('serve refuses a port in use with a clear message', async () => {
    const data = tempData();
    const first = await serve(['--data', data]);
    try {
      const port = new URL(first.url).port;
      const second = runCli(['serve', '--data', tempData(), '--port', port]);
      assert.equal(second.status, 2);
      assert.match(second.stderr, /port is in use/);
    } finally {
      await first.stop();
    }
  });
});
