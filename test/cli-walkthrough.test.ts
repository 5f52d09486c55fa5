/** The README's "Your own data, step by step" runs as written, from another folder, and ends with a merged profile. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BIN, serve } from './support/cli.js';

/** The shell blocks of the README section, in order. */
function walkthroughBlocks(): string[] {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('## Your own data, step by step');
  assert.ok(start >= 0, 'the README has the walkthrough section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

describe('README walkthrough', () => {
  const root = mkdtempSync(join(tmpdir(), 'rtprofile-walkthrough-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('takes a newcomer from their own NDJSON files to a merged lookup, from another working folder', async () => {
    const [start, ...steps] = walkthroughBlocks();
    assert.match(start!, /npm link/);
    assert.match(start!, /npm start/);
    // Step 1 as the test does it: `npm link` is a command named rtprofile on PATH; `npm start` is serve in the checkout's ./data.
    const bin = join(root, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'rtprofile'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    chmodSync(join(bin, 'rtprofile'), 0o755);
    const serverData = join(root, 'checkout', 'data');
    const server = await serve(['--data', serverData]);
    try {
      let script = steps.join('\n');
      assert.ok(script.includes('~/realtime-profile/data') && script.includes('http://127.0.0.1:8080'), 'the README names the data folder and URL the test replaces');
      script = script.replaceAll('~/realtime-profile/data', serverData).replaceAll('http://127.0.0.1:8080', server.url);
      const work = join(root, 'my-data');
      mkdirSync(work);
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RTPROFILE_')));
      const run = spawnSync('bash', ['-euo', 'pipefail', '-c', script], {
        cwd: work,
        encoding: 'utf8',
        env: { ...env, PATH: `${bin}:${process.env.PATH}`, LOG_LEVEL: 'silent' },
        timeout: 180_000,
      });
      assert.equal(run.status, 0, `${run.stderr}\n${run.stdout}`);
      assert.match(run.stderr, /created Profile-enabled dataset 'CRM customers'/);
      assert.match(run.stderr, /Batch \w+: 2 of 2 records stored, 0 failed\./);

      const lookup = JSON.parse(run.stdout.trimEnd().split('\n').pop()!);
      const profile = Object.values(lookup)[0] as { sources: string[]; entity: Record<string, any> };
      assert.equal(profile.entity.person.name.firstName, 'Ada', 'the name comes from the CRM file');
      assert.equal(profile.entity.homeAddress.city, 'London');
      assert.equal(profile.entity.mobilePhone.number, '+15550100', 'the phone comes from the app file');
      assert.equal(profile.sources.length, 2, 'both datasets answer');
      assert.equal(existsSync(join(work, 'data')), false, 'nothing created a second store in the working folder');
    } finally {
      await server.stop();
    }
  });
});
