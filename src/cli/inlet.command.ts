/** `rtprofile inlet create`: creates a streaming connection on the running service and prints its inlet. */
import type { Command } from 'commander';
import { HTTP_API_CONNECTION_SPEC } from '../ingest/connection.js';
import { type ClientOptions, connect, withClientOptions } from './client.js';

interface InletOptions extends ClientOptions {
  name: string;
  auth: boolean;
}

/** Registers `inlet create`. */
export function registerInletCommand(program: Command): void {
  const inlet = program.command('inlet').description('streaming inlets (Flow Service HTTP API connections)');
  withClientOptions(
    inlet
      .command('create')
      .description('create a streaming connection on the running service and print {id, inletId, inletUrl, authenticationRequired}')
      .requiredOption('--name <name>', 'connection name')
      .option('--no-auth', 'accept messages without credentials (must be asked for explicitly)'),
  ).action(async (options: InletOptions) => {
    const api = await connect(options);
    const created = await api.call<{ id: string }>('POST', '/data/foundation/flowservice/connections', {
      name: options.name,
      connectionSpec: { id: HTTP_API_CONNECTION_SPEC, version: '1.0' },
      auth: { specName: 'Streaming Connection', params: { name: options.name, dataType: 'xdm', authenticationRequired: options.auth } },
    });
    const [c] = (await api.call<{ items: Array<{ sandboxName: string; auth: { params: { inletId: string; inletUrl: string; authenticationRequired: boolean } } }> }>(
      'GET',
      `/data/foundation/flowservice/connections/${created.id}`,
    )).items;
    const { inletId, inletUrl, authenticationRequired } = c!.auth.params;
    process.stdout.write(JSON.stringify({ id: created.id, inletId, inletUrl, authenticationRequired, sandbox: c!.sandboxName }) + '\n');
  });
}
