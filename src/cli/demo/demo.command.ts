/** `rtprofile demo`: a demo sandbox with CRM, loyalty, web and commerce data whose identities overlap, then lookups. */
import type { Command } from 'commander';
import { Readable } from 'node:stream';
import pino from 'pino';
import { buildApp, type App } from '../../http/app.js';
import { DomainError } from '../../shared/errors.js';
import { openStore } from '../../store/index.js';
import { issueToken, loadOrCreateSecret } from '../../tenancy/index.js';
import { configFrom, withStoreOptions } from '../options.js';
import { DEFAULT_API_KEY } from '../token.command.js';
import { commerceEvents, crmRecord, loyaltyRecord, person, webEvents } from './people.js';
import { type ApiCall, CRM_FIRST_POLICY, DEFAULT_POLICY, type DemoIds, createDemoSandbox } from './setup.js';
import { type Names, eventsSummary, explainSummary, profileSummary } from './summaries.js';

const SANDBOX = 'demo';

interface DemoOptions {
  profiles: string;
  org: string;
  data?: string;
  databaseUrl?: string;
  url: string;
}

/** Registers `demo`. */
export function registerDemoCommand(program: Command): void {
  withStoreOptions(
    program
      .command('demo')
      .description('create (or reset) sandbox "demo" with overlapping CRM, loyalty, web and commerce data, and print lookups')
      .option('--profiles <n>', 'people to generate', '10000')
      .option('--org <org>', 'IMS org of the demo', 'LOCAL@AdobeOrg')
      .option('--url <base>', 'where `rtprofile serve` answers, for the printed curl lines', 'http://127.0.0.1:8080'),
  ).action(async (options: DemoOptions) => {
    const count = Number(options.profiles);
    if (!Number.isInteger(count) || count < 1 || count > 5_000_000) throw new DomainError('CONFIG_INVALID', `--profiles ${options.profiles} is not a whole number from 1 to 5000000`);
    const config = configFrom(options);
    const db = await openStore(config);
    const secret = config.jwtSecret ?? loadOrCreateSecret(config.dataDir);
    const app = await buildApp({ config, db, secret, logger: pino({ level: 'warn' }) });
    try {
      const token = await issueToken({ secret, orgs: [options.org], clientId: DEFAULT_API_KEY, ttlSeconds: 24 * 3600 });
      const headers = { authorization: `Bearer ${token}`, 'x-api-key': DEFAULT_API_KEY, 'x-gw-ims-org-id': options.org, 'x-sandbox-name': SANDBOX };
      const started = Date.now();
      const ids = await createDemoSandbox(injector(app), headers, SANDBOX);
      await load(app, headers, ids, count);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      await printLookups(app, headers, options, token, ids, count, seconds);
    } finally {
      await app.close();
      await db.close();
    }
  });
}

type Headers = Record<string, string>;

/** The demo's API calls go through the app in-process, exactly as HTTP clients' do. */
function injector(app: App): ApiCall {
  return async (headers, method, url, payload, extra = {}) => {
    const res = await app.inject({ method, url, headers: { ...headers, ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...extra }, ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }) });
    if (res.statusCode >= 400) throw new Error(`demo: ${method} ${url} answered ${res.statusCode}: ${res.body}`);
    return res.body === '' ? undefined : res.json();
  };
}

async function call(app: App, headers: Headers, method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: unknown): Promise<any> {
  return injector(app)(headers, method, url, payload);
}

/** Loads every dataset as one batch file each, through the batch API, and waits for the jobs. */
async function load(app: App, headers: Headers, ids: DemoIds, count: number): Promise<void> {
  const now = Date.now();
  const files: Array<[string, (n: number) => Array<Record<string, unknown>>]> = [
    [ids.crm, (n) => [crmRecord(person(n), ids.tenant)]],
    [ids.loyalty, (n) => [loyaltyRecord(person(n), ids.tenant)]],
    [ids.web, (n) => webEvents(person(n), 3 + (n % 4), now)],
    [ids.commerce, (n) => commerceEvents(person(n), n % 3, now)],
  ];
  for (const [datasetId, make] of files) {
    const batch = await call(app, headers, 'POST', '/data/foundation/import/batches', { datasetId, inputFormat: { format: 'json' } });
    async function* lines() {
      for (let n = 1; n <= count; n++) for (const r of make(n)) yield JSON.stringify(r) + '\n';
    }
    await app.services.batches.addFile(await tenantOf(app, headers), batch.id, datasetId, 'data.ndjson', Readable.from(lines()));
    await call(app, headers, 'POST', `/data/foundation/import/batches/${batch.id}?action=COMPLETE`);
    await app.services.jobs.drain();
    const done = (await call(app, headers, 'GET', `/data/foundation/catalog/batches/${batch.id}`))[batch.id];
    if (done.status !== 'success' || done.failedRecordCount > 0) {
      const errors = await call(app, headers, 'GET', `/data/foundation/import/batches/${batch.id}/errors?limit=3`);
      throw new Error(`demo: batch for ${datasetId} ended ${done.status} with ${done.failedRecordCount} failed: ${JSON.stringify(errors.errors)}`);
    }
    process.stderr.write(`loaded ${done.recordCount.toLocaleString('en-US')} records into ${datasetId}\n`);
  }
}

async function tenantOf(app: App, headers: Headers): Promise<number> {
  const sandbox = await app.services.sandboxes.resolve({ orgId: headers['x-gw-ims-org-id']!, clientId: DEFAULT_API_KEY }, SANDBOX);
  return sandbox.tenantId;
}

/** The printed lookups: the token set once, then each curl line with a short reading of what it answers. */
async function printLookups(app: App, headers: Headers, o: DemoOptions, token: string, ids: DemoIds, count: number, seconds: string): Promise<void> {
  const p = person(Math.min(42, count));
  const phone = p.phone.replace('+', '%2B');
  const names: Names = {
    datasets: { [ids.crm]: 'CRM customers', [ids.loyalty]: 'Loyalty members', [ids.web]: 'Web events', [ids.commerce]: 'Commerce events' },
    policies: { [ids.defaultPolicy]: `"${DEFAULT_POLICY}"`, [ids.precedence]: `"${CRM_FIRST_POLICY}"` },
  };
  const entities = '/data/core/ups/access/entities?schema.name=_xdm.context.profile';
  const lookups: Array<[string, string, (answer: any) => string[]]> = [
    ['by email, stitched across every dataset (default policy: pdg, newest value wins)', `${entities}&entityId=${p.email}&entityIdNS=email`, (a) => profileSummary(a, names)],
    ['by device id: the same person, because one web login carried the email', `${entities}&entityId=${p.ecid}&entityIdNS=ECID`, (a) => profileSummary(a, names)],
    ['CRM first: the loyalty tier now comes from the CRM record', `${entities}&entityId=${p.crmId}&entityIdNS=CRMID&mergePolicyId=${ids.precedence}`, (a) => profileSummary(a, names)],
    [
      'their events, newest first',
      `/data/core/ups/access/entities?schema.name=_xdm.context.experienceevent&relatedSchema.name=_xdm.context.profile&relatedEntityId=${phone}&relatedEntityIdNS=Phone&orderby=-timestamp&limit=5`,
      eventsSummary,
    ],
    ['why the phone and the device are one person', `/data/core/identity/explain?fromNamespace=Phone&fromId=${phone}&toNamespace=ECID&toId=${p.ecid}`, (a) => explainSummary(a, names)],
  ];
  const h = `-H "Authorization: Bearer $TOKEN" -H 'x-api-key: ${DEFAULT_API_KEY}' -H 'x-gw-ims-org-id: ${o.org}' -H 'x-sandbox-name: ${SANDBOX}'`;
  const out = [
    `Demo sandbox '${SANDBOX}' of ${o.org}: ${count.toLocaleString('en-US')} people in CRM and loyalty records, web and commerce events (${seconds}s).`,
    `Start the API in this folder (npm start), set the token once, then paste any lookup. Person ${p.n}'s CRM id, email, phone and device (ECID) are linked by the records.`,
    '',
    `# valid 24h; a fresh one: TOKEN=$(npx rtprofile token --org ${o.org} --raw)`,
    `TOKEN='${token}'`,
  ];
  for (const [why, path, summarize] of lookups) {
    const answer = await call(app, headers, 'GET', path);
    out.push('', `# ${why}`, `curl -s '${o.url}${path}' ${h}`, ...summarize(answer).map((line) => `#   ${line}`));
  }
  process.stdout.write(out.join('\n') + '\n');
}
