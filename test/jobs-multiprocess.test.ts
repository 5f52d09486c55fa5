/**
 * Jobs across processes, as they are deployed: two `ROLES=api` and two `ROLES=worker` processes of `rtprofile serve`
 * on one PostgreSQL database. The worker running an export, then the one running a dataset delete, is killed with
 * SIGKILL mid-way; the other finishes each job once, and the profiles equal a single process's read-time merge.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parquetReadObjects } from 'hyparquet';
import { TEST_SECRET, type TestApp, startTestApp } from './support/app.js';
import { type IngestFixture, PROFILE_SCHEMA_ID, createDefaultPolicy, createProfileDataset, ingestFixture, personRecord } from './support/fixtures.js';
import { type Served, serve } from './support/cli.js';
import { eventually } from './support/wait.js';
import { plain } from './support/plain.js';

const ORG = 'MULTIPROC@AdobeOrg';
const PEOPLE = 3_000;
const FILE_PROFILES = 400;

describe('jobs on two API and two worker processes (postgres), a worker killed mid-job', () => {
  let t: TestApp;
  let f: IngestFixture;
  let loyalty: string;
  let twin: string;
  const data = mkdtempSync(join(tmpdir(), 'rtprofile-multiproc-'));
  const apis: Served[] = [];
  const workers: Served[] = [];
  const env = { RTPROFILE_JWT_SECRET: TEST_SECRET, RTPROFILE_JOB_LEASE_MS: '1500', RTPROFILE_EXPORT_FILE_PROFILES: String(FILE_PROFILES) };
  const start = (roles: string) => serve(['--data', data, '--database-url', t.store.config.databaseUrl!], { ...env, ROLES: roles });
  const call = async (api: Served, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${api.url}${path}`, { method, headers: f.headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text === '' ? undefined : JSON.parse(text);
  };
  const job = (kind: string) => t.store.db.get<{ status: string; attempts: number; lease_owner: string | null; checkpoint: string | null }>(
    'SELECT status, attempts, lease_owner, checkpoint FROM jobs WHERE tenant_id = ? AND kind = ? ORDER BY job_id DESC LIMIT 1',
    [f.tenantId, kind],
  );
  /** Waits until the job's checkpoint passes `reached`, then kills the worker holding it; returns that worker. */
  const killMidway = async (kind: string, reached: (checkpoint: any) => boolean) => {
    const owner = await eventually(
      `${kind} under way`,
      async () => {
        const row = await job(kind);
        return row?.status === 'running' && row.checkpoint !== null && reached(JSON.parse(row.checkpoint)) && row.lease_owner;
      },
      60_000,
    );
    const pid = Number(/^worker-(\d+)-/.exec(owner)![1]);
    const victim = workers.find((w) => w.child.pid === pid);
    assert.ok(victim, `the lease is held by one of the workers (${owner})`);
    assert.equal(await victim.stop('SIGKILL'), null);
    workers.splice(workers.indexOf(victim), 1);
    return victim;
  };
  /** A person's profile under a policy, through an API process. */
  const profile = async (api: Served, crm: string, policy?: string) => {
    const answer = await call(api, 'GET', `/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=${crm}&entityIdNS=CRMID${policy ? `&mergePolicyId=${policy}` : ''}`);
    return (Object.values(answer as Record<string, { entity: Record<string, unknown> }>)[0]!).entity;
  };

  before(async () => {
    t = await startTestApp('postgres');
    f = await ingestFixture(t, ORG);
    await createDefaultPolicy(t, f);
    loyalty = await createProfileDataset(t, f, 'Loyalty');
    // The same policy, not the default: never materialized, so it answers the read-time merge a single process makes.
    const created = await t.app.inject({
      method: 'POST',
      url: '/data/core/ups/config/mergePolicies',
      headers: f.headers,
      payload: JSON.stringify({ name: 'twin', schema: { name: '_xdm.context.profile' }, identityGraph: { type: 'pdg' }, attributeMerge: { type: 'timestampOrdered' } }),
    });
    twin = created.json().id;
    apis.push(await start('api'), await start('api'));
    workers.push(await start('worker'), await start('worker'));
    // Each person: a CRM record (CRMID + email) and a loyalty record keyed by email that links a phone.
    const messages = [];
    for (let n = 1; n <= PEOPLE; n++) {
      messages.push({ datasetId: f.profileDataset, entity: personRecord(n) });
      messages.push({ datasetId: loyalty, entity: { identityMap: { Email: [{ id: `person${n}@example.com`, primary: true }], Phone: [{ id: `+1555${String(n).padStart(7, '0')}` }] }, _acme: { tier: 'platinum' } } });
    }
    const schemaRef = { id: PROFILE_SCHEMA_ID, contentType: 'application/vnd.adobe.xed-full+json;version=1' };
    for (let i = 0; i < messages.length; i += 100) {
      const batch = messages.slice(i, i + 100).map((m) => ({ header: { schemaRef, imsOrgId: ORG, datasetId: m.datasetId, source: { name: 'test' } }, body: { xdmMeta: { schemaRef }, xdmEntity: m.entity } }));
      const answer = await call(apis[(i / 100) % 2]!, 'POST', `/collection/batch/${f.inletId}`, { messages: batch });
      assert.ok((answer.responses as Array<{ status?: number }>).every((r) => r.status === undefined || r.status < 400), JSON.stringify(answer).slice(0, 300));
    }
  });

  after(async () => {
    for (const p of [...apis, ...workers]) await p.stop().catch(() => undefined);
    await t?.close();
    rmSync(data, { recursive: true, force: true });
  });

  it('finishes an export whose worker was killed mid-way once, with every profile exactly once', async () => {
    const target = ((await call(apis[0]!, 'POST', '/data/foundation/catalog/dataSets', {
      name: 'export',
      schemaRef: { id: 'https://ns.adobe.com/xdm/context/profile__union', contentType: 'application/vnd.adobe.xed+json;version=1' },
      fileDescription: { format: 'parquet' },
    })) as string[])[0]!.replace('@/dataSets/', '');
    const created = await call(apis[0]!, 'POST', '/data/core/ups/export/jobs', { schema: { name: '_xdm.context.profile' }, destination: { datasetId: target } });
    await killMidway('profile-export', (c) => c.parts.length >= 1);
    workers.push(await start('worker'));
    const done = await eventually('the export finished on the other worker', async () => {
      const j = await call(apis[1]!, 'GET', `/data/core/ups/export/jobs/${created.id}`);
      return j.status === 'SUCCEEDED' || j.status === 'FAILED' ? j : false;
    }, 60_000);
    assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done.errors));
    assert.equal((await job('profile-export'))!.attempts, 2);
    assert.equal(done.metrics.totalExportedProfileCounter, PEOPLE);
    const files = (await call(apis[1]!, 'GET', `/data/foundation/export/batches/${done.destination.batchId}/files`)).data as Array<{ dataSetFileId: string }>;
    assert.equal(files.length, Math.ceil(PEOPLE / FILE_PROFILES));
    const crms: string[] = [];
    const sample: Array<Record<string, any>> = [];
    for (const file of files) {
      const name = (await call(apis[0]!, 'GET', `/data/foundation/export/files/${file.dataSetFileId}`)).data[0].name as string;
      const bytes = await (await fetch(`${apis[0]!.url}/data/foundation/export/files/${file.dataSetFileId}?path=${name}`, { headers: f.headers })).arrayBuffer();
      const rows = (await parquetReadObjects({ file: bytes })) as Array<Record<string, any>>;
      for (const r of rows) crms.push(r.identities.find((i: { namespace: { code: string } }) => i.namespace.code === 'crmid').id);
      sample.push(rows[0]!);
    }
    assert.equal(crms.length, PEOPLE);
    assert.equal(new Set(crms).size, PEOPLE, 'no profile was written twice');
    assert.deepEqual(readdirSync(join(data, 'exports', String(f.tenantId), done.destination.batchId)).filter((n) => n.endsWith('.partial')), []);
    for (const row of sample) {
      const crm = row.identities.find((i: { namespace: { code: string } }) => i.namespace.code === 'crmid').id;
      const expected = await profile(apis[1]!, crm, twin);
      assert.deepEqual(plain(row), expected);
    }
  });

  it('finishes a dataset delete whose worker was killed mid-way once, splitting every graph and recomputing every profile', async () => {
    const created = await call(apis[1]!, 'POST', '/data/core/ups/system/jobs', { dataSetId: loyalty });
    await killMidway('profile-system-delete', (c) => c.progress.fragments >= 1_000);
    const done = await eventually('the delete finished on the other worker', async () => {
      const j = await call(apis[0]!, 'GET', `/data/core/ups/system/jobs/${created.requestId}`);
      return j.status === 'SUCCESS' || j.status === 'FAILED' ? j : false;
    }, 60_000);
    assert.equal(done.status, 'SUCCESS');
    assert.equal((await job('profile-system-delete'))!.attempts, 2);
    const metrics = JSON.parse(done.metrics);
    assert.deepEqual([metrics.fragments, metrics.links, metrics.splits], [PEOPLE, PEOPLE, PEOPLE], 'each fragment, link and split counted once');
    for (const n of [1, 777, 1500, PEOPLE]) {
      const crm = `crm-${n}`;
      await eventually(`person ${n} recomputed`, async () => {
        const served = await profile(apis[n % 2]!, crm);
        const merged = await profile(apis[(n + 1) % 2]!, crm, twin);
        return JSON.stringify(served) === JSON.stringify(merged) && (merged._acme as Record<string, unknown>).tier === 'gold';
      }, 10_000);
      const identities = ((await profile(apis[0]!, crm)).identities as Array<{ namespace: { code: string } }>).map((i) => i.namespace.code).sort();
      assert.deepEqual(identities, ['crmid', 'email'], 'the phone only the loyalty records linked has split off');
    }
  });
});
