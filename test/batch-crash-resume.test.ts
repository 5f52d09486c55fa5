/** A server killed with SIGKILL in the middle of a batch resumes it after restart and stores every row exactly once. */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli, seedSchemaFile, serve } from './support/cli.js';
import { personRecord, profileSchema, PROFILE_SCHEMA_ID } from './support/fixtures.js';

const ORG = 'CRASH@AdobeOrg';
const ROWS = 40_000;

describe('batch crash and resume', () => {
  const data = mkdtempSync(join(tmpdir(), 'rtprofile-crash-'));
  after(() => rmSync(data, { recursive: true, force: true }));

  it('resumes a batch after SIGKILL and ends with every row stored once', async () => {
    // Only serve creates a store (and its secret); token signs with it.
    let server = await serve(['--data', data], { RTPROFILE_SQLITE_SYNC: 'normal' });
    const credential = JSON.parse(runCli(['token', '--org', ORG, '--data', data]).stdout);
    const headers = { authorization: `Bearer ${credential.accessToken}`, 'x-api-key': credential.apiKey, 'x-gw-ims-org-id': credential.orgId };
    const json = { ...headers, 'content-type': 'application/json' };
    try {
      assert.equal((await fetch(`${server.url}/data/foundation/sandbox-management/sandboxes`, { headers })).status, 200);
      // The schema goes in as the registry stores it; this test is about the batch path.
      seedSchemaFile(data, ORG, profileSchema());

      const ds = await fetch(`${server.url}/data/foundation/catalog/dataSets`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ name: 'crm', schemaRef: { id: PROFILE_SCHEMA_ID }, tags: { unifiedProfile: ['enabled:true'] } }),
      });
      assert.equal(ds.status, 201, await ds.clone().text());
      const datasetId = ((await ds.json()) as string[])[0]!.replace('@/dataSets/', '');
      const batch = (await (await fetch(`${server.url}/data/foundation/import/batches`, { method: 'POST', headers: json, body: JSON.stringify({ datasetId }) })).json()) as { id: string };
      const lines = Array.from({ length: ROWS }, (_, i) => JSON.stringify(personRecord(i))).join('\n');
      const put = await fetch(`${server.url}/data/foundation/import/batches/${batch.id}/datasets/${datasetId}/files/people.ndjson`, {
        method: 'PUT',
        headers: { ...headers, 'content-type': 'application/octet-stream' },
        body: lines,
      });
      assert.equal(put.status, 200);
      assert.equal((await fetch(`${server.url}/data/foundation/import/batches/${batch.id}?action=COMPLETE`, { method: 'POST', headers })).status, 200);

      const status = async () => ((await (await fetch(`${server.url}/data/foundation/catalog/batches/${batch.id}`, { headers })).json()) as Record<string, { status: string; metrics: { inputRecordCount: number } }>)[batch.id]!;
      let seen = await status();
      const deadline = Date.now() + 60_000;
      while (seen.metrics.inputRecordCount === 0 && Date.now() < deadline) seen = await status();
      assert.equal(seen.status, 'processing', 'the kill must land mid-batch');
      assert.ok(seen.metrics.inputRecordCount < ROWS);
      assert.equal(await server.stop('SIGKILL'), null);

      server = await serve(['--data', data]);
      let done = await status();
      while (done.status === 'processing' && Date.now() < deadline + 60_000) {
        await new Promise((r) => setTimeout(r, 100));
        done = await status();
      }
      assert.equal(done.status, 'success');
      assert.equal(done.metrics.inputRecordCount, ROWS);
      const check = new Database(join(data, 'profile.db'), { readonly: true });
      const stored = check.prepare('SELECT COUNT(*) AS n, COUNT(DISTINCT primary_id) AS d FROM fragments').get() as { n: number; d: number };
      const errors = check.prepare('SELECT COUNT(*) AS n FROM batch_errors').get() as { n: number };
      check.close();
      assert.deepEqual({ ...stored, errors: errors.n }, { n: ROWS, d: ROWS, errors: 0 });
    } finally {
      await server.stop();
    }
  });
});
