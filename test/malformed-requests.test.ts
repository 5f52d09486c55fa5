/** A corpus of malformed and hostile requests against every route, on both stores: each gets a 4xx JSON error, never a 500. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import { STORE_KINDS, type TestApp, startTestApp } from './support/app.js';

const ORG = 'MAL@AdobeOrg';

const PARAM_VALUES = ['x', '%00', 'a%00b', '__proto__', 'constructor', 'a'.repeat(3000), '..%2F..%2Fetc', '%F0%9F%92%A5', "'%3B%20DROP%20TABLE%20sandboxes%3B--", '%ZZ'];
const QUERIES = [
  '', '?limit=abc', '?limit=-1', '?limit=99999999999999999999', '?offset=x&limit=', '?start=%ZZ', '?orderby=;;', '?limit=1&limit=2',
  '?start=99999999999999999999', '?start=1e20', '?start=9223372036854775807', '?offset=9223372036854775807', '?limit=9223372036854775807',
  '?startTime=1e20&endTime=-1', '?version=99999999999999999999', '?start=a%00', '?fields=__proto__.polluted', '?fields=a.constructor.prototype', '?property=__proto__.polluted=1', '?property=a=%25ZZ',
];
const deep = '['.repeat(20_000) + ']'.repeat(20_000);
const BODIES: Array<{ type?: string; payload: string | Buffer }> = [
  { payload: '{"name":"x"}' },
  { type: 'text/plain', payload: 'hello' },
  { type: 'application/json', payload: '' },
  { type: 'application/json', payload: '{' },
  { type: 'application/json', payload: '[]' },
  { type: 'application/json', payload: 'null' },
  { type: 'application/json', payload: '"str"' },
  { type: 'application/json', payload: '123' },
  { type: 'application/json', payload: '{"__proto__":{"polluted":1}}' },
  { type: 'application/json', payload: '{"constructor":{"prototype":{"polluted":1}}}' },
  { type: 'application/json', payload: deep },
  { type: 'application/json', payload: '{"name":"x","\\u005f_proto__":{"polluted":1}}' },
  { type: 'application/json', payload: '{"name":"x","a":{"prototype":{"polluted":1}}}' },
  { type: 'application/json', payload: `{"name":"x","title":"t","nested":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}` },
  { type: 'application/json', payload: '{"name":"a\\u0000b","title":"t\\u0000","type":"development","id":"x\\u0000"}' },
  { type: 'application/json', payload: '[{"op":"copy","from":"","path":"/a"},{"op":"add","path":"/__proto__/polluted","value":1}]' },
  { type: 'application/json', payload: `{"messages":[${'{"header":{"datasetId":"x"},"body":{"xdmEntity":'.repeat(1)}${'{"a":'.repeat(10_000)}1${'}'.repeat(10_002)}]}` },
  { type: 'application/json', payload: `{"name":"${'x'.repeat(1_100_000)}"}` },
  { type: 'application/json', payload: '{"name":1,"title":[],"type":{},"action":null}' },
  { type: 'application/json', payload: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) },
  { type: 'application/json; charset=utf-16', payload: '{}' },
  { type: 'multipart/form-data; boundary=x', payload: '--x--' },
  { type: 'nonsense', payload: '{}' },
];
const SANDBOX_HEADERS = ['UPPER', '../etc', 'a'.repeat(300), '', ' prod '];

function fill(url: string, value: string): string {
  return url.replace(/:[A-Za-z]+/g, value).replace(/\*/g, value);
}

for (const kind of STORE_KINDS) describe(`malformed-request corpus (${kind})`, () => {
  let t: TestApp;
  let headers: Record<string, string>;
  let sent = 0;
  before(async () => {
    t = await startTestApp(kind);
    headers = await t.headers(ORG);
  });
  after(() => t.close());

  async function expect4xx(options: InjectOptions, label: string) {
    sent++;
    const res = await t.app.inject(options);
    assert.ok(res.statusCode >= 400 && res.statusCode < 500 || res.statusCode < 300, `${label}: got ${res.statusCode} ${res.body.slice(0, 200)}`);
    if (res.statusCode >= 400) {
      const body = res.json();
      assert.ok(typeof (body.detail ?? body.message ?? body.error_code) === 'string', `${label}: error names nothing: ${res.body.slice(0, 200)}`);
    }
    return res.statusCode;
  }

  it('answers every route with a 4xx (or a success) for every malformed input, and leaves Object.prototype alone', async (ctx) => {
    const routes = t.app.routeTable.filter((r) => r.url.startsWith('/data/') || r.url.startsWith('/collection/'));
    assert.ok(routes.length >= 6, 'the corpus walks the registered routes');
    let refused = 0;
    for (const route of routes) {
      const method = route.method as InjectOptions['method'];
      for (const value of PARAM_VALUES) {
        for (const query of QUERIES) {
          const status = await expect4xx({ method, url: fill(route.url, value) + query, headers }, `${route.method} ${route.url} ${value.slice(0, 20)} ${query}`);
          if (status >= 400) refused++;
        }
      }
      if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
        for (const body of BODIES) {
          const h: Record<string, string> = { ...headers };
          if (body.type) h['content-type'] = body.type;
          const status = await expect4xx({ method, url: fill(route.url, 'x'), headers: h, payload: body.payload }, `${route.method} ${route.url} body ${String(body.payload).slice(0, 30)}`);
          assert.ok(status >= 400, `${route.method} ${route.url} accepted a malformed body: ${String(body.payload).slice(0, 40)}`);
          refused++;
        }
      }
      for (const sandbox of SANDBOX_HEADERS) {
        await expect4xx({ method, url: fill(route.url, 'x'), headers: { ...headers, 'x-sandbox-name': sandbox } }, `${route.url} sandbox ${sandbox.slice(0, 20)}`);
      }
      for (const broken of [{}, { authorization: 'Bearer' }, { ...headers, authorization: 'Bearer ' + 'a'.repeat(20_000) }]) {
        assert.ok((await expect4xx({ method, url: fill(route.url, 'x'), headers: broken }, `${route.url} auth`)) >= 400);
      }
    }
    assert.ok(refused > 100);
    assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).filter((n) => n === 'polluted'), []);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    ctx.diagnostic(`${kind}: ${sent} requests over ${routes.length} routes, ${refused} refused, none answered 5xx`);
  });

  it('says where malformed JSON breaks, and that Content-Type is required', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/data/foundation/sandbox-management/sandboxes', headers: { ...headers, 'content-type': 'application/json' }, payload: '{"name": "a",\n "title": }' });
    assert.equal(res.statusCode, 400);
    assert.match(res.json().detail, /^Malformed JSON at line 2, column 11/);
    const noType = await t.app.inject({ method: 'POST', url: '/data/foundation/sandbox-management/sandboxes', headers, payload: '{}' });
    assert.deepEqual(noType.json(), { type: '/placeholder/type/uri', status: 400, title: 'BadRequestError', detail: 'A valid content-type must be specified', code: 'CONTENT_TYPE_MISSING' });
  });

  it('answers 413 for a body over the limit and 404 for an unknown route', async () => {
    const big = await t.app.inject({ method: 'POST', url: '/data/foundation/sandbox-management/sandboxes', headers: { ...headers, 'content-type': 'application/json' }, payload: `{"name":"${'x'.repeat(1_100_000)}"}` });
    assert.equal(big.statusCode, 413);
    assert.equal(big.json().code, 'BODY_TOO_LARGE');
    const unknown = await t.app.inject({ method: 'GET', url: '/data/core/nothing-here', headers });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().code, 'ROUTE_NOT_FOUND');
  });
});
