/** Identity Service routes of Adobe's collection: mappings (GET mapping, POST mappings), cluster history in bulk, org namespaces. */
import { Type } from 'typebox';
import type { App, Services } from '../app.js';
import { DomainError } from '../../shared/errors.js';
import type { IdentityKey } from '../../identity/graph.store.js';
import type { Namespace } from '../../identity/namespace.js';
import type { NamespaceIndex } from '../../identity/namespace.service.js';
import { type IdentityRef, nsidOf, resolveAll, resolveKey } from '../../identity/identity-ref.js';
import { MAX_GRAPH_QUERY, assertGraphQuerySize, readClusters } from '../../identity/cluster-reader.js';
import { safeInteger } from './paging.js';
import { clusterHistory, mappedIdentities, targetNamespace } from '../../identity/mappings.js';
import { toXid } from '../../identity/xid.js';

const ID = '/data/core/identity';

const Ref = Type.Object({
  xid: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
  namespace: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  nsid: Type.Optional(safeInteger()),
  id: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
});
const XidList = Type.Array(Type.Union([Type.String({ minLength: 1, maxLength: 2048 }), Type.Object({ xid: Type.String({ minLength: 1, maxLength: 2048 }) })]), { maxItems: MAX_GRAPH_QUERY });
const CompositeList = Type.Array(Type.Object({ nsid: Type.Optional(safeInteger()), namespace: Type.Optional(Type.String({ maxLength: 64 })), id: Type.String({ minLength: 1, maxLength: 1024 }) }), { maxItems: MAX_GRAPH_QUERY });
const TargetNs = Type.Union([safeInteger(), Type.String({ minLength: 1, maxLength: 64 })]);
const Version = Type.Optional(Type.Union([Type.String({ maxLength: 32 }), safeInteger()]));

/** Each requested identity, and how it is echoed when it cannot be resolved (`{xid}` as Identity Service does). */
function requested(body: { xids?: Array<string | { xid: string }>; compositeXids?: Array<{ nsid?: number; namespace?: string; id: string }> }) {
  const refs: IdentityRef[] = [...(body.xids ?? []).map((x) => ({ xid: typeof x === 'string' ? x : x.xid })), ...(body.compositeXids ?? [])];
  if (refs.length === 0) throw new DomainError('IDENTITY_QUERY_INVALID', 'Give xids ([{"xid": "…"}]) or compositeXids ([{"nsid": 6, "id": "…"}])');
  assertGraphQuerySize(refs.length);
  return refs.map((query) => ({ query, skip: query.xid !== undefined ? { xid: query.xid } : query }));
}

/** Registers the mapping, bulk history and org namespace routes. */
export function registerIdentityMappingRoutes(app: App, { db, namespaces }: Services): void {
  /** One mapping per identity, the clusters read once each for the whole request. */
  const mappings = async (tenantId: number, index: NamespaceIndex, target: Namespace, keys: readonly IdentityKey[]) => {
    const clusters = await readClusters(db, tenantId, keys, { edges: false, edgeMeta: false });
    return keys.map((key, i) => ({
      identity: { xid: toXid(nsidOf(index, key), key.id) },
      identityTimestamps: mappedIdentities(clusters[i]!.members, key, target).map((m) => ({ xid: { xid: toXid(target.id, m.id) }, lastAssociationTime: new Date(m.lastSeen).toISOString() })),
      regions: [],
    }));
  };

  app.get(`${ID}/mapping`, { schema: { querystring: Type.Object({ ...Ref.properties, targetNs: TargetNs, 'graph-type': Type.Optional(Type.String()) }) } }, async (request) => {
    const { tenantId } = request.ctx;
    const index = await namespaces.index(tenantId);
    const target = targetNamespace(index, request.query.targetNs);
    return { mappings: await mappings(tenantId, index, target, [resolveKey(index, request.query)]), unprocessedXids: [], version: 1 };
  });

  app.post(
    `${ID}/mappings`,
    { schema: { body: Type.Object({ xids: Type.Optional(XidList), compositeXids: Type.Optional(CompositeList), targetNs: TargetNs, version: Version }, { additionalProperties: false }) } },
    async (request) => {
      const { tenantId } = request.ctx;
      const index = await namespaces.index(tenantId);
      const target = targetNamespace(index, request.body.targetNs);
      const { resolved, unprocessed } = resolveAll(index, requested(request.body));
      const found = await mappings(tenantId, index, target, resolved.map((r) => r.key));
      return { mappings: found, unprocessedXids: unprocessed, version: Number(request.body.version) || 1 };
    },
  );

  app.post(
    `${ID}/clusters/history`,
    { schema: { body: Type.Object({ xids: Type.Optional(XidList), compositeXids: Type.Optional(CompositeList), 'graph-type': Type.Optional(Type.String()), version: Version }, { additionalProperties: false }) } },
    async (request) => {
      const { tenantId } = request.ctx;
      const index = await namespaces.index(tenantId);
      const { resolved, unprocessed } = resolveAll(index, requested(request.body));
      const histories = [];
      for (const { key } of resolved) {
        histories.push({
          xid: { xid: toXid(nsidOf(index, key), key.id) },
          clusterHistory: (await clusterHistory(db, tenantId, key)).map((c) => ({ clusterId: c.clusterId, cRecordedTS: new Date(c.recordedAt).toISOString() })),
        });
      }
      return { xidsClusterHistory: histories, unprocessedXids: unprocessed, version: String(request.body.version ?? '1.0') };
    },
  );

  // Deprecated in the spec for /idnamespace/identities. No org shares namespaces here, so another org's list is empty.
  const Org = Type.String({ minLength: 1, maxLength: 256 });
  const present = (n: Namespace) => ({ ...n, status: 'ACTIVE' });
  app.get('/data/core/idnamespace/orgs/:org/identities', { schema: { params: Type.Object({ org: Org }) } }, async (request) =>
    request.params.org === request.ctx.orgId ? (await namespaces.list(request.ctx.tenantId)).map(present) : [],
  );
  app.get('/data/core/idnamespace/orgs/:org/identities/:id', { schema: { params: Type.Object({ org: Org, id: safeInteger() }) } }, async (request) => {
    if (request.params.org !== request.ctx.orgId) {
      throw new DomainError('NAMESPACE_NOT_FOUND', `Namespace ${request.params.id} is not available to org ${request.ctx.orgId} from org ${request.params.org}`);
    }
    return present(await namespaces.get(request.ctx.tenantId, request.params.id));
  });
}
