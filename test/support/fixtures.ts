/** Shared fixtures: a Profile-enabled person schema, an event schema, datasets and an inlet, made the way clients do. */
import type { TestApp } from './app.js';

export const PROFILE_SCHEMA_ID = 'https://ns.adobe.com/acme/schemas/person';
export const EVENT_SCHEMA_ID = 'https://ns.adobe.com/acme/schemas/events';

/** A tenant schema of the `_acme` namespace, in the union, of `classId`, composed of `allOf`. */
export function tenantSchema(name: string, title: string, classId: string, allOf: unknown[]): Record<string, unknown> {
  return {
    $id: `https://ns.adobe.com/acme/schemas/${name}`,
    'meta:altId': `_acme.schemas.${name}`,
    'meta:resourceType': 'schemas',
    title,
    type: 'object',
    'meta:class': classId,
    'meta:immutableTags': ['union'],
    'meta:tenantNamespace': '_acme',
    version: '1.0',
    allOf,
  };
}

/** A tenant profile schema: the profile class with person, contact and identityMap field groups and `_acme` fields. */
export function profileSchema(): Record<string, unknown> {
  return tenantSchema('person', 'ACME person', 'https://ns.adobe.com/xdm/context/profile', [
    { $ref: 'https://ns.adobe.com/xdm/context/profile' },
    { $ref: 'https://ns.adobe.com/xdm/context/profile-person-details' },
    { $ref: 'https://ns.adobe.com/xdm/context/profile-personal-details' },
    { $ref: 'https://ns.adobe.com/xdm/context/identitymap' },
    { $ref: 'https://ns.adobe.com/xdm/common/external-source-system-audit-details' },
    { properties: { _acme: { type: 'object', properties: { loyaltyId: { type: 'string' }, tier: { type: 'string' }, points: { type: 'integer' } } } } },
  ]);
}

/** A tenant ExperienceEvent schema with identityMap, commerce and web details. */
export function eventSchema(): Record<string, unknown> {
  return tenantSchema('events', 'ACME events', 'https://ns.adobe.com/xdm/context/experienceevent', [
    { $ref: 'https://ns.adobe.com/xdm/context/experienceevent' },
    { $ref: 'https://ns.adobe.com/xdm/context/identitymap' },
    { $ref: 'https://ns.adobe.com/xdm/context/experienceevent-commerce' },
    { $ref: 'https://ns.adobe.com/xdm/context/experienceevent-web' },
  ]);
}

/** Stores a tenant schema as the Schema Registry does (row per resource). */
export async function seedSchema(t: TestApp, tenantId: number, schema: Record<string, unknown>): Promise<void> {
  const now = Date.now();
  await t.store.db.run(
    `INSERT INTO xdm_resources (tenant_id, id, alt_id, kind, title, version, body, created_at, modified_at)
     VALUES (?, ?, ?, 'schemas', ?, '1.0', ?, ?, ?)`,
    [tenantId, String(schema.$id), String(schema['meta:altId']), String(schema.title), JSON.stringify(schema), now, now],
  );
  t.app.schemasChanged(tenantId);
}

/** What a sandbox ready for ingestion holds. */
export interface IngestFixture {
  readonly headers: Record<string, string>;
  readonly tenantId: number;
  readonly profileDataset: string;
  readonly eventDataset: string;
  readonly inletId: string;
}

/** Creates the schemas, a Profile-enabled record dataset and event dataset, and an authenticated inlet. */
export async function ingestFixture(t: TestApp, org: string, sandbox = 'prod'): Promise<IngestFixture> {
  const headers = { ...(await t.headers(org, sandbox)), 'content-type': 'application/json' };
  const list = await t.app.inject({ url: '/data/foundation/sandbox-management/sandboxes/' + sandbox, headers });
  if (list.statusCode !== 200) throw new Error(`sandbox ${sandbox}: ${list.body}`);
  const tenantId = (await t.store.db.get<{ tenant_id: number }>('SELECT tenant_id FROM sandboxes WHERE org_id = ? AND name = ?', [org, sandbox]))!.tenant_id;
  await seedSchema(t, Number(tenantId), profileSchema());
  await seedSchema(t, Number(tenantId), eventSchema());
  const dataset = async (name: string, schemaId: string) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/data/foundation/catalog/dataSets',
      headers,
      payload: { name, schemaRef: { id: schemaId, contentType: 'application/vnd.adobe.xed-full+json;version=1' }, tags: { unifiedProfile: ['enabled:true'], unifiedIdentity: ['enabled:true'] } },
    });
    if (res.statusCode !== 201) throw new Error(`dataset: ${res.body}`);
    return (res.json() as string[])[0]!.replace('@/dataSets/', '');
  };
  const profileDataset = await dataset('CRM', PROFILE_SCHEMA_ID);
  const eventDataset = await dataset('Web events', EVENT_SCHEMA_ID);
  const conn = await t.app.inject({
    method: 'POST',
    url: '/data/foundation/flowservice/connections',
    headers,
    payload: {
      name: 'ACME stream',
      connectionSpec: { id: 'bc7b00d6-623a-4dfc-9fdb-f1240aeadfd3', version: '1.0' },
      auth: { specName: 'Streaming Connection', params: { name: 'ACME stream', sourceId: 'acme', dataType: 'xdm', authenticationRequired: true } },
    },
  });
  if (conn.statusCode !== 201) throw new Error(`connection: ${conn.body}`);
  const got = await t.app.inject({ url: `/data/foundation/flowservice/connections/${conn.json().id}`, headers });
  return { headers, tenantId: Number(tenantId), profileDataset, eventDataset, inletId: got.json().items[0].auth.params.inletId };
}

/** Creates one more Profile- and Identity-enabled record dataset of the person schema; returns its id. */
export async function createProfileDataset(t: TestApp, f: IngestFixture, name: string): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/data/foundation/catalog/dataSets',
    headers: f.headers,
    payload: { name, schemaRef: { id: PROFILE_SCHEMA_ID }, tags: { unifiedProfile: ['enabled:true'], unifiedIdentity: ['enabled:true'] } },
  });
  if (res.statusCode !== 201) throw new Error(`dataset: ${res.body}`);
  return (res.json() as string[])[0]!.replace('@/dataSets/', '');
}

/** Makes a pdg, timestampOrdered merge policy the sandbox's default (so its profiles are kept materialized). */
export async function createDefaultPolicy(t: TestApp, f: IngestFixture): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/data/core/ups/config/mergePolicies',
    headers: f.headers,
    payload: JSON.stringify({ name: 'default', schema: { name: '_xdm.context.profile' }, identityGraph: { type: 'pdg' }, attributeMerge: { type: 'timestampOrdered' }, default: true }),
  });
  if (res.statusCode !== 200) throw new Error(`merge policy: ${res.body}`);
  return res.json().id as string;
}

/** A person record with an email, a CRM id as primary, and loyalty fields. */
export function personRecord(n: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    identityMap: {
      CRMID: [{ id: `crm-${n}`, primary: true }],
      Email: [{ id: `person${n}@example.com` }],
    },
    person: { name: { firstName: `First${n}`, lastName: `Last${n}` } },
    personalEmail: { address: `person${n}@example.com` },
    _acme: { loyaltyId: `L${n}`, tier: 'gold', points: n },
    ...overrides,
  };
}

/** An ExperienceEvent for a person, keyed by ECID-less CRM id. */
export function eventRecord(n: number, id: string, timestamp: string): Record<string, unknown> {
  return {
    _id: id,
    timestamp,
    eventType: 'commerce.purchases',
    identityMap: { CRMID: [{ id: `crm-${n}`, primary: true }] },
    commerce: { order: { priceTotal: 10 + n, currencyCode: 'USD' }, purchases: { value: 1 } },
  };
}

/** Streams one record through the fixture's inlet, as a client does; throws unless it is acknowledged. */
export async function streamRecord(t: TestApp, f: IngestFixture, org: string, datasetId: string, schemaId: string, entity: Record<string, unknown>): Promise<void> {
  const res = await t.app.inject({ method: 'POST', url: `/collection/${f.inletId}`, headers: f.headers, payload: envelope(datasetId, schemaId, entity, org) });
  if (res.statusCode !== 200) throw new Error(`stream: ${res.statusCode} ${res.body}`);
}

/** Wraps a record in AEP's streaming envelope. */
export function envelope(datasetId: string, schemaId: string, entity: Record<string, unknown>, org: string): Record<string, unknown> {
  const schemaRef = { id: schemaId, contentType: 'application/vnd.adobe.xed-full+json;version=1' };
  return { header: { schemaRef, imsOrgId: org, datasetId, flowId: 'flow-1', source: { name: 'test' } }, body: { xdmMeta: { schemaRef }, xdmEntity: entity } };
}
