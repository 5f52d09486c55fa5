/** Hooks every request passes: request ids, tenancy (auth + sandbox), and the Content-Type rule for bodies. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { DomainError } from '../shared/errors.js';
import { authenticate, type RequestContext, type TenancyCache, type TokenVerifier } from '../tenancy/index.js';

/** What a route needs from the tenancy layer: nothing, an authenticated org, or org and sandbox. */
export type AuthLevel = 'none' | 'org' | 'sandbox';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Defaults to `sandbox` for /data routes and `none` elsewhere. */
    auth?: AuthLevel;
    /** POST/PUT/PATCH routes that take no body (e.g. `?action=COMPLETE`) may omit Content-Type. */
    bodyless?: boolean;
    /** The body carries records that the write path screens one by one (see shared/json-screen.ts). */
    records?: boolean;
  }
  interface FastifyRequest {
    /** Set by the tenancy hook on `sandbox` routes. */
    ctx: RequestContext;
    /** Set by the tenancy hook on `org` and `sandbox` routes. */
    actor: { orgId: string; clientId: string };
  }
}

const NUL_IN_URL = /%00|\u0000/i;
const REQUEST_ID = /^[\w.:@=+/-]{1,128}$/;

/** Uses a sane incoming `x-request-id`, else a new UUID; echoed on every response. */
export function requestId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** The auth level of a route: its declared `config.auth`, else `sandbox` under /data/ and `none` elsewhere. */
export function authLevelOf(url: string, configured: AuthLevel | undefined): AuthLevel {
  if (configured) return configured;
  return url.startsWith('/data/') ? 'sandbox' : 'none';
}

/** What the tenancy checks need. */
export interface TenancyDeps {
  readonly verify: TokenVerifier;
  /** Sandbox-level answers per credential tuple. */
  readonly tenancy: TenancyCache;
}

/**
 * Authenticates the request and resolves its sandbox for `level`, setting `request.actor` and `request.ctx`.
 * Exported for routes that decide per resource whether auth applies (streaming inlets).
 */
export async function resolveTenancy(request: FastifyRequest, deps: TenancyDeps, level: AuthLevel): Promise<RequestContext | undefined> {
  if (level === 'none') return undefined;
  const credentials = { authorization: header(request, 'authorization'), apiKey: header(request, 'x-api-key'), orgId: header(request, 'x-gw-ims-org-id') };
  if (level === 'sandbox') {
    request.ctx = await deps.tenancy.resolve(credentials, header(request, 'x-sandbox-name'));
    request.actor = { orgId: request.ctx.orgId, clientId: request.ctx.clientId };
    return request.ctx;
  }
  const principal = await authenticate(credentials, deps.verify);
  request.actor = { orgId: principal.orgId, clientId: principal.clientId };
  return undefined;
}

/** Registers the hooks on the root instance, so they apply to every route. */
export function registerRequestHooks(app: FastifyInstance, deps: TenancyDeps): void {
  app.decorateRequest('ctx', null as unknown as RequestContext);
  app.decorateRequest('actor', null as unknown as { orgId: string; clientId: string });

  // One hook for every request: the id header, then tenancy, then the Content-Type rule (each hook costs a tick).
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // PostgreSQL text cannot hold NUL, and no id, name or identity legitimately has one: refuse it for both stores.
    if (NUL_IN_URL.test(request.url)) throw new DomainError('URL_NUL_CHARACTER', 'The URL holds a NUL character (%00), which no path or query parameter may contain');
    if (request.is404) return;
    await resolveTenancy(request, deps, authLevelOf(request.url, request.routeOptions.config?.auth));
    if (request.routeOptions.config?.bodyless) return;
    if (request.method !== 'POST' && request.method !== 'PUT' && request.method !== 'PATCH') return;
    const type = request.headers['content-type'];
    if (typeof type !== 'string' || !/^[\w.+-]+\/[\w.+-]+/.test(type.trim())) {
      throw new DomainError('CONTENT_TYPE_MISSING', 'A valid content-type must be specified');
    }
  });
}
