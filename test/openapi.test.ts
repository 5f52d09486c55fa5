/** The OpenAPI document: every route in it, well-formed (refs, responses, path parameters, schemas), and true to the answers. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { type TestApp, startTestApp } from './support/app.js';
import { EVENT_SCHEMA_ID, envelope, eventRecord, ingestFixture } from './support/fixtures.js';

type Json = Record<string, unknown>;
type Operation = { parameters?: Json[]; responses?: Record<string, Json>; security?: unknown[]; requestBody?: Json };

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const ORG = 'OPENAPI@AdobeOrg';
const EVENTS_ORG = 'OPENAPI-EVENTS@AdobeOrg';

/** Follows a local JSON pointer (`#/components/schemas/x`), or answers undefined. */
function resolvePointer(doc: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !(key in node)) return undefined;
    node = (node as Json)[key];
  }
  return node;
}

/** A copy of `schema` with every local $ref replaced by its target, so Ajv can compile it on its own. */
function inline(doc: unknown, schema: unknown): unknown {
  if (schema === null || typeof schema !== 'object') return schema;
  if (Array.isArray(schema)) return schema.map((s) => inline(doc, s));
  const ref = (schema as Json).$ref;
  if (typeof ref === 'string') return inline(doc, resolvePointer(doc, ref));
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, inline(doc, v)]));
}

function* walk(node: unknown, path = '#'): Generator<[string, Json]> {
  if (node === null || typeof node !== 'object') return;
  yield [path, node as Json];
  for (const [k, v] of Object.entries(node)) yield* walk(v, `${path}/${k}`);
}

function operations(doc: Json): Array<[string, string, Operation]> {
  const out: Array<[string, string, Operation]> = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
    for (const [method, op] of Object.entries(item)) if (METHODS.includes(method)) out.push([path, method, op as Operation]);
  }
  return out;
}

describe('OpenAPI document', () => {
  let t: TestApp;
  let doc: Json;
  before(async () => {
    t = await startTestApp('sqlite');
    const res = await t.app.inject({ url: '/openapi.json' });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    doc = res.json();
  });
  after(() => t.close());

  it('is OpenAPI 3 with the AEP credentials as security schemes, required by default', () => {
    assert.match(String(doc.openapi), /^3\./);
    const info = doc.info as Json;
    assert.equal(info.title, 'realtime-profile');
    assert.equal(typeof info.version, 'string');
    const schemes = (doc.components as Json).securitySchemes as Record<string, Json>;
    assert.deepEqual(schemes.bearerAuth, { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Access token (`rtprofile token`)' });
    assert.equal(schemes.apiKey!.name, 'x-api-key');
    assert.equal(schemes.imsOrg!.name, 'x-gw-ims-org-id');
    assert.deepEqual(doc.security, [{ bearerAuth: [], apiKey: [], imsOrg: [] }]);
  });

  it('holds every registered route, with Fastify :params as {params}', () => {
    assert.ok(t.app.routeTable.length > 50);
    for (const { method, url } of t.app.routeTable) {
      const path = url.replace(/:([A-Za-z_]\w*)/g, '{$1}');
      const item = (doc.paths as Record<string, Json>)[path];
      assert.ok(item?.[method.toLowerCase()], `${method} ${path} is missing from the document`);
    }
    assert.equal(operations(doc).length, t.app.routeTable.length, 'the document holds an operation per route and no more');
  });

  it('resolves every $ref', () => {
    let refs = 0;
    for (const [where, node] of walk(doc)) {
      if (typeof node.$ref !== 'string') continue;
      refs++;
      assert.notEqual(resolvePointer(doc, node.$ref), undefined, `${where}: $ref ${node.$ref} does not resolve`);
    }
    assert.ok(refs >= 30, 'the error shape is one shared component that the routes refer to');
    assert.ok(((doc.components as Json).schemas as Json).Problem);
  });

  it('gives every operation described responses, its path parameters, and the sandbox header where a sandbox applies', () => {
    for (const [path, method, op] of operations(doc)) {
      const where = `${method.toUpperCase()} ${path}`;
      const responses = Object.entries(op.responses ?? {});
      assert.ok(responses.length > 0, `${where} has no responses`);
      for (const [status, response] of responses) {
        assert.match(status, /^([1-5]XX|[1-5]\d\d|default)$/, `${where}: response key ${status}`);
        assert.equal(typeof response.description, 'string', `${where} ${status} has no description`);
      }
      const params = op.parameters ?? [];
      const seen = new Set(params.map((p) => `${String(p.in)}:${String(p.name)}`));
      assert.equal(seen.size, params.length, `${where} repeats a parameter`);
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const inPath = params.filter((p) => p.in === 'path');
      assert.deepEqual(inPath.map((p) => p.name).sort(), [...templated].sort(), `${where}: path parameters`);
      for (const p of inPath) assert.equal(p.required, true, `${where}: path parameter ${String(p.name)} must be required`);
      const open = Array.isArray(op.security) && op.security.length === 0;
      const sandboxHeader = params.some((p) => p.in === 'header' && p.name === 'x-sandbox-name');
      const inlet = /^(\/data\/foundation\/import)?\/collection\//.test(path);
      if (path.startsWith('/data/') && !path.startsWith('/data/foundation/sandbox-management') && !inlet) assert.ok(sandboxHeader && !open, `${where} needs credentials and the sandbox header`);
      if (['/health', '/ready', '/openapi.json', '/metrics'].includes(path)) assert.ok(open, `${where} needs no credentials`);
      if (inlet) assert.deepEqual(op.security, [{}, { bearerAuth: [], apiKey: [], imsOrg: [] }], `${where}: credentials as the inlet requires`);
    }
  });

  it('holds only well-formed JSON Schemas (each compiles under JSON Schema 2020-12, as OpenAPI 3.1 uses)', () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    let compiled = 0;
    for (const [path, method, op] of operations(doc)) {
      const schemas = [
        ...(op.parameters ?? []).map((p) => p.schema),
        ...Object.values((op.requestBody?.content ?? {}) as Record<string, Json>).map((c) => c.schema),
        ...Object.values(op.responses ?? {}).flatMap((r) => Object.values((r.content ?? {}) as Record<string, Json>).map((c) => c.schema)),
      ];
      for (const schema of schemas) {
        if (schema === undefined) continue;
        assert.doesNotThrow(() => ajv.compile(inline(doc, schema) as Json), `${method.toUpperCase()} ${path}`);
        compiled++;
      }
    }
    assert.ok(compiled > 100);
  });

  it('describes the 2xx answers and the error shape of the profile, identity and catalog routes', () => {
    const paths = doc.paths as Record<string, Record<string, Operation>>;
    const scoped = Object.entries(paths).filter(([p]) => /^\/data\/(core\/(ups|idnamespace|identity)|foundation\/(catalog|import))/.test(p));
    assert.ok(scoped.length >= 15);
    for (const [path, item] of scoped) {
      for (const [method, op] of Object.entries(item)) {
        const statuses = Object.keys(op.responses ?? {});
        assert.ok(statuses.some((s) => s.startsWith('2')), `${method} ${path}: no 2xx answer`);
        assert.ok(statuses.includes('4XX') && statuses.includes('5XX'), `${method} ${path}: no error answer`);
      }
    }
  });

  it('agrees with real answers: bodies validate against the declared schemas', async () => {
    const f = await ingestFixture(t, ORG);
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    const check = async (method: 'GET' | 'POST', url: string, docPath: string, payload?: unknown) => {
      const res = await t.app.inject({ method, url, headers: f.headers, ...(payload === undefined ? {} : { payload: payload as Json }) });
      const responses = (doc.paths as Record<string, Record<string, Operation>>)[docPath]![method.toLowerCase()]!.responses!;
      const declared = responses[String(res.statusCode)] ?? responses[`${String(res.statusCode)[0]}XX`];
      const schema = ((declared?.content as Record<string, Json> | undefined)?.['application/json'])?.schema;
      assert.ok(schema, `${method} ${url} answered ${res.statusCode}, which the document does not declare`);
      assert.ok(ajv.validate(inline(doc, schema) as Json, res.json()), `${method} ${url}: ${ajv.errorsText()}`);
      return res.statusCode;
    };
    assert.equal(await check('GET', '/data/core/idnamespace/identities', '/data/core/idnamespace/identities'), 200);
    assert.equal(await check('GET', '/data/core/idnamespace/identities/6', '/data/core/idnamespace/identities/{id}'), 200);
    assert.equal(await check('GET', `/data/foundation/catalog/dataSets/${f.profileDataset}`, '/data/foundation/catalog/dataSets/{id}'), 200);
    assert.equal(await check('GET', '/data/core/ups/config/mergePolicies', '/data/core/ups/config/mergePolicies'), 200);
    assert.equal(await check('GET', '/data/core/ups/config/mergePolicies/nope', '/data/core/ups/config/mergePolicies/{id}'), 404);
    assert.equal(await check('GET', '/data/core/identity/cluster/members?namespace=Email&id=a@example.com', '/data/core/identity/cluster/members'), 200);
    assert.equal(await check('POST', '/data/foundation/import/batches', '/data/foundation/import/batches', { datasetId: f.profileDataset }), 201);
  });

  it('leaves event pages as written: each event is the stored JSON text, byte for byte', async () => {
    const f = await ingestFixture(t, EVENTS_ORG);
    const event = {
      ...eventRecord(7, 'ev-7', '2026-03-01T10:00:00Z'),
      web: { webPageDetails: { name: 'ünïcode \u2028 and "quotes"', URL: 'https://example.com/a?b=1&c=%20' } },
      commerce: { order: { priceTotal: 1.5e-7, currencyCode: 'USD' }, purchases: { value: 1 } },
    };
    const sent = await t.app.inject({ method: 'POST', url: `/collection/${f.inletId}`, headers: f.headers, payload: envelope(f.eventDataset, EVENT_SCHEMA_ID, event, EVENTS_ORG) });
    assert.equal(sent.statusCode, 200, sent.body);
    const stored = await t.store.db.get<{ data: string }>('SELECT data FROM events WHERE tenant_id = ? AND event_id = ?', [f.tenantId, 'ev-7']);
    assert.ok(stored);
    const url = '/data/core/ups/access/entities?schema.name=_xdm.context.experienceevent&relatedSchema.name=_xdm.context.profile&relatedEntityId=crm-7&relatedEntityIdNS=CRMID';
    const page = await t.app.inject({ url, headers: f.headers });
    assert.equal(page.statusCode, 200, page.body);
    assert.ok(page.body.includes(`"entity":${stored.data},`), page.body);
    const post = await t.app.inject({
      method: 'POST',
      url: '/data/core/ups/access/entities',
      headers: f.headers,
      payload: { schema: { name: '_xdm.context.experienceevent' }, relatedSchema: { name: '_xdm.context.profile' }, identities: [{ relatedEntityId: 'crm-7', relatedEntityIdNS: { code: 'CRMID' } }] },
    });
    assert.equal(post.statusCode, 200, post.body);
    assert.ok(post.body.includes(`"entity":${stored.data},`), post.body);
  });
});
