/** `rtprofile token`: prints a local access token, API key and org for calling the API. */
import type { Command } from 'commander';
import { issueToken, parseDuration, readSecret } from '../tenancy/index.js';
import { CliError } from './cli-error.js';
import { configFrom } from './options.js';

/** The API key (token `client_id`) the CLI issues tokens for unless told otherwise. */
export const DEFAULT_API_KEY = 'rtprofile-cli';

/** Registers `token`. */
export function registerTokenCommand(program: Command): void {
  program
    .command('token')
    .description('print {"accessToken","apiKey","orgId"} signed with the data folder secret (or RTPROFILE_JWT_SECRET); never creates one')
    .requiredOption('--org <org>', 'IMS org id the token may act for, e.g. ACME@AdobeOrg')
    .option('--ttl <duration>', 'lifetime, e.g. 90m, 24h, 7d', '24h')
    .option('--api-key <key>', 'API key (client_id) the token is bound to', DEFAULT_API_KEY)
    .option('--data <dir>', 'data folder holding the generated secret (env RTPROFILE_DATA, default ./data)')
    .option('--raw', 'print only the access token, for TOKEN=$(rtprofile token --org ORG --raw)')
    .action(async (options: { org: string; ttl: string; apiKey: string; data?: string; raw?: boolean }) => {
      const config = configFrom(options);
      const ttlSeconds = parseDuration(options.ttl);
      // Inventing a secret here would sign tokens the running server refuses (401): only `serve` creates a store.
      const secret = config.jwtSecret ?? readSecret(config.dataDir);
      if (secret === undefined) {
        throw new CliError(
          `${config.dataDir} holds no rtprofile store (no jwt-secret), so a token signed here would be refused. ` +
            'Run this in the folder where `rtprofile serve` keeps its data, pass --data DIR (or RTPROFILE_DATA), or set RTPROFILE_JWT_SECRET.',
        );
      }
      const accessToken = await issueToken({ secret, orgs: [options.org], clientId: options.apiKey, ttlSeconds });
      process.stdout.write((options.raw ? accessToken : JSON.stringify({ accessToken, apiKey: options.apiKey, orgId: options.org })) + '\n');
    });
}
