/** Computed-attribute test helpers: a schema with alpha fields, definitions made through the API, values read back with withCA. */
import assert from 'node:assert/strict';
import type { TestApp } from './app.js';
import { type IngestFixture, seedSchema, tenantSchema } from './fixtures.js';

export const CA = '/data/core/ca/attributes';
export const ALPHA = '/data/core/ups/config/computedAttributes';

/** A second profile schema of the union with tenant fields for alpha definitions to write. */
export function summarySchema(): Record<string, unknown> {
  return tenantSchema('summary', 'ACME purchase summary', 'https://ns.adobe.com/xdm/context/profile', [
    { $ref: 'https://ns.adobe.com/xdm/context/profile' },
    { $ref: 'https://ns.adobe.com/xdm/context/profile-person-details' },
    {
      properties: {
        _acme: {
          type: 'object',
          properties: {
            birthdayCurrentMonth: { type: 'boolean' },
            purchaseSummary: { type: 'object', properties: { totalSpend: { type: 'number' }, countPurchases: { type: 'integer' }, averageSpend: { type: 'number' }, bigSpender: { type: 'boolean' } } },
          },
        },
      },
    },
  ]);
}

/** Seeds the summary schema into the fixture's sandbox. */
export async function seedSummarySchema(t: TestApp, f: IngestFixture): Promise<void> {
  await seedSchema(t, f.tenantId, summarySchema());
}

/** Creates a current-API definition (NEW unless said otherwise); returns its id. */
export async function createCa(t: TestApp, f: IngestFixture, name: string, expression: string, duration: { count: number; unit: string }, status = 'NEW'): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: CA,
    headers: f.headers,
    payload: { name, displayName: name, description: `${name} of the case table`, expression: { type: 'PQL', format: 'pql/text', value: expression }, duration, status },
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().id as string;
}

/** Creates an alpha definition writing `path.name`; returns its id. */
export async function createAlpha(t: TestApp, f: IngestFixture, path: string, name: string, expression: string): Promise<string> {
  const res = await t.app.inject({ method: 'POST', url: ALPHA, headers: f.headers, payload: { name, path, description: name, expression: { type: 'PQL', format: 'pql/text', value: expression }, schema: { name: '_xdm.context.profile' } } });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().id as string;
}

/** The person's entity with computed attributes, through GET /access/entities?withCA=true. */
export async function entityWithCa(t: TestApp, headers: Record<string, string>, ns: string, id: string): Promise<Record<string, any>> {
  const res = await t.app.inject({ url: `/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=${encodeURIComponent(id)}&entityIdNS=${ns}&withCA=true`, headers });
  assert.equal(res.statusCode, 200, res.body);
  return Object.values(res.json() as Record<string, any>)[0].entity as Record<string, any>;
}

/** `_acme.SystemComputedAttributes` of a person: name → `{value, timestamp?}`, each value unwrapped for comparison. */
export async function caValues(t: TestApp, headers: Record<string, string>, ns: string, id: string): Promise<Record<string, unknown>> {
  const entity = await entityWithCa(t, headers, ns, id);
  const held = (entity._acme?.SystemComputedAttributes ?? {}) as Record<string, { value: unknown; timestamp?: string }>;
  return Object.fromEntries(Object.entries(held).map(([k, v]) => [k, v.timestamp === undefined ? v.value : { value: v.value, timestamp: v.timestamp }]));
}
