/** Turns the `pg` driver's connection failures into one-line messages that say what to fix, never the password. */

/** A store that cannot be reached or opened: the CLI prints the message alone and exits 1. */
export class StoreConnectError extends Error {
  override readonly name = 'StoreConnectError';
}

/** True for a StoreConnectError, including one thrown across module copies. */
export function isStoreConnectError(err: unknown): err is StoreConnectError {
  return err instanceof Error && err.name === 'StoreConnectError';
}

/** The parts of a PostgreSQL URL a message may show: host, port, database and role, never the password. */
export interface PgTarget {
  readonly host: string;
  readonly port: string;
  readonly database: string;
  readonly user: string;
}

/**
 * A `postgres://` URL as the WHATWG parser takes it. libpq's Unix-socket forms name no host before the path
 * (`postgres://user@/db?host=/run/postgresql`), which that parser refuses; `localhost` stands in, and the driver, as
 * libpq does, connects to the socket the `host` parameter names.
 */
export function parsePgUrl(url: string): URL {
  return new URL(url.replace(/^(postgres(?:ql)?:\/\/[^/?#]*@)(?=[/?#]|$)/, '$1localhost'));
}

/** Reads the displayable parts of a `postgres://` URL (defaults as libpq's: localhost, 5432, database = user). */
export function pgTarget(url: string): PgTarget {
  const parsed = parsePgUrl(url);
  const user = decodeURIComponent(parsed.username) || process.env.PGUSER || 'postgres';
  return {
    host: parsed.searchParams.get('host') || decodeURIComponent(parsed.hostname) || 'localhost',
    port: parsed.port || parsed.searchParams.get('port') || '5432',
    database: decodeURIComponent(parsed.pathname.slice(1)) || user,
    user,
  };
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // Node tries every address of a name (IPv4 and IPv6) and reports an AggregateError without a code of its own.
  const inner = (err as { errors?: unknown[] }).errors?.[0];
  return inner === undefined ? undefined : codeOf(inner);
}

/** The one-line error for a failed connection to `target`, or undefined when `err` is not a connection failure. */
export function connectError(err: unknown, target: PgTarget): StoreConnectError | undefined {
  const code = codeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  const server = `PostgreSQL at ${target.host}:${target.port}`;
  if (code !== undefined && UNREACHABLE.has(code)) {
    return new StoreConnectError(`cannot reach ${server} (${code}): is the server running, and are the host and port in the URL right?`);
  }
  if (/timeout/i.test(message) && /connect/i.test(message)) {
    return new StoreConnectError(`cannot reach ${server}: the connection timed out`);
  }
  if (code === '28P01' || code === '28000' || /SASL|password/i.test(message)) {
    return new StoreConnectError(`${server} refused the credentials of role "${target.user}": ${message}`);
  }
  if (code === '3D000') {
    return new StoreConnectError(`database "${target.database}" does not exist on ${server}: create it with createdb ${target.database}`);
  }
  if (code === '57P03' || code === '53300') return new StoreConnectError(`${server} does not accept connections now: ${message}`);
  return undefined;
}
