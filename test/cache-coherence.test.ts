/** Two apps on one PostgreSQL database, as two `rtprofile serve` processes: what one changes, the other sees within moments. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestApp, startPeerApp, startTestApp } from './support/app.js';
import { type IngestFixture, PROFILE_SCHEMA_ID, envelope, ingestFixture, personRecord } from './support/fixtures.js';
import { eventually } from './support/wait.js';

// The fixture schemas keep custom fields under _acme, the tenant namespace the registry derives from this org.
const ORG = 'ACME@AdobeOrg';
const SANDBOXES = '/data/foundation/sandbox-management/sandboxes';
const DATASETS = '/data/foundation/catalog/dataSets';
const CONNECTIONS = '/data/foundation/flowservice/connections';
const ENTITIES = '/data/core/ups/access/entities';

describe('cache coherence across processes (postgres)', () => {
  let a: TestApp;
  let b: TestApp;
  let f: IngestFixture;
  before(async () => {
    a = await startTestApp('postgres');
    b = await startPeerApp(a);
    f = await ingestFixture(a, ORG);
  });
  after(async () => {
    await b.close();
    await a.close();
  });

  /** Sends one streaming message through `t`; returns the status and the refusal's code, if any. */
  const send = async (t: TestApp, fx: IngestFixture, datasetId: string, entity: Record<string, unknown>, inletId = fx.inletId) => {
    const res = await t.app.inject({ method: 'POST', url: `/collection/${inletId}`, headers: fx.headers, payload: envelope(datasetId, PROFILE_SCHEMA_ID, entity, ORG) });
    const body = res.json();
    return { status: res.statusCode, code: String(body.report?.cause?._streamingValidation?.[0]?.keyword ?? body.code ?? '') };
  };
  const createDataset = async (name: string, headers = f.headers): Promise<string> => {
    const res = await a.app.inject({ method: 'POST', url: DATASETS, headers, payload: { name, schemaRef: { id: PROFILE_SCHEMA_ID }, tags: { unifiedProfile: ['enabled:true'], unifiedIdentity: ['enabled:true'] } } });
    assert.equal(res.statusCode, 201, res.body);
    return (res.json() as string[])[0]!.replace('@/dataSets/', '');
  };
  const rowsOf = async (datasetId: string) => {
    const count = async (table: string) =>
      Number((await a.store.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table} WHERE tenant_id = ? AND dataset_id = ?`, [f.tenantId, datasetId]))!.n);
    return { fragments: await count('fragments'), identities: await count('record_identities'), events: await count('events') };
  };

  it('refuses in B, at once, writes and reads of a dataset deleted in A, and leaves none of its rows', async () => {
    const doomed = await createDataset('Doomed');
    assert.equal((await send(b, f, doomed, personRecord(1))).status, 200);
    assert.equal((await b.app.inject({ url: `${DATASETS}/${doomed}`, headers: f.headers })).statusCode, 200);

    assert.equal((await a.app.inject({ method: 'DELETE', url: `${DATASETS}/${doomed}`, headers: f.headers })).statusCode, 200);
    await eventually('B no longer finds the dataset', async () => (await b.app.inject({ url: `${DATASETS}/${doomed}`, headers: f.headers })).statusCode === 404);
    assert.deepEqual(await send(b, f, doomed, personRecord(2)), { status: 400, code: 'DATASET_NOT_FOUND' });
    // The delete queued the purge of its Profile data; once it ran, nothing of the dataset is left.
    await a.app.services.jobs.drain();
    assert.deepEqual(await rowsOf(doomed), { fragments: 0, identities: 0, events: 0 });
  });

  it('never leaves rows of a dataset whose delete in A races writes in B', async () => {
    const raced = await createDataset('Raced');
    // B's dataset cache holds the dataset, so only the check inside the write transaction can refuse the late ones.
    assert.equal((await send(b, f, raced, personRecord(100))).status, 200);
    const writes = Array.from({ length: 40 }, (_, i) => send(b, f, raced, personRecord(101 + i)));
    const deleted = a.app.inject({ method: 'DELETE', url: `${DATASETS}/${raced}`, headers: f.headers });
    const outcomes = await Promise.all(writes);
    assert.equal((await deleted).statusCode, 200);
    for (const o of outcomes) assert.ok(o.status === 200 || (o.status === 400 && o.code === 'DATASET_NOT_FOUND'), JSON.stringify(o));
    await a.app.services.jobs.drain();
    assert.deepEqual(await rowsOf(raced), { fragments: 0, identities: 0, events: 0 });
    assert.deepEqual(await send(b, f, raced, personRecord(200)), { status: 400, code: 'DATASET_NOT_FOUND' });
  });

  it('refuses in B messages to an inlet deleted in A', async () => {
    const created = await a.app.inject({
      method: 'POST',
      url: CONNECTIONS,
      headers: f.headers,
      payload: { name: 'Short-lived', connectionSpec: { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadfd3', version: '1.0' }, auth: { specName: 'Streaming Connection', params: { name: 'Short-lived', sourceId: 'x', dataType: 'xdm', authenticationRequired: true } } },
    });
    assert.equal(created.statusCode, 201, created.body);
    const id = created.json().id as string;
    const inletId = (await a.app.inject({ url: `${CONNECTIONS}/${id}`, headers: f.headers })).json().items[0].auth.params.inletId as string;
    assert.equal((await send(b, f, f.profileDataset, personRecord(3), inletId)).status, 200);

    assert.equal((await a.app.inject({ method: 'DELETE', url: `${CONNECTIONS}/${id}`, headers: f.headers })).statusCode, 204);
    const refused = await eventually('B refuses the deleted inlet', async () => {
      const res = await send(b, f, f.profileDataset, personRecord(4), inletId);
      return res.status === 404 && res;
    });
    assert.equal(refused.code, 'INLET_NOT_FOUND');
  });

  it('lands nothing from a message in flight in B while A deletes its inlet', async () => {
    const created = await a.app.inject({
      method: 'POST',
      url: CONNECTIONS,
      headers: f.headers,
      payload: { name: 'In flight', connectionSpec: { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadfd3', version: '1.0' }, auth: { specName: 'Streaming Connection', params: { name: 'In flight', sourceId: 'x', dataType: 'xdm', authenticationRequired: true } } },
    });
    const id = created.json().id as string;
    const inletId = (await a.app.inject({ url: `${CONNECTIONS}/${id}`, headers: f.headers })).json().items[0].auth.params.inletId as string;
    assert.equal((await send(b, f, f.profileDataset, personRecord(300), inletId)).status, 200, 'B knows the inlet');
    // A deletes the connection row in a transaction it holds open; B's write, already past its inlet check, waits on it.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let deleted!: () => void;
    const rowDeleted = new Promise<void>((r) => (deleted = r));
    const deleting = a.store.db.transaction(async (tx) => {
      await tx.run('DELETE FROM connections WHERE inlet_id = ?', [inletId]);
      deleted();
      await gate;
    });
    await rowDeleted;
    const inFlight = send(b, f, f.profileDataset, personRecord(301), inletId);
    try {
      const waiting = "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'";
      await eventually('B waits on the held row', async () => Number((await a.store.db.get<{ n: number }>(waiting))!.n) > 0, 15_000);
    } finally {
      // Never leave the transaction open, or closing the app would wait for it forever.
      release();
      await deleting;
    }
    assert.deepEqual(await inFlight, { status: 404, code: 'INLET_NOT_FOUND' });
    const rows = await a.store.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM fragments WHERE primary_id = 'crm-301'");
    assert.equal(Number(rows!.n), 0);
  });

  it('drops in B everything of a sandbox reset in A', async () => {
    await a.app.inject({ method: 'POST', url: SANDBOXES, headers: f.headers, payload: { name: 'resetme', title: 'Reset me', type: 'development' } });
    const dev = await ingestFixture(a, ORG, 'resetme');
    assert.equal((await send(b, dev, dev.profileDataset, personRecord(5))).status, 200);

    assert.equal((await a.app.inject({ method: 'PUT', url: `${SANDBOXES}/resetme`, headers: f.headers, payload: { action: 'reset' } })).statusCode, 200);
    await eventually('B refuses the reset sandbox\'s inlet', async () => (await send(b, dev, dev.profileDataset, personRecord(6))).status === 404);
    assert.equal((await b.app.inject({ url: `${DATASETS}/${dev.profileDataset}`, headers: dev.headers })).statusCode, 404);
    // The sandbox answers from a fresh tenant key at once; the purge job removes the retired key's rows.
    await a.app.services.jobs.drain();
    assert.deepEqual(await a.store.db.all('SELECT dataset_id FROM fragments WHERE tenant_id = ?', [dev.tenantId]), []);
  });

  it('refuses in B a sandbox deleted in A', async () => {
    await a.app.inject({ method: 'POST', url: SANDBOXES, headers: f.headers, payload: { name: 'gone', title: 'Gone', type: 'development' } });
    const headers = { ...f.headers, 'x-sandbox-name': 'gone' };
    assert.equal((await b.app.inject({ url: `${SANDBOXES}/gone`, headers: f.headers })).statusCode, 200);
    assert.equal((await b.app.inject({ url: DATASETS, headers })).statusCode, 200);

    assert.equal((await a.app.inject({ method: 'DELETE', url: `${SANDBOXES}/gone`, headers: f.headers })).statusCode, 200);
    await eventually('B no longer finds the sandbox', async () => (await b.app.inject({ url: `${SANDBOXES}/gone`, headers: f.headers })).statusCode === 404);
    const list = await b.app.inject({ url: DATASETS, headers });
    assert.equal(list.statusCode, 404);
    assert.equal(list.json().code, 'SANDBOX_NOT_FOUND');
  });

  it('accepts in B records of a namespace created in A', async () => {
    const entity = personRecord(7, { identityMap: { Member: [{ id: 'm-7', primary: true }] } });
    const before = await send(b, f, f.profileDataset, entity);
    assert.equal(before.status, 400, 'B refuses the namespace before it exists');

    const created = await a.app.inject({ method: 'POST', url: '/data/core/idnamespace/identities', headers: f.headers, payload: { name: 'Member', code: 'Member', idType: 'Cross_device' } });
    assert.equal(created.statusCode, 200, created.body);
    await eventually('B accepts the new namespace', async () => (await send(b, f, f.profileDataset, entity)).status === 200);
  });

  it('uses in B the default and named merge policies as A sets, changes and deletes them', async () => {
    assert.equal((await send(b, f, f.profileDataset, personRecord(8))).status, 200);
    const policyOf = async () => {
      const res = await b.app.inject({ url: `${ENTITIES}?schema.name=_xdm.context.profile&entityId=crm-8&entityIdNS=CRMID`, headers: f.headers });
      assert.equal(res.statusCode, 200, res.body);
      return (Object.values(res.json())[0] as { mergePolicy: { id: string } }).mergePolicy.id;
    };
    assert.equal(await policyOf(), 'none');

    const created = await a.app.inject({
      method: 'POST',
      url: '/data/core/ups/config/mergePolicies',
      headers: f.headers,
      payload: JSON.stringify({ name: 'stitched', schema: { name: '_xdm.context.profile' }, identityGraph: { type: 'pdg' }, attributeMerge: { type: 'timestampOrdered' }, default: true }),
    });
    assert.equal(created.statusCode, 200, created.body);
    const id = created.json().id as string;
    await eventually('B reads with the new default', async () => (await policyOf()) === id);

    // Named on the read (mergePolicyId), the policy is cached too, and follows A's changes: pdg finds the person by
    // email, `none` only by the fragment's own primary identity, and a deleted policy is no policy.
    const byEmail = async () => (await b.app.inject({ url: `${ENTITIES}?schema.name=_xdm.context.profile&entityId=person8@example.com&entityIdNS=Email&mergePolicyId=${id}`, headers: f.headers })).statusCode;
    assert.equal(await byEmail(), 200);
    const patched = await a.app.inject({ method: 'PATCH', url: `/data/core/ups/config/mergePolicies/${id}`, headers: f.headers, payload: JSON.stringify([{ op: 'add', path: '/identityGraph.type', value: 'none' }]) });
    assert.equal(patched.statusCode, 200, patched.body);
    await eventually('B reads the named policy at its new version', async () => (await byEmail()) === 404);

    assert.equal((await a.app.inject({ method: 'DELETE', url: `/data/core/ups/config/mergePolicies/${id}`, headers: f.headers })).statusCode, 200);
    await eventually('B no longer reads with the deleted default', async () => (await policyOf()) === 'none');
    const gone = await b.app.inject({ url: `${ENTITIES}?schema.name=_xdm.context.profile&entityId=crm-8&entityIdNS=CRMID&mergePolicyId=${id}`, headers: f.headers });
    assert.equal(gone.json().code, 'MERGE_POLICY_NOT_FOUND');
  });

  it('validates in B against a schema changed in A', async () => {
    const entity = personRecord(9, { _acme: { loyaltyId: 'L9', nickname: 'Nine' } });
    const refused = await send(b, f, f.profileDataset, entity);
    assert.equal(refused.status, 400, 'B refuses a field the schema does not have');

    const patched = await a.app.inject({
      method: 'PATCH',
      url: `/data/foundation/schemaregistry/tenant/schemas/${encodeURIComponent(PROFILE_SCHEMA_ID)}`,
      headers: { ...f.headers, 'content-type': 'application/json' },
      payload: JSON.stringify([{ op: 'add', path: '/allOf/5/properties/_acme/properties/nickname', value: { type: 'string' } }]),
    });
    assert.equal(patched.statusCode, 200, patched.body);
    await eventually('B accepts the new field', async () => (await send(b, f, f.profileDataset, entity)).status === 200);
  });
});
