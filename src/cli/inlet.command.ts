/** `rtprofile inlet create`: creates a streaming connection and prints its inlet, as Flow Service does over HTTP. */
import type { Command } from 'commander';
import { HTTP_API_CONNECTION_SPEC } from '../ingest/connection.js';
import { type TenantOptions, openTenant, withTenantOptions } from './context.js';

interface InletOptions extends TenantOptions {
  name: string;
  auth: boolean;
  url: string;
}

/** Registers `inlet create`. */
export function registerInletCommand(program: Command): void {
  const inlet = program.command('inlet').description('streaming inlets (Flow Service HTTP API connections)');
  withTenantOptions(
    inlet
      .command('create')
      .description('create a streaming connection and print {id, inletId, inletUrl, authenticationRequired}')
      .requiredOption('--name <name>', 'connection name')
      .option('--no-auth', 'accept messages without credentials (must be asked for explicitly)')
      .option('--url <base>', 'base URL the service is reached at, for inletUrl', 'http://127.0.0.1:8080'),
  ).action(async (options: InletOptions) => {
    const { services, ctx, close } = await openTenant(options);
    try {
      const c = await services.connections.create(ctx.tenantId, {
        name: options.name,
        connectionSpec: { id: HTTP_API_CONNECTION_SPEC, version: '1.0' },
        auth: { specName: 'Streaming Connection', params: { name: options.name, dataType: 'xdm', authenticationRequired: options.auth } },
      });
      const inletUrl = `${options.url.replace(/\/$/, '')}/collection/${c.inletId}`;
      process.stdout.write(JSON.stringify({ id: c.id, inletId: c.inletId, inletUrl, authenticationRequired: c.authRequired, sandbox: ctx.sandbox.name }) + '\n');
    } finally {
      await close();
    }
  });
}
