/** The one typed, validated, frozen configuration; nothing else in the code base reads process.env. */
import { resolve } from 'node:path';
import { DomainError } from '../shared/errors.js';

/** What a process runs: the HTTP API, the background job worker, or both. */
export type Role = 'api' | 'worker';

/** Every setting the service reads, after defaults and validation. */
export interface Config {
  readonly port: number;
  readonly host: string;
  /** Folder for the SQLite file, the generated JWT secret and other local state. */
  readonly dataDir: string;
  /** A postgres:// URL selects PostgreSQL; absent means the embedded SQLite file `<dataDir>/profile.db`. */
  readonly databaseUrl: string | undefined;
  /** HS256 secret; absent means one generated into the data folder on first start. */
  readonly jwtSecret: string | undefined;
  /** A JWKS file path or https URL for RS256/ES256 tokens from a real identity provider. */
  readonly jwks: string | undefined;
  /** Largest JSON request body, in bytes. */
  readonly bodyLimit: number;
  /** Largest uploaded batch file, in bytes. */
  readonly uploadLimit: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Pretty, human log lines instead of JSON; defaults to whether stdout is a terminal. */
  readonly logPretty: boolean;
  /** SQLite `synchronous` pragma: `full` survives power loss, `normal` only process crashes. */
  readonly sqliteSync: 'full' | 'normal';
  /** SQLite: streaming writes commit on a second thread while the main thread parses the next requests. */
  readonly writerThread: boolean;
  readonly pgPoolSize: number;
  readonly roles: ReadonlySet<Role>;
  /** Identity values never linked, added to the built-in blocklist of placeholders (null, undefined, test@test.com, …). */
  readonly identityBlocklist: readonly string[];
  /** Namespaces of which one graph holds at most one identity. */
  readonly uniqueNamespaces: readonly string[];
  /** Identities per graph before FIFO eviction. */
  readonly maxGraphIdentities: number;
  /** Identities a profile lookup merges; a larger graph answers 422 "Too many related identities". */
  readonly maxProfileIdentities: number;
  /** Merge policies per org (AEP's guardrail is 5). */
  readonly maxMergePolicies: number;
  /** How long a job's claim lasts without a heartbeat: a worker that died is replaced after about this long. */
  readonly jobLeaseMs: number;
  /** Profiles per exported file: the unit a resumed export writes again. */
  readonly exportFileProfiles: number;
  /** Browser origins allowed by CORS (`['*']` allows any); empty means CORS is off and no CORS headers are sent. */
  readonly corsOrigins: readonly string[];
  /** Where the CLI's data commands (import, setup, inlet) find the running service. */
  readonly apiUrl: string;
  /** An access token the CLI's data commands send; absent means one is signed with the data folder's secret. */
  readonly apiToken: string | undefined;
  /** `rtprofile edge`: Redis (a redis:// URL, or several nodes of a Redis Cluster) instead of the embedded SQLite store. */
  readonly redisUrl: string | undefined;
  /** The HS256 secret edges sign their stream credentials with; absent means the token secret (`jwtSecret`). */
  readonly edgeSecret: string | undefined;
}

/** Settings a caller (CLI flags, tests) may force over the environment. */
export type ConfigOverrides = Partial<{ -readonly [K in keyof Config]: Config[K] }>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function invalid(variable: string, value: string, expected: string): never {
  throw new DomainError('CONFIG_INVALID', `${variable}=${JSON.stringify(value)} is not valid: expected ${expected}`);
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) invalid(name, raw, `an integer from ${min} to ${max}`);
  return value;
}

/** Parses `1mb`, `512kb`, `2gb` or a plain byte count. */
function bytes(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const match = /^(\d+)\s*(b|kb|mb|gb)?$/i.exec(raw.trim());
  if (!match) return invalid(name, raw, 'a size such as 1048576, 512kb, 1mb or 2gb');
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(match[2] ?? 'b').toLowerCase() as 'b'];
  return Number(match[1]) * unit;
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) invalid(name, raw, `one of ${allowed.join(', ')}`);
  return raw as T;
}

function roles(env: NodeJS.ProcessEnv): ReadonlySet<Role> {
  const raw = env.ROLES;
  if (raw === undefined || raw === '') return new Set<Role>(['api', 'worker']);
  const parts = raw.split(',').map((p) => p.trim());
  for (const p of parts) if (p !== 'api' && p !== 'worker') invalid('ROLES', raw, 'a comma-separated list of api, worker');
  return new Set(parts as Role[]);
}

function list(raw: string | undefined): string[] {
  return raw === undefined ? [] : raw.split(',').map((v) => v.trim()).filter((v) => v !== '');
}

/** Parses `*` or a comma-separated list of origins (`https://app.example.com`, `http://localhost:3000`). */
function origins(env: NodeJS.ProcessEnv, name: string): string[] {
  const raw = env[name];
  const parts = list(raw);
  if (parts.length === 1 && parts[0] === '*') return parts;
  const expected = "'*' or a comma-separated list of origins such as https://app.example.com,http://localhost:3000";
  for (const part of parts) {
    let origin: string | undefined;
    try {
      origin = new URL(part).origin;
    } catch {
      origin = undefined;
    }
    // An origin is scheme, host and port only: no path, query, trailing slash or wildcard inside a list.
    if (origin === undefined || origin === 'null' || origin !== part) invalid(name, raw ?? '', expected);
  }
  return parts;
}

function url(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^https?:\/\/[^/\s]+/.test(raw)) invalid(name, raw, 'an http:// or https:// URL such as http://127.0.0.1:8080');
  return raw.replace(/\/+$/, '');
}

function validateOverrides(o: ConfigOverrides): void {
  if (o.apiUrl !== undefined && !/^https?:\/\/[^/\s]+/.test(o.apiUrl)) invalid('--url', o.apiUrl, 'an http:// or https:// URL such as http://127.0.0.1:8080');
  if (o.port !== undefined && (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535)) {
    invalid('--port', String(o.port), 'an integer from 0 to 65535');
  }
  if (o.databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(o.databaseUrl)) {
    invalid('--database-url', o.databaseUrl, 'a postgres:// or postgresql:// URL');
  }
}

/** Builds the frozen config from the environment, then applies overrides (flags win over the environment). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: ConfigOverrides = {}): Config {
  validateOverrides(overrides);
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    invalid('DATABASE_URL', databaseUrl, 'a postgres:// or postgresql:// URL');
  }
  const base: Config = {
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: env.HOST || '127.0.0.1',
    dataDir: resolve(env.RTPROFILE_DATA || './data'),
    databaseUrl,
    jwtSecret: env.RTPROFILE_JWT_SECRET || undefined,
    jwks: env.RTPROFILE_JWKS || undefined,
    bodyLimit: bytes(env, 'RTPROFILE_BODY_LIMIT', 1024 * 1024),
    uploadLimit: bytes(env, 'RTPROFILE_UPLOAD_LIMIT', 1024 ** 3),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    logPretty: env.LOG_PRETTY !== undefined ? env.LOG_PRETTY === 'true' : Boolean(process.stdout.isTTY),
    sqliteSync: oneOf(env, 'RTPROFILE_SQLITE_SYNC', ['full', 'normal'] as const, 'full'),
    writerThread: oneOf(env, 'RTPROFILE_WRITER_THREAD', ['on', 'off'] as const, 'on') === 'on',
    pgPoolSize: integer(env, 'RTPROFILE_PG_POOL', 10, 1, 1000),
    roles: roles(env),
    identityBlocklist: list(env.RTPROFILE_IDENTITY_BLOCKLIST),
    uniqueNamespaces: env.RTPROFILE_UNIQUE_NAMESPACES === undefined ? ['CRMID'] : list(env.RTPROFILE_UNIQUE_NAMESPACES),
    maxGraphIdentities: integer(env, 'RTPROFILE_GRAPH_LIMIT', 50, 2, 10_000),
    maxProfileIdentities: integer(env, 'RTPROFILE_PROFILE_IDENTITY_LIMIT', 50, 1, 10_000),
    maxMergePolicies: integer(env, 'RTPROFILE_MAX_MERGE_POLICIES', 5, 1, 10_000),
    corsOrigins: origins(env, 'RTPROFILE_CORS_ORIGINS'),
    jobLeaseMs: integer(env, 'RTPROFILE_JOB_LEASE_MS', 30_000, 100, 3_600_000),
    exportFileProfiles: integer(env, 'RTPROFILE_EXPORT_FILE_PROFILES', 250_000, 1, 100_000_000),
    apiUrl: url(env, 'RTPROFILE_URL', 'http://127.0.0.1:8080'),
    apiToken: env.RTPROFILE_TOKEN || undefined,
    redisUrl: env.REDIS_URL || undefined,
    edgeSecret: env.RTPROFILE_EDGE_SECRET || undefined,
  };
  const merged = { ...base, ...stripUndefined(overrides) };
  if (overrides.dataDir !== undefined) merged.dataDir = resolve(overrides.dataDir);
  merged.apiUrl = merged.apiUrl.replace(/\/+$/, '');
  if (merged.jwtSecret !== undefined && merged.jwtSecret.length < 32) {
    invalid('RTPROFILE_JWT_SECRET', '(hidden)', 'at least 32 characters');
  }
  if (merged.edgeSecret !== undefined && merged.edgeSecret.length < 32) {
    invalid('RTPROFILE_EDGE_SECRET', '(hidden)', 'at least 32 characters');
  }
  return Object.freeze(merged);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The environment variables the service reads, with their defaults, for the README and `--help`. */
export const CONFIG_VARIABLES: ReadonlyArray<{ name: string; default: string; meaning: string }> = [
  { name: 'PORT', default: '8080', meaning: 'HTTP port (`--port`)' },
  { name: 'HOST', default: '127.0.0.1', meaning: 'interface to listen on (`--host`)' },
  { name: 'RTPROFILE_DATA', default: './data', meaning: 'data folder: SQLite file, generated JWT secret (`--data`)' },
  { name: 'DATABASE_URL', default: '(none: SQLite)', meaning: 'postgres:// URL to use PostgreSQL instead of SQLite (`--database-url`)' },
  { name: 'RTPROFILE_JWT_SECRET', default: '(generated into the data folder)', meaning: 'HS256 token secret, ≥ 32 characters' },
  { name: 'RTPROFILE_JWKS', default: '(none)', meaning: 'JWKS file or URL for RS256/ES256 tokens' },
  { name: 'RTPROFILE_BODY_LIMIT', default: '1mb', meaning: 'largest JSON body (413 beyond)' },
  { name: 'RTPROFILE_UPLOAD_LIMIT', default: '1gb', meaning: 'largest uploaded batch file (413 beyond)' },
  { name: 'LOG_LEVEL', default: 'info', meaning: 'pino level: fatal … trace, or silent' },
  { name: 'LOG_PRETTY', default: '(true on a terminal)', meaning: 'human-readable log lines instead of JSON' },
  { name: 'RTPROFILE_SQLITE_SYNC', default: 'full', meaning: 'SQLite synchronous pragma: full (power-loss safe) or normal' },
  { name: 'RTPROFILE_WRITER_THREAD', default: 'on', meaning: 'SQLite: streaming writes, batch chunks and the change feed commit on a second thread (`off` keeps one thread)' },
  { name: 'RTPROFILE_PG_POOL', default: '10', meaning: 'PostgreSQL connections per process' },
  { name: 'REDIS_URL', default: '(none: SQLite)', meaning: '`rtprofile edge`: the edge store in Redis (redis://host:port) or a Redis Cluster (see docs/edge.md)' },
  { name: 'RTPROFILE_EDGE_SECRET', default: '(the token secret)', meaning: 'HS256 secret edges and their hub share for the edge stream, ≥ 32 characters; lets an edge run without the token secret (with RTPROFILE_JWKS for client tokens)' },
  { name: 'ROLES', default: 'api,worker', meaning: 'what this process runs: the HTTP API, the job worker, or both' },
  { name: 'RTPROFILE_IDENTITY_BLOCKLIST', default: '(built-in list)', meaning: 'comma-separated identity values never linked, added to the built-in placeholders' },
  { name: 'RTPROFILE_UNIQUE_NAMESPACES', default: 'CRMID', meaning: 'comma-separated namespaces of which a graph holds at most one identity' },
  { name: 'RTPROFILE_GRAPH_LIMIT', default: '50', meaning: 'identities per graph before FIFO eviction' },
  { name: 'RTPROFILE_PROFILE_IDENTITY_LIMIT', default: '50', meaning: 'identities a profile lookup merges before answering 422' },
  { name: 'RTPROFILE_MAX_MERGE_POLICIES', default: '5', meaning: 'merge policies per org' },
  { name: 'RTPROFILE_JOB_LEASE_MS', default: '30000', meaning: "how long a job's claim lasts without its worker's heartbeat; another worker resumes the job after it" },
  { name: 'RTPROFILE_EXPORT_FILE_PROFILES', default: '250000', meaning: 'profiles per exported file (a resumed export rewrites at most one file)' },
  { name: 'RTPROFILE_CORS_ORIGINS', default: '(none: CORS off)', meaning: 'browser origins allowed by CORS: `*`, or a comma-separated list such as `https://app.example.com`' },
  { name: 'RTPROFILE_URL', default: 'http://127.0.0.1:8080', meaning: 'where the CLI data commands (setup, import, inlet) reach the service (`--url`)' },
  { name: 'RTPROFILE_TOKEN', default: '(signed with the data folder secret)', meaning: 'access token the CLI data commands send (`--token`)' },
];
