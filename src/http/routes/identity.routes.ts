/** Identity Service: namespaces (/data/core/idnamespace) and the graph (/data/core/identity: members, graph, history, explain). */
import { Type } from 'typebox';
import type { App, Services } from '../app.js';
import { DomainError } from '../../shared/errors.js';
import type { Namespace } from '../../identity/namespace.js';
import type { NamespaceIndex } from '../../identity/namespace.service.js';
import type { IdentityKey, Link, Member } from '../../identity/graph.store.js';
import { toXid } from '../../identity/xid.js';
import { nsidOf, resolveKey } from '../../identity/identity-ref.js';

const NS = '/data/core/idnamespace/identities';
const ID = '/data/core/identity';

const present = (n: Namespace) => ({ ...n, status: 'ACTIVE' });

const nsid = nsidOf;

/** Registers the namespace and graph routes. */
export function registerIdentityRoutes(app: App, { namespaces, graph, config }: Services): void {
  app.get(NS, async (request) => (await namespaces.list(request.ctx.tenantId)).map(present));

  app.get(`${NS}/:id`, { schema: { params: Type.Object({ id: Type.Integer({ minimum: 0 }) }) } }, async (request) =>
    present(await namespaces.get(request.ctx.tenantId, request.params.id)),
  );

  const Body = Type.Object({
    name: Type.String({ minLength: 1, maxLength: 256 }),
    code: Type.String({ minLength: 1, maxLength: 64 }),
    idType: Type.String({ minLength: 1 }),
    description: Type.Optional(Type.String({ maxLength: 2048 })),
  });
  app.post(NS, { schema: { body: Body } }, async (request) => present(await namespaces.create(request.ctx.tenantId, request.body)));
  app.put(`${NS}/:id`, { schema: { params: Type.Object({ id: Type.Integer({ minimum: 0 }) }), body: Type.Partial(Body) } }, async (request) =>
    present(await namespaces.update(request.ctx.tenantId, request.params.id, request.body)),
  );

  const Query = Type.Object({
    xid: Type.Optional(Type.String({ minLength: 1 })),
    namespace: Type.Optional(Type.String({ minLength: 1 })),
    nsid: Type.Optional(Type.Integer({ minimum: 0 })),
    id: Type.Optional(Type.String({ minLength: 1 })),
    'graph-type': Type.Optional(Type.String()),
  });

  app.get(`${ID}/identity`, { schema: { querystring: Query } }, async (request) => {
    const index = await namespaces.index(request.ctx.tenantId);
    const key = resolveKey(index, request.query);
    return { xid: toXid(nsid(index, key), key.id) };
  });

  const membersOf = async (tenantId: number, _index: NamespaceIndex, key: IdentityKey): Promise<Member[]> => {
    const found = await graph.clusterMembers(tenantId, key);
    return found.length > 0 ? found : [{ ...key, seq: 0, firstSeen: 0, lastSeen: 0 }];
  };
  const composite = (index: NamespaceIndex, k: IdentityKey) => ({ nsid: nsid(index, k), id: k.id });

  app.get(`${ID}/cluster/members`, { schema: { querystring: Query } }, async (request) => {
    const index = await namespaces.index(request.ctx.tenantId);
    const key = resolveKey(index, request.query);
    const members = await membersOf(request.ctx.tenantId, index, key);
    const cluster =
      request.query.xid !== undefined
        ? { xid: request.query.xid, members: members.map((m) => toXid(nsid(index, m), m.id)) }
        : { compositeXid: composite(index, key), members: members.map((m) => composite(index, m)) };
    return { version: '1.1.0', clusters: [cluster], unprocessedRecords: [], algo_type: 'STITCH_ALL' };
  });

  app.post(
    `${ID}/clusters/members`,
    { schema: { body: Type.Object({ xids: Type.Optional(Type.Array(Type.String(), { maxItems: 1000 })), compositeXids: Type.Optional(Type.Array(Type.Object({ nsid: Type.Integer(), id: Type.String() }), { maxItems: 1000 })) }, { additionalProperties: false, minProperties: 1 }) } },
    async (request) => {
      const index = await namespaces.index(request.ctx.tenantId);
      const clusters = [];
      const unprocessed = [];
      for (const xid of request.body.xids ?? []) {
        try {
          const members = await membersOf(request.ctx.tenantId, index, resolveKey(index, { xid }));
          clusters.push({ xid, members: members.map((m) => toXid(nsid(index, m), m.id)) });
        } catch {
          unprocessed.push(xid);
        }
      }
      for (const c of request.body.compositeXids ?? []) {
        try {
          const key = resolveKey(index, c);
          clusters.push({ compositeXid: c, members: (await membersOf(request.ctx.tenantId, index, key)).map((m) => composite(index, m)) });
        } catch {
          unprocessed.push(c);
        }
      }
      return { version: '1.1.0', clusters, unprocessedRecords: unprocessed, algo_type: 'STITCH_ALL' };
    },
  );

  app.post(
    `${ID}/v2/graph`,
    {
      schema: {
        body: Type.Object({
          composite_xids: Type.Optional(Type.Array(Type.Object({ ns: Type.Optional(Type.String()), nsid: Type.Optional(Type.Integer()), id: Type.String() }), { maxItems: 1000 })),
          xids: Type.Optional(Type.Array(Type.String(), { maxItems: 1000 })),
          projection_type: Type.Optional(Type.Union([Type.Literal('set'), Type.Literal('graph')])),
          require_edge_meta_data: Type.Optional(Type.Boolean()),
        }, { additionalProperties: false }),
      },
    },
    async (request) => {
      const { tenantId } = request.ctx;
      if (!request.body.composite_xids && !request.body.xids) throw new DomainError('IDENTITY_QUERY_INVALID', 'Give composite_xids or xids');
      const index = await namespaces.index(tenantId);
      const asGraph = request.body.projection_type === 'graph';
      const meta = request.body.require_edge_meta_data === true;
      const graphs = [];
      const unprocessed: unknown[] = [];
      const inputs: Array<{ echo: Record<string, unknown>; query: Parameters<typeof resolveKey>[1]; useNs: boolean; useXid: boolean }> = [
        ...(request.body.composite_xids ?? []).map((c) => ({ echo: { composite_xid: c }, query: c, useNs: c.ns !== undefined, useXid: false })),
        ...(request.body.xids ?? []).map((xid) => ({ echo: { xid }, query: { xid }, useNs: false, useXid: true })),
      ];
      for (const input of inputs) {
        let key: IdentityKey;
        try {
          key = resolveKey(index, input.query);
        } catch {
          unprocessed.push(input.query);
          continue;
        }
        const ref = (k: IdentityKey) => (input.useXid ? toXid(nsid(index, k), k.id) : input.useNs ? { ns: k.ns, id: k.id } : composite(index, k));
        const members = await membersOf(tenantId, index, key);
        if (!asGraph) {
          graphs.push({ ...input.echo, members: members.map(ref) });
          continue;
        }
        const links = await graph.clusterLinks(tenantId, key);
        graphs.push({
          ...input.echo,
          vertices: members.map((m) => ({ [input.useXid ? 'xid' : 'composite_xid']: ref(m), last_updated_ts: m.lastSeen })),
          edges: mergeEdges(links).map((e) => ({
            [input.useXid ? 'xid_pair' : 'composite_xid_pair']: [ref(e.a), ref(e.b)],
            first_established_ts: e.firstAt,
            last_established_ts: e.lastAt,
            ...(meta ? { dataset_ids: e.datasetIds, batch_ids: e.batchIds } : {}),
          })),
        });
      }
      return { version: '2.0', graphs, unprocessed_composite_xids: unprocessed, algo_type: 'STITCH_ALL' };
    },
  );

  const IdentityQuery = Type.Object({ namespace: Type.String({ minLength: 1 }), id: Type.String({ minLength: 1 }) });

  app.get(`${ID}/cluster/history`, { schema: { querystring: IdentityQuery } }, async (request) => {
    const index = await namespaces.index(request.ctx.tenantId);
    const key = resolveKey(index, request.query);
    const links = await graph.history(request.ctx.tenantId, key);
    return { identity: { ns: key.ns, id: key.id }, links: links.map(presentLink) };
  });

  app.get(
    `${ID}/explain`,
    { schema: { querystring: Type.Object({ fromNamespace: Type.String({ minLength: 1 }), fromId: Type.String({ minLength: 1 }), toNamespace: Type.String({ minLength: 1 }), toId: Type.String({ minLength: 1 }) }) } },
    async (request) => {
      const index = await namespaces.index(request.ctx.tenantId);
      const from = resolveKey(index, { namespace: request.query.fromNamespace, id: request.query.fromId });
      const to = resolveKey(index, { namespace: request.query.toNamespace, id: request.query.toId });
      const chain = await graph.explain(request.ctx.tenantId, from, to);
      return { from, to, sameGraph: chain !== undefined, chain: (chain ?? []).map(presentLink) };
    },
  );

  app.get(`${ID}/guardrails`, { schema: { querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }) }) } }, async (request) => ({
    limits: { maxIdentitiesPerGraph: config.maxGraphIdentities, uniqueNamespaces: config.uniqueNamespaces, extraBlocklist: config.identityBlocklist },
    ...(await graph.guardrails(request.ctx.tenantId, request.query.limit)),
  }));
}

function presentLink(l: Link) {
  return { pair: [l.a, l.b], datasetId: l.datasetId, batchId: l.batchId === '' ? null : l.batchId, firstEstablished: l.firstAt, lastEstablished: l.lastAt };
}

/** One edge per identity pair, with every dataset and batch that established it. */
function mergeEdges(links: readonly Link[]) {
  const byPair = new Map<string, { a: IdentityKey; b: IdentityKey; firstAt: number; lastAt: number; datasetIds: string[]; batchIds: string[] }>();
  for (const l of links) {
    const k = `${l.a.ns}\u0000${l.a.id}\u0000${l.b.ns}\u0000${l.b.id}`;
    const e = byPair.get(k) ?? { a: l.a, b: l.b, firstAt: l.firstAt, lastAt: l.lastAt, datasetIds: [], batchIds: [] };
    e.firstAt = Math.min(e.firstAt, l.firstAt);
    e.lastAt = Math.max(e.lastAt, l.lastAt);
    if (!e.datasetIds.includes(l.datasetId)) e.datasetIds.push(l.datasetId);
    if (l.batchId !== '' && !e.batchIds.includes(l.batchId)) e.batchIds.push(l.batchId);
    byPair.set(k, e);
  }
  return [...byPair.values()];
}
