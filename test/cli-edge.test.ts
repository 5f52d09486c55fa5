/** `rtprofile edge` refuses what it cannot run with, in one line naming the fix, through the real binary. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { closedPort, runCli } from './support/cli.js';
import { TEST_SECRET } from './support/app.js';

describe('rtprofile edge refusals', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'rtp-edge-cli-'));

  it('names a data center that does not exist', () => {
    const r = runCli(['edge', '--data-center', 'XX1', '--hub', 'http://127.0.0.1:1', '--data', dir()], { RTPROFILE_JWT_SECRET: TEST_SECRET });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /--data-center 'XX1' is not one of OR1, VA5, NLD1/);
  });

  it('names a hub that is not an http URL', () => {
    const r = runCli(['edge', '--data-center', 'OR1', '--hub', 'ftp://hub', '--data', dir()], { RTPROFILE_JWT_SECRET: TEST_SECRET });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /--hub 'ftp:\/\/hub' is not an http:\/\/ or https:\/\/ URL/);
  });

  it('says where the shared secret comes from when it has none', () => {
    const r = runCli(['edge', '--data-center', 'OR1', '--hub', 'http://127.0.0.1:1', '--data', dir()], { RTPROFILE_JWT_SECRET: '', RTPROFILE_EDGE_SECRET: '' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /no shared secret: give the edge the hub's RTPROFILE_EDGE_SECRET or RTPROFILE_JWT_SECRET/);
  });

  it('names an unreachable Redis without its password, instead of crashing', async () => {
    const port = await closedPort();
    const r = runCli(['edge', '--data-center', 'OR1', '--hub', 'http://127.0.0.1:1', '--data', dir(), '--port', '0'], { RTPROFILE_JWT_SECRET: TEST_SECRET, REDIS_URL: `redis://user:hunter2@127.0.0.1:${port}` });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`cannot open the edge store \\(Redis at redis://127\\.0\\.0\\.1:${port}\\)`));
    assert.doesNotMatch(r.stderr, /hunter2/);
  });
});
