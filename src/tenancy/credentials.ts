/** Access tokens: HS256 tokens this service issues, and RS256/ES256 tokens from an identity provider's JWKS. */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { DomainError } from '../shared/errors.js';

/** What a verified token grants: the orgs it may act for and the client (API key) it was issued to. */
export interface Grant {
  readonly orgs: readonly string[];
  readonly clientId: string;
  readonly subject: string | undefined;
  /** When the token stops being valid (epoch ms), so what was derived from it is not kept longer. */
  readonly expiresAt?: number;
}

/** Reads the HS256 secret of a data folder, or undefined when the folder has none (no service ever started there). */
export function readSecret(dataDir: string): string | undefined {
  const file = join(dataDir, 'jwt-secret');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

/** Reads the HS256 secret from the data folder, generating one (mode 0600) on first start. */
export function loadOrCreateSecret(dataDir: string): string {
  const existing = readSecret(dataDir);
  if (existing !== undefined) return existing;
  const file = join(dataDir, 'jwt-secret');
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return secret;
}

/** Parses `90s`, `15m`, `24h`, `7d` (or plain seconds) into seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)\s*(s|m|h|d)?$/.exec(text.trim());
  if (!match || Number(match[1]) <= 0) {
    throw new DomainError('DURATION_INVALID', `'${text}' is not a duration: use a number with s, m, h or d, e.g. 24h`);
  }
  return Number(match[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[(match[2] ?? 's') as 's'];
}

/** Signs an HS256 access token for `clientId`, valid for the given orgs for `ttlSeconds`. */
export async function issueToken(input: {
  secret: string;
  orgs: readonly string[];
  clientId: string;
  ttlSeconds: number;
  now?: number;
}): Promise<string> {
  const iat = Math.floor((input.now ?? Date.now()) / 1000);
  return new SignJWT({ orgs: [...input.orgs], client_id: input.clientId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer('rtprofile')
    .setSubject(input.clientId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + input.ttlSeconds)
    .sign(new TextEncoder().encode(input.secret));
}

/** Checks a bearer token and returns its grant, or throws AUTH_TOKEN_INVALID. */
export type TokenVerifier = (token: string) => Promise<Grant>;

/** Builds the verifier: HS256 with the secret, and RS256/ES256 against the JWKS when one is configured. */
export function createTokenVerifier(options: { secret?: string; jwks?: string; clock?: () => number }): TokenVerifier {
  const hmacKey = options.secret ? new TextEncoder().encode(options.secret) : undefined;
  const jwks = options.jwks ? loadJwks(options.jwks) : undefined;
  // Signature checks cost ~200 µs through WebCrypto; a token string verified once stays valid until its exp.
  const verified = new Map<string, { grant: Grant; expiresAt: number }>();
  const now = () => options.clock?.() ?? Date.now();
  return async (token) => {
    const hit = verified.get(token);
    if (hit && hit.expiresAt > now()) return hit.grant;
    const grant = await check(token);
    if (verified.size >= 10_000) verified.clear();
    verified.set(token, grant);
    return grant.grant;
  };

  async function check(token: string): Promise<{ grant: Grant; expiresAt: number }> {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw invalidToken('not a JWT');
    }
    try {
      const currentDate = options.clock ? new Date(options.clock()) : undefined;
      const common = { requiredClaims: ['exp'], ...(currentDate ? { currentDate } : {}) };
      const { payload } =
        alg === 'HS256' && hmacKey
          ? await jwtVerify(token, hmacKey, { ...common, algorithms: ['HS256'] })
          : jwks && (alg === 'RS256' || alg === 'ES256')
            ? await jwtVerify(token, jwks, { ...common, algorithms: ['RS256', 'ES256'] })
            : (() => {
                throw invalidToken(`algorithm ${alg ?? 'none'} is not accepted`);
              })();
      const orgs = payload.orgs;
      const clientId = payload.client_id;
      if (!Array.isArray(orgs) || !orgs.every((o) => typeof o === 'string')) throw invalidToken('claim orgs is missing');
      if (typeof clientId !== 'string' || clientId === '') throw invalidToken('claim client_id is missing');
      const expiresAt = (payload.exp ?? 0) * 1000;
      return { grant: { orgs, clientId, subject: payload.sub, expiresAt }, expiresAt };
    } catch (err) {
      if (err instanceof DomainError) throw err;
      if (err instanceof errors.JWTExpired) throw invalidToken('expired');
      if (err instanceof errors.JOSEError) throw invalidToken(err.code);
      throw err;
    }
  }
}

function loadJwks(source: string): JWTVerifyGetKey {
  if (/^https?:\/\//.test(source)) return createRemoteJWKSet(new URL(source));
  try {
    return createLocalJWKSet(JSON.parse(readFileSync(source, 'utf8')));
  } catch (err) {
    throw new DomainError('CONFIG_INVALID', `RTPROFILE_JWKS=${source} could not be read as a JWKS file: ${(err as Error).message}`);
  }
}

function invalidToken(reason: string): DomainError {
  return new DomainError('AUTH_TOKEN_INVALID', 'Oauth token is not valid', { reason });
}
