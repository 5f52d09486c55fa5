/** The HTTP client of the CLI's data commands: finds the running service and a credential, and explains refusals. */
import type { Command } from 'commander';
import { decodeJwt } from 'jose';
import { issueToken, readSecret } from '../tenancy/index.js';
import { CliError } from './cli-error.js';
import { configFrom } from './options.js';
import { DEFAULT_API_KEY } from './token.command.js';

/** The flags every command that talks to the service takes. */
export interface ClientOptions {
  url?: string;
  token?: string;
  org?: string;
  sandbox?: string;
  data?: string;
}

/** Adds `--url`, `--token`, `--org`, `--sandbox` and `--data` (the server's folder, whose secret can sign a token). */
export function withClientOptions(command: Command): Command {
  return command
    .option('--url <base>', 'where `rtprofile serve` answers (env RTPROFILE_URL, default http://127.0.0.1:8080)')
    .option('--token <token>', 'access token (env RTPROFILE_TOKEN); default: one signed with the secret in --data for --org')
    .option('--org <org>', "IMS org id, e.g. ACME@AdobeOrg (default: the token's only org)")
    .option('--sandbox <name>', "sandbox name (default: the org's production sandbox)")
    .option('--data <dir>', "the server's data folder, whose secret signs a token when none is given (env RTPROFILE_DATA, default ./data)");
}

/** A refusal answered by the service: its HTTP status and error code, for callers that accept some (e.g. "exists"). */
export class ApiError extends CliError {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | undefined,
  ) {
    super(message, 2);
  }
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A connection to the service as one org (and sandbox). */
export interface ApiClient {
  readonly url: string;
  readonly org: string;
  readonly sandbox: string | undefined;
  /** The four AEP headers, for printing paste-able curl lines. */
  readonly headers: Readonly<Record<string, string>>;
  /** JSON in, JSON out; a refusal throws an ApiError naming the service's error code and detail. */
  call<T = any>(method: Method, path: string, body?: unknown, extra?: Record<string, string>): Promise<T>;
  /** Streams bytes as `application/octet-stream` (batch file uploads). */
  upload(path: string, body: AsyncIterable<Uint8Array>): Promise<void>;
}

/** Finds the credential (flag, env, or signed with the data folder's secret) and returns a client; nothing is sent yet. */
export async function connect(options: ClientOptions): Promise<ApiClient> {
  const config = configFrom(options, { apiUrl: options.url, apiToken: options.token });
  const { token, org } = await credential(options.org, config.apiToken, config.jwtSecret, config.dataDir);
  const url = config.apiUrl;
  const headers: Record<string, string> = { authorization: `Bearer ${token.value}`, 'x-api-key': token.apiKey, 'x-gw-ims-org-id': org };
  if (options.sandbox !== undefined) headers['x-sandbox-name'] = options.sandbox;

  const send = async (method: Method, path: string, init: { body?: unknown; headers: Record<string, string>; duplex?: 'half' }) => {
    let res: Response;
    try {
      res = await fetch(url + path, { method, ...init } as RequestInit);
    } catch (err) {
      const inner = (err as { cause?: { code?: string; message?: string } }).cause;
      const cause = inner?.code ?? inner?.message ?? (err as Error).message;
      throw new CliError(
        `cannot reach the service at ${url} (${cause}). Start it with \`npx rtprofile serve\` in the folder that holds its data, or point --url (or RTPROFILE_URL) at it.`,
      );
    }
    if (res.status >= 400) throw await refusal(method, path, res);
    const text = await res.text();
    return text === '' ? undefined : JSON.parse(text);
  };

  return {
    url,
    org,
    sandbox: options.sandbox,
    headers,
    call: (method, path, body, extra = {}) =>
      send(method, path, {
        headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...extra },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    upload: async (path, body) => {
      await send('PUT', path, { headers: { ...headers, 'content-type': 'application/octet-stream' }, body, duplex: 'half' });
    },
  };
}

async function credential(
  org: string | undefined,
  given: string | undefined,
  envSecret: string | undefined,
  dataDir: string,
): Promise<{ token: { value: string; apiKey: string }; org: string }> {
  if (given !== undefined) {
    let claims: { orgs?: unknown; client_id?: unknown };
    try {
      claims = decodeJwt(given);
    } catch {
      throw new CliError('the token (--token or RTPROFILE_TOKEN) is not a JWT: use the accessToken that `rtprofile token` prints', 2);
    }
    const orgs = Array.isArray(claims.orgs) ? claims.orgs.filter((o): o is string => typeof o === 'string') : [];
    const chosen = org ?? (orgs.length === 1 ? orgs[0]! : undefined);
    if (chosen === undefined) throw new CliError(`the token grants ${orgs.length === 0 ? 'no org' : `orgs ${orgs.join(', ')}`}: choose one with --org`, 2);
    return { token: { value: given, apiKey: typeof claims.client_id === 'string' ? claims.client_id : DEFAULT_API_KEY }, org: chosen };
  }
  if (org === undefined) {
    throw new CliError('no credential: pass --org ORG (a token is then signed with the secret in the data folder), or --token (env RTPROFILE_TOKEN)', 2);
  }
  const secret = envSecret ?? readSecret(dataDir);
  if (secret === undefined) {
    throw new CliError(
      `${dataDir} holds no rtprofile data, so there is no secret to sign a token with. Run this where \`rtprofile serve\` keeps its data, pass --data DIR (or RTPROFILE_DATA), or pass --token (or RTPROFILE_TOKEN).`,
    );
  }
  return { token: { value: await issueToken({ secret, orgs: [org], clientId: DEFAULT_API_KEY, ttlSeconds: 3600 }), apiKey: DEFAULT_API_KEY }, org };
}

/** Turns a problem (`detail`, `code`) or gateway (`error_code`, `message`) answer into one readable line, with a hint for 401. */
async function refusal(method: Method, path: string, res: Response): Promise<ApiError> {
  const text = await res.text();
  let body: { code?: string; detail?: string; title?: string; message?: string; error_code?: string; errors?: Array<{ message?: string; path?: string }> } = {};
  try {
    body = JSON.parse(text);
  } catch {
    body = { detail: text.slice(0, 300) };
  }
  const code = body.code ?? body.error_code;
  const detail = body.detail ?? body.message ?? body.title ?? res.statusText;
  const fields = (body.errors ?? []).slice(0, 3).map((e) => `${e.path ?? ''} ${e.message ?? ''}`.trim()).filter((e) => e !== '');
  const hint =
    res.status === 401
      ? ' The token was not signed by this server: sign it in the folder the server keeps its data in (--data), or pass one `rtprofile token` printed there.'
      : '';
  return new ApiError(`${method} ${path.split('?')[0]} answered ${res.status}${code ? ` ${code}` : ''}: ${detail}${fields.length ? ` (${fields.join('; ')})` : ''}.${hint}`, res.status, code);
}
