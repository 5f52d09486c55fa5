/** Builds the services and a request context for commands that act on the store directly (import, inlet). */
import type { Command } from 'commander';
import pino from 'pino';
import { buildServices, type Services } from '../http/app.js';
import { systemClock } from '../shared/clock.js';
import { openStore } from '../store/index.js';
import type { RequestContext } from '../tenancy/index.js';
import { configFrom, withStoreOptions } from './options.js';
import { DEFAULT_API_KEY } from './token.command.js';

/** Adds `--org`, `--sandbox` and the store options. */
export function withTenantOptions(command: Command): Command {
  return withStoreOptions(command)
    .requiredOption('--org <org>', 'IMS org id, e.g. ACME@AdobeOrg')
    .option('--sandbox <name>', 'sandbox name (default: the org\'s default production sandbox)');
}

/** Options every tenant-scoped command takes. */
export interface TenantOptions {
  org: string;
  sandbox?: string;
  data?: string;
  databaseUrl?: string;
}

/** Opens the store, builds the services and resolves the sandbox; `close` must be awaited when done. */
export async function openTenant(options: TenantOptions): Promise<{ services: Services; ctx: RequestContext; close(): Promise<void> }> {
  const config = configFrom(options);
  const db = await openStore(config);
  const services = buildServices({ config, db, secret: undefined }, systemClock, pino({ level: config.logLevel === 'info' ? 'warn' : config.logLevel }));
  try {
    const actor = { orgId: options.org, clientId: DEFAULT_API_KEY };
    const sandbox = await services.sandboxes.resolve(actor, options.sandbox);
    return { services, ctx: { ...actor, sandbox, tenantId: sandbox.tenantId }, close: () => db.close() };
  } catch (err) {
    await db.close();
    throw err;
  }
}
