/** A server killed with SIGKILL mid-stream keeps every message it acknowledged (writes commit on its writer thread). */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli, seedSchemaFile, serve } from './support/cli.js';
import { EVENT_SCHEMA_ID, envelope, eventRecord, eventSchema } from './support/fixtures.js';

const ORG = 'STREAMCRASH@AdobeOrg';

describe('streaming crash', () => {
  const data = mkdtempSync(join(tmpdir(), 'rtprofile-stream-crash-'));
  after(() => rmSync(data, { recursive: true, force: true }));

  it('stores every acknowledged message after SIGKILL, and the restarted server answers for them', async () => {
    let server = await serve(['--data', data], { RTPROFILE_SQLITE_SYNC: 'normal' });
    // The thread is on by default; had it failed to start, serve would have said so on its log.
    assert.doesNotMatch(server.output(), /writer thread/);
    const credential = JSON.parse(runCli(['token', '--org', ORG, '--data', data]).stdout);
    const headers = { authorization: `Bearer ${credential.accessToken}`, 'x-api-key': credential.apiKey, 'x-gw-ims-org-id': credential.orgId, 'content-type': 'application/json' };
    const acknowledged: string[] = [];
    try {
      assert.equal((await fetch(`${server.url}/data/foundation/sandbox-management/sandboxes`, { headers })).status, 200);
      seedSchemaFile(data, ORG, eventSchema());
      const ds = await fetch(`${server.url}/data/foundation/catalog/dataSets`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: 'web', schemaRef: { id: EVENT_SCHEMA_ID }, tags: { unifiedProfile: ['enabled:true'], unifiedIdentity: ['enabled:true'] } }),
      });
      assert.equal(ds.status, 201, await ds.clone().text());
      const datasetId = ((await ds.json()) as string[])[0]!.replace('@/dataSets/', '');
      const conn = await fetch(`${server.url}/data/foundation/flowservice/connections`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: 's', connectionSpec: { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadfd3', version: '1.0' }, auth: { specName: 'Streaming Connection', params: { name: 's', sourceId: 's', dataType: 'xdm' } } }),
      });
      assert.equal(conn.status, 201, await conn.clone().text());
      const connection = (await (await fetch(`${server.url}/data/foundation/flowservice/connections/${((await conn.json()) as { id: string }).id}`, { headers })).json()) as { items: Array<{ auth: { params: { inletId: string } } }> };
      const inletId = connection.items[0]!.auth.params.inletId;

      // Four senders stream 50-message requests until the kill; a request counts only once its 207 has arrived.
      let killed = false;
      const sender = async (s: number) => {
        for (let r = 0; !killed; r++) {
          const ids = Array.from({ length: 50 }, (_, i) => `crash-${s}-${r}-${i}`);
          const messages = ids.map((id, i) => envelope(datasetId, EVENT_SCHEMA_ID, eventRecord(s * 10_000 + r * 50 + i, id, '2026-11-01T00:00:00Z'), ORG));
          try {
            const res = await fetch(`${server.url}/collection/batch/${inletId}`, { method: 'POST', headers, body: JSON.stringify({ messages }) });
            const body = (await res.json()) as { responses: Array<{ status?: number }> };
            assert.equal(res.status, 207);
            assert.ok(body.responses.every((m) => m.status === undefined), JSON.stringify(body).slice(0, 500));
            acknowledged.push(...ids);
          } catch (err) {
            if (!killed) throw err;
          }
        }
      };
      const senders = [0, 1, 2, 3].map(sender);
      while (acknowledged.length < 4_000) await new Promise((r) => setTimeout(r, 10));
      killed = true;
      assert.equal(await server.stop('SIGKILL'), null);
      await Promise.all(senders);

      const check = new Database(join(data, 'profile.db'), { readonly: true });
      const stored = new Set((check.prepare("SELECT event_id FROM events WHERE event_id LIKE 'crash-%'").all() as Array<{ event_id: string }>).map((r) => r.event_id));
      check.close();
      const lost = acknowledged.filter((id) => !stored.has(id));
      assert.deepEqual(lost.slice(0, 5), [], `${lost.length} of ${acknowledged.length} acknowledged messages were lost`);

      server = await serve(['--data', data]);
      const person = await fetch(`${server.url}/data/core/ups/access/entities?schema.name=_xdm.context.experienceevent&relatedSchema.name=_xdm.context.profile&relatedEntityId=crm-0&relatedEntityIdNS=CRMID`, { headers });
      assert.equal(person.status, 200, await person.clone().text());
      assert.equal(((await person.json()) as { children: unknown[] }).children.length, 1);
    } finally {
      await server.stop();
    }
  });
});
