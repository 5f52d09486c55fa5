/** Segment test helpers: definitions and jobs made through the API, membership read back through the entities API. */
import assert from 'node:assert/strict';
import type { TestApp } from './app.js';
import { type IngestFixture, tenantSchema } from './fixtures.js';
import { settle } from './wait.js';

export const DEFINITIONS = '/data/core/ups/segment/definitions';
export const JOBS = '/data/core/ups/segment/jobs';

/** Creates a definition, streaming or batch as asked; returns its id. */
export async function createSegment(t: TestApp, headers: Record<string, string>, name: string, pql: string, streaming: boolean): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: DEFINITIONS,
    headers,
    payload: {
      name,
      expression: { type: 'PQL', format: 'pql/text', value: pql },
      schema: { name: '_xdm.context.profile' },
      evaluationInfo: { batch: { enabled: !streaming }, continuous: { enabled: streaming }, synchronous: { enabled: false } },
    },
  });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().evaluationInfo.continuous.enabled, streaming, res.body);
  return res.json().id as string;
}

/** Queues a segment job over `ids`; returns the job's id. */
export async function createSegmentJob(t: TestApp, headers: Record<string, string>, ids: readonly string[]): Promise<string> {
  const res = await t.app.inject({ method: 'POST', url: JOBS, headers, payload: ids.map((segmentId) => ({ segmentId })) });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().id as string;
}

/** The person's `segmentMembership.ups` through GET /access/entities: segment id → status. */
export async function membershipOf(t: TestApp, headers: Record<string, string>, ns: string, id: string): Promise<Record<string, string>> {
  const res = await t.app.inject({ url: `/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=${encodeURIComponent(id)}&entityIdNS=${ns}`, headers });
  if (res.statusCode === 404) return {};
  assert.equal(res.statusCode, 200, res.body);
  const entity = Object.values(res.json() as Record<string, any>)[0].entity as Record<string, any>;
  const ups = (entity.segmentMembership?.ups ?? {}) as Record<string, { status: string; lastQualificationTime: string }>;
  for (const m of Object.values(ups)) assert.match(m.lastQualificationTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  return Object.fromEntries(Object.entries(ups).map(([k, v]) => [k, v.status]));
}

export const WORK_SCHEMA_ID = 'https://ns.adobe.com/acme/schemas/work';

/** A Profile-enabled dataset of the work schema (seed the schema first); returns its id. */
export async function workDataset(t: TestApp, f: IngestFixture): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/data/foundation/catalog/dataSets',
    headers: f.headers,
    payload: { name: 'Work details', schemaRef: { id: WORK_SCHEMA_ID }, tags: { unifiedProfile: ['enabled:true'], unifiedIdentity: ['enabled:true'] } },
  });
  assert.equal(res.statusCode, 201, res.body);
  return (res.json() as string[])[0]!.replace('@/dataSets/', '');
}

/** A profile schema of the union with the work details field group (`workAddress`), which the spec's examples read. */
export function workSchema(): Record<string, unknown> {
  return tenantSchema('work', 'ACME work details', 'https://ns.adobe.com/xdm/context/profile', [
    { $ref: 'https://ns.adobe.com/xdm/context/profile' },
    { $ref: 'https://ns.adobe.com/xdm/context/profile-work-details' },
    { $ref: 'https://ns.adobe.com/xdm/context/identitymap' },
  ]);
}

/** Runs due jobs and the change feed until the segments consumer has read everything and no job is due now. */
export function settleSegments(t: TestApp): Promise<void> {
  return settle(t, ['segments'], Date.now());
}
