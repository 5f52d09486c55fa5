/** Test harness: a real app over a real store (a temp SQLite file or a fresh PostgreSQL database), driven by inject. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Config, type ConfigOverrides, loadConfig } from '../../src/config/config.js';
import type { Logger } from 'pino';
import { type App, buildApp } from '../../src/http/app.js';
import { type Db, openStore } from '../../src/store/index.js';
import { issueToken } from '../../src/tenancy/index.js';
import type { Clock } from '../../src/shared/clock.js';
import { after, before } from 'node:test';
import { createTestDatabase } from './postgres.js';
import { guardSerialization } from './serialization-guard.js';

/** The two backends every store-dependent test runs against. */
export type StoreKind = 'sqlite' | 'postgres';
export const STORE_KINDS: readonly StoreKind[] = ['sqlite', 'postgres'];

/** A secret long enough for HS256, fixed so tests can mint tokens. */
export const TEST_SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
export const API_KEY = 'test-client';

/** A store on a fresh temp folder or database, with the config that points at it. */
export interface TestStore {
  readonly kind: StoreKind;
  readonly config: Config;
  readonly db: Db;
  /** Reopens the same data (to test restarts). */
  reopen(): Promise<Db>;
  cleanup(): Promise<void>;
}

/** Opens a migrated store of the given kind on fresh, private data. */
export async function openTestStore(kind: StoreKind, overrides: ConfigOverrides = {}): Promise<TestStore> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rtprofile-test-'));
  const databaseUrl = kind === 'postgres' ? await createTestDatabase() : undefined;
  const config = loadConfig({}, { dataDir, databaseUrl, logLevel: 'silent', logPretty: false, sqliteSync: 'normal', ...overrides });
  return storeOn(kind, config, async () => rmSync(dataDir, { recursive: true, force: true }));
}

/** A connection to the data `config` points at, reopenable; `cleanup` closes it, then runs `removeData`. */
async function storeOn(kind: StoreKind, config: Config, removeData: () => Promise<void>): Promise<TestStore> {
  let db = await openStore(config);
  return {
    kind,
    config,
    get db() {
      return db;
    },
    async reopen() {
      await db.close();
      db = await openStore(config);
      return db;
    },
    async cleanup() {
      await db.close().catch(() => undefined);
      await removeData();
    },
  };
}

/** A running app and helpers to call it as a given org and sandbox. */
export interface TestApp {
  readonly app: App;
  readonly store: TestStore;
  token(orgs: readonly string[], options?: { clientId?: string; ttlSeconds?: number; now?: number }): Promise<string>;
  /** The four AEP headers for an org (and sandbox, when given). */
  headers(org: string, sandbox?: string): Promise<Record<string, string>>;
  close(): Promise<void>;
}

/** Builds the app over a fresh store of `kind`; with `logger`, the app logs to it (tests that read log lines). */
export async function startTestApp(kind: StoreKind, overrides: ConfigOverrides = {}, logger?: Logger, clock?: Clock): Promise<TestApp> {
  return appOver(await openTestStore(kind, overrides), logger, clock);
}

/**
 * A second app over its own connection to the first one's data, as a second `rtprofile serve` process on the same
 * PostgreSQL database would be. Closing it closes its connection only; the first app owns the data.
 */
export async function startPeerApp(first: TestApp): Promise<TestApp> {
  return appOver(await storeOn(first.store.kind, first.store.config, async () => undefined));
}

/** The app and its helpers over an open store. */
async function appOver(store: TestStore, logger?: Logger, clock?: Clock): Promise<TestApp> {
  const app = await buildApp({ config: store.config, db: store.db, secret: TEST_SECRET, logger, ...(clock ? { clock } : {}) });
  guardSerialization(app);
  await app.ready();
  const token = (orgs: readonly string[], options: { clientId?: string; ttlSeconds?: number; now?: number } = {}) =>
    issueToken({ secret: TEST_SECRET, orgs, clientId: options.clientId ?? API_KEY, ttlSeconds: options.ttlSeconds ?? 3600, now: options.now ?? clock?.() });
  return {
    app,
    store,
    token,
    async headers(org, sandbox) {
      const h: Record<string, string> = {
        authorization: `Bearer ${await token([org])}`,
        'x-api-key': API_KEY,
        'x-gw-ims-org-id': org,
      };
      if (sandbox !== undefined) h['x-sandbox-name'] = sandbox;
      return h;
    },
    async close() {
      await app.close();
      await store.cleanup();
    },
  };
}

/** Two apps on one PostgreSQL database, as two `rtprofile serve` processes: started before the suite, closed after it. */
export function postgresPeers(): { readonly a: TestApp; readonly b: TestApp } {
  const pair: { a?: TestApp; b?: TestApp } = {};
  before(async () => {
    pair.a = await startTestApp('postgres');
    pair.b = await startPeerApp(pair.a);
  });
  after(async () => {
    await pair.b?.close();
    await pair.a?.close();
  });
  return {
    get a() {
      return pair.a!;
    },
    get b() {
      return pair.b!;
    },
  };
}
