/** `rtprofile demo` end to end: it fills a sandbox, and the lookups it prints work against `rtprofile serve`. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli, serve } from './support/cli.js';

describe('rtprofile demo', () => {
  const data = mkdtempSync(join(tmpdir(), 'rtprofile-demo-'));
  after(() => rmSync(data, { recursive: true, force: true }));

  it('creates stitched people whose printed lookups answer as described, and can run again', async () => {
    const first = runCli(['demo', '--profiles', '60', '--data', data, '--url', 'http://HOST']);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stderr, /loaded 60 records/);
    const again = runCli(['demo', '--profiles', '60', '--data', data, '--url', 'http://HOST']);
    assert.equal(again.status, 0, 'a second run resets the demo sandbox instead of failing');
    const server = await serve(['--data', data]);
    try {
      const curls = again.stdout.split('\n').filter((l) => l.startsWith('curl '));
      assert.equal(curls.length, 5);
      const fetchCurl = async (line: string) => {
        const url = /'(http:\/\/HOST[^']+)'/.exec(line)![1]!.replace('http://HOST', server.url);
        const headers = Object.fromEntries([...line.matchAll(/-H '([^:]+): ([^']+)'/g)].map((m) => [m[1]!, m[2]!]));
        const res = await fetch(url, { headers });
        assert.equal(res.status, 200, `${url}: ${await res.clone().text()}`);
        return (await res.json()) as any;
      };
      const byEmail = Object.values(await fetchCurl(curls[0]!))[0] as any;
      const byDevice = Object.values(await fetchCurl(curls[1]!))[0] as any;
      assert.deepEqual(byEmail.entity.identities.map((i: any) => i.namespace.code).sort(), ['crmid', 'ecid', 'email', 'phone']);
      assert.deepEqual(byDevice.entity.person, byEmail.entity.person);
      const crmFirst = Object.values(await fetchCurl(curls[2]!))[0] as any;
      const tenantKey = Object.keys(crmFirst.entity).find((k) => k.startsWith('_'))!;
      assert.equal(crmFirst.entity[tenantKey].loyalty.tier, 'bronze', 'the CRM record wins under dataSetPrecedence');
      const events = await fetchCurl(curls[3]!);
      assert.equal(events.children.length, 5);
      const explain = await fetchCurl(curls[4]!);
      assert.equal(explain.sameGraph, true);
    } finally {
      await server.stop();
    }
  });
});
