/** `rtprofile import` and `rtprofile inlet create` end to end against a real data folder and a running server. */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli, serve } from './support/cli.js';
import { PROFILE_SCHEMA_ID, envelope, personRecord, profileSchema } from './support/fixtures.js';

const ORG = 'IMPORT@AdobeOrg';

describe('rtprofile import and inlet', () => {
  const data = mkdtempSync(join(tmpdir(), 'rtprofile-import-'));
  after(() => rmSync(data, { recursive: true, force: true }));

  it('creates an inlet, imports a file with a summary and per-row errors, and both land in the store', async () => {
    const inlet = runCli(['inlet', 'create', '--org', ORG, '--name', 'cli stream', '--data', data, '--url', 'http://example.test:8080']);
    assert.equal(inlet.status, 0, inlet.stderr);
    const created = JSON.parse(inlet.stdout);
    assert.match(created.inletId, /^[0-9a-f]{64}$/);
    assert.equal(created.inletUrl, `http://example.test:8080/collection/${created.inletId}`);
    assert.equal(created.authenticationRequired, true);

    const file = new Database(join(data, 'profile.db'));
    const tenant = file.prepare('SELECT tenant_id FROM sandboxes WHERE org_id = ?').get(ORG) as { tenant_id: number };
    const schema = profileSchema();
    file
      .prepare("INSERT INTO xdm_resources (tenant_id, id, alt_id, kind, title, version, body, created_at, modified_at) VALUES (?, ?, ?, 'schemas', 't', '1.0', ?, 0, 0)")
      .run(tenant.tenant_id, PROFILE_SCHEMA_ID, schema['meta:altId'], JSON.stringify(schema));
    file.close();

    const credential = JSON.parse(runCli(['token', '--org', ORG, '--data', data]).stdout);
    const headers = { authorization: `Bearer ${credential.accessToken}`, 'x-api-key': credential.apiKey, 'x-gw-ims-org-id': ORG, 'content-type': 'application/json' };
    const server = await serve(['--data', data]);
    try {
      const ds = await fetch(`${server.url}/data/foundation/catalog/dataSets`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: 'crm', schemaRef: { id: PROFILE_SCHEMA_ID }, tags: { unifiedProfile: ['enabled:true'] } }),
      });
      const datasetId = ((await ds.json()) as string[])[0]!.replace('@/dataSets/', '');
      const people = join(data, 'people.ndjson');
      writeFileSync(people, [...Array.from({ length: 300 }, (_, i) => JSON.stringify(personRecord(i))), '{"broken":'].join('\n'));
      const imported = runCli(['import', people, '--dataset', datasetId, '--org', ORG, '--data', data]);
      assert.equal(imported.status, 0, imported.stderr);
      const summary = JSON.parse(imported.stdout);
      assert.equal(summary.status, 'success');
      assert.equal(summary.records, 301);
      assert.equal(summary.stored, 300);
      assert.equal(summary.failed, 1);
      assert.equal(summary.firstErrors[0].row, 300);
      assert.match(imported.stderr, /301 rows .* rows\/s +1 errors/);

      // The server sees the imported data and accepts messages on the CLI-made inlet.
      const res = await fetch(`${server.url}/collection/${created.inletId}`, { method: 'POST', headers, body: JSON.stringify(envelope(datasetId, PROFILE_SCHEMA_ID, personRecord(999), ORG)) });
      assert.equal(res.status, 200, await res.clone().text());
    } finally {
      await server.stop();
    }
    const check = new Database(join(data, 'profile.db'), { readonly: true });
    assert.equal((check.prepare('SELECT COUNT(*) AS n FROM fragments').get() as { n: number }).n, 301);
    check.close();

    const missing = runCli(['import', join(data, 'nope.json'), '--dataset', 'x', '--org', ORG, '--data', data]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /Cannot read/);
  });
});
