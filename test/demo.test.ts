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
      const lines = again.stdout.split('\n');
      const curls = lines.filter((l) => l.startsWith('curl '));
      assert.equal(curls.length, 5);
      // The token is set once in a shell variable; each curl line uses "$TOKEN".
      const token = /^TOKEN='([^']+)'$/m.exec(again.stdout)![1]!;
      const fetchCurl = async (line: string) => {
        const url = /'(http:\/\/HOST[^']+)'/.exec(line)![1]!.replace('http://HOST', server.url);
        const headers = Object.fromEntries([...line.matchAll(/-H (['"])([^:]+): ([^'"]+)\1/g)].map((m) => [m[2]!, m[3]!.replace('$TOKEN', token)]));
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

      // Under each lookup, a short reading of its answer: who, which identities, which datasets, which policy.
      const readingOf = (curl: string) => {
        const after = lines.slice(lines.indexOf(curl) + 1);
        const end = after.findIndex((l) => !l.startsWith('#   '));
        return after.slice(0, end === -1 ? after.length : end).join('\n');
      };
      const name = `${byEmail.entity.person.name.firstName} ${byEmail.entity.person.name.lastName}`;
      assert.match(readingOf(curls[0]!), new RegExp(`→ ${name} .*loyalty ${byEmail.entity[tenantKey].loyalty.tier}`));
      assert.match(readingOf(curls[0]!), /identities: crmid CRM-0000042 · email user42@example\.com · phone \+15550000042 · ecid /);
      assert.match(readingOf(curls[0]!), /from: (Loyalty members, CRM customers|CRM customers, Loyalty members) · policy: "Demo default: stitched, newest wins"/);
      assert.match(readingOf(curls[2]!), /loyalty bronze, 0 points[\s\S]*policy: "Demo: CRM first"/);
      assert.equal(readingOf(curls[3]!).split('\n').length, 6, 'a heading and one line per event');
      assert.match(readingOf(curls[4]!), /the same person, through 2 links[\s\S]*seen together in Loyalty members[\s\S]*seen together in Web events/);
    } finally {
      await server.stop();
    }
  });
});
