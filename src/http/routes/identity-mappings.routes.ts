/** Identity Service routes of Adobe's collection: mappings (GET mapping, POST mappings), cluster history in bulk, org namespaces. */
import { Type } from 'typebox';
import type { App, Services } from '../app.js';
import { DomainError } from '../../shared/errors.js';
import type { IdentityKey } from '../../identity/graph.store.js';
import type { Namespace } from '../../identity/namespace.js';
import type { NamespaceIndex } from '../../identity/namespace.service.js';
import { type IdentityRef, nsidOf, resolveKey } from '../../identity/identity-ref.js';
import { clusterHistory, mappedIdentities, targetNamespace } from '../../identity/mappings.js';
import { toXid } from '../../identity/xid.js';

const ID = '/data/core/identity';
/** Bulk requests take at most this many identities, as clusters/members does. */
const MAX_BULK = 1000;

const Ref = Type.Object({
  xid: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
  namespace: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  nsid: Type.Optional(Type.Integer({ minimum: 0 })),
  id: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
});
const XidList = Type.Array(Type.Union([Type.String({ minLength: 1, maxLength: 2048 }), Type.Object({ xid: Type.String({ minLength: 1, maxLength: 2048 }) })]), { maxItems: MAX_BULK });
const CompositeList = Type.Array(Type.Object({ nsid: Type.Optional(Type.Integer({ minimum: 0 })), namespace: Type.Optional(Type.String({ maxLength: 64 })), id: Type.String({ minLength: 1, maxLength: 1024 }) }), { maxItems: MAX_BULK });
const TargetNs = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ minLength: 1, maxLength: 64 })]);

/** Each requested identity as the answer echoes it, with how to resolve it. */
function requested(body: { xids?: Array<string | { xid: string }>; compositeXids?: Array<{ nsid?: number; namespace?: string; id: string }> }): IdentityRef[] {
  const refs = [...(body.xids ?? []).map((x) => ({ xid: typeof x === 'string' ? x : x.xid })), ...(body.compositeXids ?? [])];
  if (refs.length === 0) throw new DomainError('IDENTITY_QUERY_INVALID', 'Give xids ([{"xid": "…"}]) or compositeXids ([{"nsid": 6, "id": "…"}])');
  if (refs.length > MAX_BULK) throw new DomainError('IDENTITY_QUERY_INVALID', `At most ${MAX_BULK} identities per request; ${refs.length} were sent`);
  return refs;
}

/** Runs `each` for every identity that resolves; the others are listed as unprocessed, as Identity Service does. */
async function forEach<T>(index: NamespaceIndex, refs: IdentityRef[], each: (key: IdentityKey, xid: string) => Promise<T>) {
  const done: T[] = [];
  const unprocessed: Array<{ xid: string } | IdentityRef> = [];
  for (const ref of refs) {
    let key: IdentityKey;
    try {
      key = resolveKey(index, ref);
    } catch {
      unprocessed.push(ref.xid !== undefined ? { xid: ref.xid } : ref);
      continue;
    }
    done.push(await each(key, toXid(nsidOf(index, key), key.id)));
  }
  return { done, unprocessed };
}

/** Registers the mapping, bulk history and org namespace routes. */
export function registerIdentityMappingRoutes(app: App, { db, namespaces }: Services): void {
  const mapping = async (tenantId: number, target: Namespace, key: IdentityKey, xid: string) => ({
    identity: { xid },
    identityTimestamps: (await mappedIdentities(db, tenantId, key, target)).map((m) => ({ xid: { xid: toXid(target.id, m.id) }, lastAssociationTime: new Date(m.lastSeen).toISOString() })),
    regions: [],
  });

  app.get(`${ID}/mapping`, { schema: { querystring: Type.Object({ ...Ref.properties, targetNs: TargetNs, 'graph-type': Type.Optional(Type.String()) }) } }, async (request) => {
    const { tenantId } = request.ctx;
    const index = await namespaces.index(tenantId);
    const target = targetNamespace(index, request.query.targetNs);
    const key = resolveKey(index, request.query);
    return { mappings: [await mapping(tenantId, target, key, toXid(nsidOf(index, key), key.id))], unprocessedXids: [], version: 1 };
  });

  app.post(
    `${ID}/mappings`,
    { schema: { body: Type.Object({ xids: Type.Optional(XidList), compositeXids: Type.Optional(CompositeList), targetNs: TargetNs, version: Type.Optional(Type.Union([Type.String(), Type.Integer()])) }, { additionalProperties: false }) } },
    async (request) => {
      const { tenantId } = request.ctx;
      const index = await namespaces.index(tenantId);
      const target = targetNamespace(index, request.body.targetNs);
      const { done, unprocessed } = await forEach(index, requested(request.body), (key, xid) => mapping(tenantId, target, key, xid));
      return { mappings: done, unprocessedXids: unprocessed, version: Number(request.body.version) || 1 };
    },
  );

  app.post(
    `${ID}/clusters/history`,
    { schema: { body: Type.Object({ xids: Type.Optional(XidList), compositeXids: Type.Optional(CompositeList), 'graph-type': Type.Optional(Type.String()), version: Type.Optional(Type.Union([Type.String(), Type.Integer()])) }, { additionalProperties: false }) } },
    async (request) => {
      const { tenantId } = request.ctx;
      const index = await namespaces.index(tenantId);
      const { done, unprocessed } = await forEach(index, requested(request.body), async (key, xid) => ({
        xid: { xid },
        clusterHistory: (await clusterHistory(db, tenantId, key)).map((c) => ({ clusterId: c.clusterId, cRecordedTS: new Date(c.recordedAt).toISOString() })),
      }));
      return { xidsClusterHistory: done, unprocessedXids: unprocessed, version: String(request.body.version ?? '1.0') };
    },
  );

  // Deprecated in the spec for /idnamespace/identities. No org shares namespaces here, so another org's list is empty.
  const Org = Type.String({ minLength: 1, maxLength: 256 });
  const present = (n: Namespace) => ({ ...n, status: 'ACTIVE' });
  app.get('/data/core/idnamespace/orgs/:org/identities', { schema: { params: Type.Object({ org: Org }) } }, async (request) =>
    request.params.org === request.ctx.orgId ? (await namespaces.list(request.ctx.tenantId)).map(present) : [],
  );
  app.get('/data/core/idnamespace/orgs/:org/identities/:id', { schema: { params: Type.Object({ org: Org, id: Type.Integer({ minimum: 0 }) }) } }, async (request) => {
    if (request.params.org !== request.ctx.orgId) {
      throw new DomainError('NAMESPACE_NOT_FOUND', `Namespace ${request.params.id} is not available to org ${request.ctx.orgId} from org ${request.params.org}`);
    }
    return present(await namespaces.get(request.ctx.tenantId, request.params.id));
  });
}
