/** Adobe's Postman collections, run with newman as shipped (only base URL and credentials set): no 415, no 5xx. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import newman from 'newman';
import { type TestApp, startTestApp } from './support/app.js';
import { SHARED, needsShared, sharedPath } from './support/shared-files.js';

const ORG = 'POSTMAN@AdobeOrg';
const COLLECTIONS = ['Real-time Customer Profile API', 'Identity Service', 'Catalog Service API', 'Data Ingestion API', 'Schema Registry API'];

interface Sent {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly body: string;
}

type PostmanItem = { item?: PostmanItem[]; request?: { url?: unknown } };

/** Points every request at the local service: the only change to a collection as shipped, besides credentials. */
function retarget(items: PostmanItem[], port: number): void {
  for (const item of items) {
    if (item.item) retarget(item.item, port);
    const url = item.request?.url;
    if (url && typeof url === 'object') Object.assign(url, { protocol: 'http', host: ['127', '0', '0', '1'], port: String(port) });
  }
}

describe('Adobe Postman collections through newman', needsShared(SHARED.postman), () => {
  let t: TestApp;
  let port: number;
  before(async () => {
    t = await startTestApp('sqlite');
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as { port: number }).port;
  });
  after(() => t.close());

  async function run(name: string): Promise<Sent[]> {
    const collection = JSON.parse(readFileSync(join(sharedPath(SHARED.postman), `${name}.postman_collection.json`), 'utf8')) as { item: PostmanItem[] };
    retarget(collection.item, port);
    const headers = await t.headers(ORG);
    const environment = {
      values: [
        { key: 'ACCESS_TOKEN', value: headers.authorization!.slice('Bearer '.length) },
        { key: 'API_KEY', value: headers['x-api-key']! },
        { key: 'IMS_ORG', value: ORG },
        { key: 'SANDBOX_NAME', value: 'prod' },
      ],
    };
    const sent: Sent[] = [];
    await new Promise<void>((resolve, reject) => {
      newman
        .run({ collection, environment, reporters: [], timeoutRequest: 10_000 } as newman.NewmanRunOptions)
        .on('request', (err, args) => {
          if (err) return reject(new Error(`${name}: ${args.request.method} ${args.request.url.toString()}: ${err.message}`));
          sent.push({ method: args.request.method, url: args.request.url.toString(), status: args.response.code, body: args.response.stream.toString().slice(0, 200) });
        })
        .on('done', (err) => (err ? reject(err) : resolve()));
    });
    return sent;
  }

  for (const name of COLLECTIONS) {
    it(`${name}: every request answered, none with 415 or 5xx`, async (ctx) => {
      const sent = await run(name);
      assert.ok(sent.length >= 4, `${name}: newman sent ${sent.length} requests`);
      const bad = sent.filter((s) => s.status === 415 || s.status >= 500);
      assert.deepEqual(bad, [], `${name}: ${bad.map((b) => `${b.status} ${b.method} ${b.url} ${b.body}`).join('\n')}`);
      for (const s of sent.filter((x) => x.status >= 400 && x.method !== 'HEAD')) assert.doesNotThrow(() => JSON.parse(s.body.length < 200 ? s.body : '{}'), `${s.method} ${s.url}: not JSON`);
      ctx.diagnostic(`${name}: ${sent.length} requests, statuses ${[...new Set(sent.map((s) => s.status))].sort().join(' ')}`);
    });
  }
});
