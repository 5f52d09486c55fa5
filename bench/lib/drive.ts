/** The load generator, run as its own process: drives the server with autocannon and prints one JSON result line. */
import autocannon from 'autocannon';
import { person } from '../../src/cli/demo/people.js';

/** What to send. */
export interface DriveConfig {
  url: string;
  connections: number;
  duration?: number;
  amount?: number;
  headers: Record<string, string>;
  kind: 'lookup' | 'events' | 'ingest' | 'get';
  /** lookup/events: people 1..people; ingest: messages per request, the inlet, datasets and schema. */
  people?: number;
  path?: string;
  perRequest?: number;
  inletId?: string;
  datasetId?: string;
  schemaId?: string;
  org?: string;
  runId?: string;
}

const NAMESPACES = ['email', 'CRMID', 'Phone', 'ECID'] as const;

function identityOf(n: number, which: number): [string, string] {
  const p = person(n);
  const ns = NAMESPACES[which % 4]!;
  const id = ns === 'email' ? p.email : ns === 'CRMID' ? p.crmId : ns === 'Phone' ? p.phone : p.ecid;
  return [encodeURIComponent(id), ns];
}

const config = JSON.parse(process.argv[2]!) as DriveConfig;
let seq = 0;
/** When this load began: streamed events are stamped within the day before it. */
const streamStart = Date.now();

function setupRequest(req: { method?: string; path?: string; body?: string | Buffer }): typeof req {
  const n = 1 + Math.floor(Math.random() * (config.people ?? 1));
  if (config.kind === 'lookup') {
    const [id, ns] = identityOf(n, Math.floor(Math.random() * 4));
    return { ...req, method: 'GET', path: `/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=${id}&entityIdNS=${ns}` };
  }
  if (config.kind === 'events') {
    const [id, ns] = identityOf(n, Math.floor(Math.random() * 4));
    return { ...req, method: 'GET', path: `/data/core/ups/access/entities?schema.name=_xdm.context.experienceevent&relatedSchema.name=_xdm.context.profile&relatedEntityId=${id}&relatedEntityIdNS=${ns}&limit=100` };
  }
  if (config.kind === 'get') return { ...req, method: 'GET', path: config.path!.replace('{n}', String(n)) };
  const schemaRef = { id: config.schemaId, contentType: 'application/vnd.adobe.xed-full+json;version=1' };
  const messages = [];
  for (let i = 0; i < config.perRequest!; i++) {
    const k = seq++;
    const p = person(1 + (k % 1_000_000));
    // ~1 KB events with 2–3 identities each, all distinct, so every acknowledged one must be readable after.
    const entity = {
      _id: `${config.runId}-${k}`,
      // Within the last day, as streamed events are: lookback windows (computed attributes, segments) hold them.
      timestamp: new Date(streamStart - (k % 86_400_000)).toISOString(),
      eventType: k % 5 === 0 ? 'commerce.purchases' : 'web.webpagedetails.pageViews',
      identityMap: k % 3 === 0 ? { ECID: [{ id: p.ecid, primary: true }], Email: [{ id: p.email }], CRMID: [{ id: p.crmId }] } : { ECID: [{ id: p.ecid, primary: true }], Email: [{ id: p.email }] },
      web: { webPageDetails: { name: `page-${k % 97}`, URL: `https://shop.example.com/catalog/item/${k % 5000}?campaign=autumn-sale&ref=newsletter-${k % 13}` } },
      commerce: { order: { priceTotal: (k % 10_000) / 100, currencyCode: 'USD' }, purchases: { value: 1 } },
    };
    messages.push({ header: { schemaRef, imsOrgId: config.org, datasetId: config.datasetId, flowId: 'bench' }, body: { xdmMeta: { schemaRef }, xdmEntity: entity } });
  }
  return { ...req, method: 'POST', path: `/collection/batch/${config.inletId}`, body: JSON.stringify({ messages }) };
}

// autocannon notices the end of an `amount` run only at its next 1 s sample tick and reports that as the duration,
// so a fixed count is timed here: from the start to the last answer.
const started = performance.now();
let lastAnswer = started;
const result = await new Promise<autocannon.Result>((resolve, reject) => {
  const options = {
    url: config.url,
    connections: config.connections,
    ...(config.amount ? { amount: config.amount } : { duration: config.duration ?? 5 }),
    headers: { ...config.headers, 'content-type': 'application/json' },
    requests: [{ setupRequest } as never],
    timeout: 30,
  };
  const instance = autocannon(options, (err, done) => (err ? reject(err) : resolve(done)));
  instance.on('response', () => {
    lastAnswer = performance.now();
  });
});
process.stdout.write(
  JSON.stringify({
    requestsPerSecond: result.requests.average,
    total: result.requests.total,
    duration: result.duration,
    seconds: (lastAnswer - started) / 1000,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    status2xx: result['2xx'],
  }) + '\n',
);
