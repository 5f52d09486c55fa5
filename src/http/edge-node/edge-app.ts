/**
 * The edge node's HTTP app: `GET /data/core/ups/access/entities` for projected profiles, with the hub's headers,
 * shapes and errors, answered from the edge's own store (fetching a person from the hub on a miss), plus how old
 * the copy is (`Age`); `/health` and `/ready`.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { DomainError } from '../../shared/errors.js';
import { authenticate } from '../../tenancy/authenticate.js';
import type { TokenVerifier } from '../../tenancy/credentials.js';
import { fromXid, toXid } from '../../identity/xid.js';
import { parseFields, project } from '../../profile/fields.js';
import type { EdgeStore, HeldDoc } from '../../edge/node/edge-store.js';
import type { EdgeSync } from '../../edge/node/edge-sync.js';
import { type EdgeTenant, answering } from '../../edge/node/edge-view.js';
import { rfc3339 } from '../routes/entities.present.js';
import { handleError } from '../problem.js';
import { requestId } from '../request-hooks.js';

const PROFILE = '_xdm.context.profile';
const JSON_TYPE = 'application/json; charset=utf-8';
const KEEP_MS = 60_000;

/** What the edge app reads from. */
export interface EdgeAppDeps {
  readonly store: EdgeStore;
  readonly sync: EdgeSync;
  readonly verify: TokenVerifier;
  readonly dataCenter: string;
  readonly clock: () => number;
  readonly logger?: Logger;
}

interface Query {
  'schema.name'?: string;
  entityId?: string;
  entityIdNS?: string;
  mergePolicyId?: string;
  fields?: string;
}

/** Builds the edge app (it never listens: the CLI and tests decide how to serve it). */
export async function buildEdgeApp(deps: EdgeAppDeps): Promise<FastifyInstance> {
  // Warnings and errors only: a line per lookup would cost more than the lookup.
  const logger = deps.logger?.child({}, { level: deps.logger.isLevelEnabled('warn') ? 'warn' : deps.logger.level });
  const app: FastifyInstance = Fastify({
    loggerInstance: logger as FastifyInstance['log'] | undefined,
    genReqId: requestId,
    // No child logger per request (it costs about a microsecond): errors name their request id (problem.ts).
    childLoggerFactory: (parent) => parent,
    routerOptions: { maxParamLength: 2048 },
  });
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request) => {
    throw new DomainError('ROUTE_NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}: an edge answers GET /data/core/ups/access/entities`);
  });
  // Resolved tenancy per credential tuple, as the hub keeps it; dropped whenever the configuration changes.
  const tenancy = new Map<string, { tenant: EdgeTenant; until: number; config: number }>();

  async function tenantOf(headers: Record<string, string | string[] | undefined>): Promise<EdgeTenant> {
    const h = (name: string) => {
      const v = headers[name];
      return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
    };
    const sandbox = h('x-sandbox-name') ?? 'prod';
    const auth = h('authorization');
    const key = `${auth ?? ''}\n${h('x-api-key') ?? ''}\n${h('x-gw-ims-org-id') ?? ''}\n${sandbox}`;
    const view = deps.sync.view;
    const now = deps.clock();
    const hit = tenancy.get(key);
    if (hit && hit.until > now && hit.config === view?.config.version) return hit.tenant;
    const principal = await authenticate({ authorization: auth, apiKey: h('x-api-key'), orgId: h('x-gw-ims-org-id') }, deps.verify);
    const tenant = view?.tenant(principal.orgId, sandbox);
    if (!view || !tenant) throw new DomainError('SANDBOX_NOT_FOUND', `Sandbox '${sandbox}' of ${principal.orgId} has no projection on this edge (${deps.dataCenter})`);
    if (tenancy.size >= 10_000) tenancy.clear();
    tenancy.set(key, { tenant, until: Math.min(now + KEEP_MS, principal.grant.expiresAt ?? now + KEEP_MS), config: view.config.version });
    return tenant;
  }

  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/ready', async () => ({
    status: deps.sync.view ? 'ready' : 'waiting for its first configuration',
    dataCenter: deps.dataCenter,
    store: deps.store.kind,
    connected: deps.sync.connected,
    offset: deps.sync.position(),
    syncedAt: deps.sync.syncedAt === 0 ? null : new Date(deps.sync.syncedAt).toISOString(),
  }));

  app.get('/data/core/ups/access/entities', async (request, reply) => {
    const q = singleValued(request.query as Record<string, unknown>);
    const tenant = await tenantOf(request.headers);
    if (q['schema.name'] !== PROFILE) {
      throw new DomainError('ENTITY_QUERY_INVALID', `schema.name '${String(q['schema.name'] ?? '')}' is not served at the edge: edges hold projected profiles (${PROFILE}); ask the hub for events`);
    }
    if (typeof q.entityId !== 'string' || q.entityId === '') throw new DomainError('ENTITY_QUERY_INVALID', 'entityId is required (an XID, or an id with entityIdNS)');
    const paths = parseFields(q.fields);
    const { ns, id, xid } = identityOf(tenant, q.entityId, q.entityIdNS);
    const projections = answering(tenant, typeof q.mergePolicyId === 'string' ? q.mergePolicyId : undefined);
    if (projections.length === 0) throw new DomainError('ENTITY_NOT_FOUND', `No projection of this sandbox on this edge answers merge policy '${q.mergePolicyId ?? 'default'}'`);
    const wanted = new Set(projections.map((p) => p.projectionId));
    let held = (await deps.store.lookup(tenant.tenantId, ns, id)).filter((d) => wanted.has(d.projectionId));
    let source = 'hit';
    if (held.length === 0) {
      source = 'fetch';
      if (await deps.sync.fetch(tenant.tenantId, ns, id, [...wanted])) held = (await deps.store.lookup(tenant.tenantId, ns, id)).filter((d) => wanted.has(d.projectionId));
    }
    if (held.length === 0) throw new DomainError('ENTITY_NOT_FOUND', `No profile for ${ns} '${id}' in this sandbox`);
    for (const d of held) deps.sync.read(tenant.tenantId, d.projectionId, d.personKey);
    const now = deps.clock();
    const synced = deps.sync.syncedAt;
    void reply
      .header('x-request-id', request.id)
      .header('age', synced === 0 ? '0' : String(Math.max(0, Math.floor((now - synced) / 1000))))
      .header('x-rtprofile-edge', `${deps.dataCenter}; ${source}; synced-at=${synced === 0 ? 'never' : new Date(synced).toISOString()}`)
      .type(JSON_TYPE);
    return reply.send(`{${JSON.stringify(xid)}:${entryJson(held, xid, paths)}}`);
  });
  await app.ready();
  return app;
}

/** The identity a lookup names: `entityId` with `entityIdNS`, or an XID. */
function identityOf(tenant: EdgeTenant, entityId: string, entityIdNS: string | undefined): { ns: string; id: string; xid: string } {
  if (entityIdNS === undefined || entityIdNS === '') {
    const decoded = fromXid(entityId);
    const ns = decoded && tenant.nsCodes.get(decoded.nsid);
    if (!decoded || !ns) throw new DomainError('ENTITY_ID_INVALID', `entityId '${entityId.slice(0, 200)}' is not an XID; give entityIdNS with the namespace code`);
    return { ns, id: decoded.id, xid: entityId };
  }
  const ns = entityIdNS.toLowerCase();
  const nsid = tenant.nsIds.get(ns);
  if (nsid === undefined) throw new DomainError('ENTITY_NAMESPACE_UNKNOWN', `entityIdNS '${entityIdNS.slice(0, 100)}' is not a namespace of this sandbox`);
  return { ns, id: entityId, xid: toXid(nsid, entityId) };
}

/** The hub's profile entry; one projection's copy is spliced as stored, several are merged field by field. */
function entryJson(held: readonly HeldDoc[], xid: string, paths: string[][]): string {
  const first = held[0]!;
  const modified = Math.max(...held.map((d) => d.modifiedAt));
  let entity = first.entity;
  if (held.length > 1 || paths.length > 0) {
    const merged: Record<string, unknown> = {};
    for (const d of held) deepMerge(merged, JSON.parse(d.entity) as Record<string, unknown>);
    entity = JSON.stringify(project(merged, paths));
  }
  return `{"entityId":${JSON.stringify(xid)},"sources":${first.sources},"entity":${entity},"lastModifiedAt":"${rfc3339(modified)}","mergePolicy":{"id":${JSON.stringify(first.policyId)}}}`;
}

/** The query with each parameter given at most once (a repeated one is refused: which one would count is a guess). */
function singleValued(query: Record<string, unknown>): Query {
  for (const [name, value] of Object.entries(query)) {
    if (typeof value !== 'string') throw new DomainError('ENTITY_QUERY_INVALID', `${name.slice(0, 100)} is given more than once`);
  }
  return query as Query;
}

function deepMerge(into: Record<string, unknown>, from: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(from)) {
    const at = Object.hasOwn(into, k) ? into[k] : undefined;
    if (at && v && typeof at === 'object' && typeof v === 'object' && !Array.isArray(at) && !Array.isArray(v)) deepMerge(at as Record<string, unknown>, v as Record<string, unknown>);
    else Object.defineProperty(into, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
}
