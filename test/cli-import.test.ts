/** `rtprofile setup`, `import` and `inlet create` from another working folder, against a running `rtprofile serve`. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { spawn } from 'node:child_process';
import { BIN, type Served, runCli, closedPort, serve } from './support/cli.js';

const ORG = 'IMPORT@AdobeOrg';

/** A record of the profile schema `setup --profile` makes, keyed by the email identity field. */
const person = (i: number) => JSON.stringify({ personalEmail: { address: `p${i}@example.com` }, person: { name: { firstName: `P${i}` } } });


describe('rtprofile setup, import and inlet against a running service', () => {
  const serverDir = mkdtempSync(join(tmpdir(), 'rtprofile-server-'));
  const work = mkdtempSync(join(tmpdir(), 'rtprofile-work-'));
  let server: Served;
  let env: NodeJS.ProcessEnv;
  let datasetId: string;
  const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) => runCli(args, { ...env, ...extra }, work);
  let token: string;
  const api = async (path: string) => {
    const res = await fetch(path.startsWith('http') ? path : `${server.url}${path}`, {
      headers: { authorization: `Bearer ${token}`, 'x-api-key': 'rtprofile-cli', 'x-gw-ims-org-id': ORG, accept: 'application/vnd.adobe.xed+json' },
    });
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as any;
  };

  before(async () => {
    server = await serve(['--data', join(serverDir, 'data')]);
    // The CLI runs in another folder and finds the service and its secret through these two variables.
    env = { RTPROFILE_URL: server.url, RTPROFILE_DATA: join(serverDir, 'data') };
    token = cli(['token', '--org', ORG, '--raw']).stdout.trim();
  });
  after(async () => {
    await server.stop();
    rmSync(serverDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('setup creates a Profile-enabled schema, identity, dataset and default merge policy, and a rerun reuses them', async () => {
    const args = ['setup', '--profile', '--name', 'CRM people', '--org', ORG, '--identity-field', 'personalEmail.address', '--namespace', 'Email'];
    const first = cli(args);
    assert.equal(first.status, 0, first.stderr);
    datasetId = first.stdout.trim();
    assert.match(datasetId, /^[0-9a-f]{24}$/);
    assert.match(first.stderr, /created schema 'CRM people'[\s\S]*made \/personalEmail\/address the primary identity \(Email\)[\s\S]*enabled the schema for Profile/);
    assert.ok(first.stderr.includes(`next: npx rtprofile import FILE --dataset ${datasetId} --org ${ORG}`));

    const dataset = (await api(`/data/foundation/catalog/dataSets/${datasetId}`))[datasetId];
    assert.deepEqual(dataset.tags.unifiedProfile, ['enabled:true']);
    const schemas = await api('/data/foundation/schemaregistry/tenant/schemas');
    const schema = schemas.results.find((s: any) => s.title === 'CRM people');
    assert.deepEqual(schema['meta:immutableTags'], ['union']);
    assert.equal(schema['meta:class'], 'https://ns.adobe.com/xdm/context/profile');
    const policies = await api('/data/core/ups/config/mergePolicies?default=true');
    assert.equal(policies.children[0].identityGraph.type, 'pdg');

    const again = cli(args);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(again.stdout.trim(), datasetId, 'a rerun prints the same dataset');
    assert.match(again.stderr, /reusing schema[\s\S]*already the primary identity[\s\S]*reusing dataset/);

    const events = cli(['setup', '--events', '--name', 'Web events', '--org', ORG, '--sandbox', 'dev-web']);
    assert.equal(events.status, 0, events.stderr);
    assert.notEqual(events.stdout.trim(), datasetId);
    assert.match(events.stderr, /created sandbox dev-web[\s\S]*created schema 'Web events'[\s\S]*_id and timestamp are required/);
    assert.match(events.stderr, /--sandbox dev-web/, 'the next step names the sandbox');

    const both = cli(['setup', '--profile', '--events', '--name', 'x', '--org', ORG]);
    assert.equal(both.status, 2);
    assert.match(both.stderr, /choose one of --profile .* or --events/);
  });

  it('import shows progress, numbers error rows as editors number lines, reads gzip, and says where the full error list is', async () => {
    const file = join(work, 'people.ndjson');
    writeFileSync(file, [...Array.from({ length: 300 }, (_, i) => person(i)), '', '{"broken":'].join('\n'));
    const imported = cli(['import', 'people.ndjson', '--dataset', datasetId, '--org', ORG]);
    assert.equal(imported.status, 0, imported.stderr);
    const summary = JSON.parse(imported.stdout);
    assert.equal(summary.status, 'success');
    assert.deepEqual([summary.records, summary.stored, summary.failed], [301, 300, 1]);
    assert.equal(summary.firstErrors[0].row, 302, 'line 302 of the file: 300 records, a blank line, then the broken one');
    assert.equal(summary.errorsUrl, `${server.url}/data/foundation/import/batches/${summary.batchId}/errors?limit=1000`);
    // Not a terminal: plain lines, the last one with the totals.
    assert.match(imported.stderr, /uploading: [\d.]+ KB \/ [\d.]+ KB \(100%\)/);
    assert.match(imported.stderr, /importing: 301 \/ 301 rows \(100%\) +[\d,]+ rows\/s +1 errors/);
    assert.match(imported.stderr, /people\.ndjson row 302: not valid JSON/);
    assert.ok(imported.stderr.includes(`Full error list: GET ${summary.errorsUrl}`));
    assert.equal((await api(summary.errorsUrl)).errors[0].row, 302);

    writeFileSync(join(work, 'more.ndjson.gz'), gzipSync(Array.from({ length: 40 }, (_, i) => person(500 + i)).join('\n')));
    const gz = cli(['import', 'more.ndjson.gz', '--dataset', datasetId, '--org', ORG]);
    assert.equal(gz.status, 0, gz.stderr);
    assert.deepEqual([JSON.parse(gz.stdout).status, JSON.parse(gz.stdout).stored], ['success', 40]);
  });

  it('aborts the batch on the service when the import is interrupted with Ctrl-C', async () => {
    // Large enough to still be running when the first progress line (every 2 s off a terminal) appears.
    writeFileSync(join(work, 'big.ndjson'), Array.from({ length: 200_000 }, (_, i) => person(10_000 + i)).join('\n'));
    const child = spawn(process.execPath, [BIN, 'import', 'big.ndjson', '--dataset', datasetId, '--org', ORG], {
      cwd: work,
      env: { ...process.env, ...env, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no progress line:\n${stderr}`)), 30_000);
      child.stderr.on('data', () => {
        if (/uploading|importing/.test(stderr)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill('SIGINT');
    assert.equal(await exited, 130, stderr);
    const batchId = /aborting batch (\S+)/.exec(stderr)?.[1];
    assert.ok(batchId, stderr);
    const batch = (await api(`/data/foundation/catalog/batches/${batchId}`))[batchId!];
    assert.equal(batch.status, 'aborted');
  });

  it('fails a CSV or an empty file with one file-level error and exit 1', () => {
    writeFileSync(join(work, 'people.csv'), 'email,name\nada@example.com,Ada\n');
    writeFileSync(join(work, 'empty.ndjson'), '');
    for (const [name, message] of [['people.csv', /looks like CSV/], ['empty.ndjson', /empty file: no records/]] as const) {
      const run = cli(['import', name, '--dataset', datasetId, '--org', ORG]);
      assert.equal(run.status, 1, name);
      const summary = JSON.parse(run.stdout);
      assert.equal(summary.status, 'failed');
      assert.equal(summary.firstErrors.length, 1);
      assert.match(summary.firstErrors[0].message, message);
      assert.match(run.stderr, new RegExp(`failed: 0 of 0 records stored\\.\\n  ${name.replace('.', '\\.')}: `));
    }
  });

  it('inlet create makes a connection on the service and prints its inlet', async () => {
    const run = cli(['inlet', 'create', '--name', 'cli stream', '--org', ORG]);
    assert.equal(run.status, 0, run.stderr);
    const created = JSON.parse(run.stdout);
    assert.match(created.inletId, /^[0-9a-f]{64}$/);
    assert.equal(created.inletUrl, `${server.url}/collection/${created.inletId}`);
    assert.equal(created.authenticationRequired, true);
    assert.equal((await api(`/data/foundation/flowservice/connections/${created.id}`)).items[0].name, 'cli stream');
  });

  it('says what is missing when there is no service, no credential, a foreign token, or no file', async () => {
    const port = await closedPort();
    const down = cli(['import', 'x', '--dataset', datasetId, '--org', ORG, '--url', `http://127.0.0.1:${port}`], {});
    assert.equal(down.status, 2, 'a missing file is found before the service is called');
    writeFileSync(join(work, 'one.ndjson'), person(1));
    const noServer = cli(['import', 'one.ndjson', '--dataset', datasetId, '--org', ORG], { RTPROFILE_URL: `http://127.0.0.1:${port}` });
    assert.equal(noServer.status, 1);
    assert.match(noServer.stderr, /cannot reach the service at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)\. Start it with `npx rtprofile serve`/);
    const noOrg = cli(['setup', '--profile', '--name', 'x']);
    assert.equal(noOrg.status, 2);
    assert.match(noOrg.stderr, /no credential: pass --org ORG/);
    const noData = cli(['setup', '--profile', '--name', 'x', '--org', ORG], { RTPROFILE_DATA: join(work, 'nothing-here') });
    assert.equal(noData.status, 1);
    assert.match(noData.stderr, /nothing-here holds no rtprofile data/);
    const foreign = 'eyJhbGciOiJIUzI1NiJ9.eyJvcmdzIjpbIklNUE9SVEBBZG9iZU9yZyJdLCJjbGllbnRfaWQiOiJydHByb2ZpbGUtY2xpIiwiZXhwIjo0MTAyNDQ0ODAwfQ.c2lnbmVkLWVsc2V3aGVyZQ';
    const refused = cli(['import', 'one.ndjson', '--dataset', datasetId], { RTPROFILE_TOKEN: foreign });
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /answered 401 401013: .*The token was not signed by this server/);
  });
});
