/** Identity Service: namespaces (/data/core/idnamespace) and the graph (/data/core/identity: members, graph, history, explain). */
import { Readable } from 'node:stream';
import { Type } from 'typebox';
import type { App, Services } from '../app.js';
import { DomainError } from '../../shared/errors.js';
import type { Namespace } from '../../identity/namespace.js';
import type { NamespaceIndex } from '../../identity/namespace.service.js';
import type { IdentityKey, Link, Member } from '../../identity/graph.store.js';
import { MAX_GRAPH_QUERY, assertGraphQuerySize } from '../../identity/cluster-reader.js';
import { slicer } from '../../shared/slices.js';
import { toXid } from '../../identity/xid.js';
import { nsidOf, resolveAll, resolveKey } from '../../identity/identity-ref.js';
import { ERRORS } from '../schemas/problem.js';
import { ClusterMembers, ExplainAnswer, GraphAnswer, GuardrailsAnswer, HistoryAnswer, NamespaceObject, XidAnswer } from '../schemas/identity.js';
import { limitParam, safeInteger } from './paging.js';

const NS = '/data/core/idnamespace/identities';
const ID = '/data/core/identity';

const present = (n: Namespace) => ({ ...n, status: 'ACTIVE' });

const nsid = nsidOf;

/** Registers the namespace and graph routes. */
export function registerIdentityRoutes(app: App, { namespaces, graph, config }: Services): void {
  app.get(NS, { schema: { response: { 200: Type.Array(NamespaceObject), ...ERRORS } } }, async (request) => (await namespaces.list(request.ctx.tenantId)).map(present));

  app.get(`${NS}/:id`, { schema: { params: Type.Object({ id: safeInteger() }), response: { 200: NamespaceObject, ...ERRORS } } }, async (request) =>
    present(await namespaces.get(request.ctx.tenantId, request.params.id)),
  );

  const Body = Type.Object({
    name: Type.String({ minLength: 1, maxLength: 256 }),
    code: Type.String({ minLength: 1, maxLength: 64 }),
    idType: Type.String({ minLength: 1 }),
    description: Type.Optional(Type.String({ maxLength: 2048 })),
  });
  app.post(NS, { schema: { body: Body, response: { 200: NamespaceObject, ...ERRORS } } }, async (request) => present(await namespaces.create(request.ctx.tenantId, request.body)));
  app.put(`${NS}/:id`, { schema: { params: Type.Object({ id: safeInteger() }), body: Type.Partial(Body), response: { 200: NamespaceObject, ...ERRORS } } }, async (request) =>
    present(await namespaces.update(request.ctx.tenantId, request.params.id, request.body)),
  );

  const Query = Type.Object({
    xid: Type.Optional(Type.String({ minLength: 1 })),
    namespace: Type.Optional(Type.String({ minLength: 1 })),
    nsid: Type.Optional(safeInteger()),
    id: Type.Optional(Type.String({ minLength: 1 })),
    'graph-type': Type.Optional(Type.String()),
  });

  app.get(`${ID}/identity`, { schema: { querystring: Query, response: { 200: XidAnswer, ...ERRORS } } }, async (request) => {
    const index = await namespaces.index(request.ctx.tenantId);
    const key = resolveKey(index, request.query);
    return { xid: toXid(nsid(index, key), key.id) };
  });

  const membersOf = async (tenantId: number, _index: NamespaceIndex, key: IdentityKey): Promise<Member[]> => {
    const found = await graph.clusterMembers(tenantId, key);
    return found.length > 0 ? found : [{ ...key, seq: 0, firstSeen: 0, lastSeen: 0 }];
  };
  const composite = (index: NamespaceIndex, k: IdentityKey) => ({ nsid: nsid(index, k), id: k.id });

  app.get(`${ID}/cluster/members`, { schema: { querystring: Query, response: { 200: ClusterMembers, ...ERRORS } } }, async (request) => {
    const index = await namespaces.index(request.ctx.tenantId);
    const key = resolveKey(index, request.query);
    const members = await membersOf(request.ctx.tenantId, index, key);
    // Members come back in the form the request named the identity in: XIDs, {nsid, id} or {namespace, id}.
    const q = request.query;
    const cluster =
      q.xid !== undefined
        ? { xid: q.xid, members: members.map((m) => toXid(nsid(index, m), m.id)) }
        : q.namespace !== undefined
          ? { compositeXid: { namespace: q.namespace, id: key.id }, members: members.map((m) => ({ namespace: m.ns, id: m.id })) }
          : { compositeXid: composite(index, key), members: members.map((m) => composite(index, m)) };
    return { version: '1.1.0', clusters: [cluster], unprocessedRecords: [], algo_type: 'STITCH_ALL' };
  });

  app.post(
    `${ID}/clusters/members`,
    {
      schema: {
        body: Type.Object(
          {
            xids: Type.Optional(Type.Array(Type.String(), { maxItems: MAX_GRAPH_QUERY })),
            compositeXids: Type.Optional(Type.Array(Type.Object({ nsid: safeInteger(), id: Type.String() }), { maxItems: MAX_GRAPH_QUERY })),
            compositeXidsWithNamespace: Type.Optional(Type.Array(Type.Object({ namespace: Type.String({ minLength: 1 }), id: Type.String() }), { maxItems: MAX_GRAPH_QUERY })),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: ClusterMembers, ...ERRORS },
      },
    },
    async (request) => {
      const { xids = [], compositeXids = [] } = request.body;
      // The spec's tertiary form: ignored when either of the others is present.
      const withNamespace = xids.length === 0 && compositeXids.length === 0 ? (request.body.compositeXidsWithNamespace ?? []) : [];
      assertGraphQuerySize(xids.length + compositeXids.length + withNamespace.length);
      const index = await namespaces.index(request.ctx.tenantId);
      const { resolved, unprocessed } = resolveAll(index, [
        ...xids.map((xid) => ({ echo: xid, form: 'xid' as const, query: { xid }, skip: xid })),
        ...compositeXids.map((c) => ({ echo: c, form: 'nsid' as const, query: c, skip: c })),
        ...withNamespace.map((c) => ({ echo: c, form: 'namespace' as const, query: c, skip: c })),
      ]);
      const views = await graph.readClusters(request.ctx.tenantId, resolved.map((r) => r.key), { edges: false, edgeMeta: false });
      const clusters = resolved.map(({ echo, form }, i) => {
        const members = views[i]!.members;
        if (form === 'xid') return { xid: echo as string, members: members.map((m) => toXid(nsid(index, m), m.id)) };
        if (form === 'namespace') return { compositeXid: echo, members: members.map((m) => ({ namespace: m.ns, id: m.id })) };
        return { compositeXid: echo, members: members.map((m) => composite(index, m)) };
      });
      return { version: '1.1.0', clusters, unprocessedRecords: unprocessed, algo_type: 'STITCH_ALL' };
    },
  );

  app.post(
    `${ID}/v2/graph`,
    {
      schema: {
        body: Type.Object({
          composite_xids: Type.Optional(Type.Array(Type.Object({ ns: Type.Optional(Type.String()), nsid: Type.Optional(safeInteger()), id: Type.String() }), { maxItems: MAX_GRAPH_QUERY })),
          xids: Type.Optional(Type.Array(Type.String(), { maxItems: MAX_GRAPH_QUERY })),
          projection_type: Type.Optional(Type.Union([Type.Literal('set'), Type.Literal('graph')])),
          require_edge_meta_data: Type.Optional(Type.Boolean()),
        }, { additionalProperties: false }),
        response: { 200: GraphAnswer, ...ERRORS },
      },
    },
    async (request, reply) => {
      const { tenantId } = request.ctx;
      const { composite_xids: compositeXids, xids } = request.body;
      if (!compositeXids && !xids) throw new DomainError('IDENTITY_QUERY_INVALID', 'Give composite_xids or xids');
      assertGraphQuerySize((compositeXids?.length ?? 0) + (xids?.length ?? 0));
      const index = await namespaces.index(tenantId);
      const asGraph = request.body.projection_type === 'graph';
      const meta = request.body.require_edge_meta_data === true;
      const { resolved, unprocessed } = resolveAll(index, [
        ...(compositeXids ?? []).map((c) => ({ echo: { composite_xid: c }, query: c, skip: c, useNs: c.ns !== undefined, useXid: false })),
        ...(xids ?? []).map((xid) => ({ echo: { xid }, query: { xid }, skip: { xid }, useNs: false, useXid: true })),
      ]);
      const views = await graph.readClusters(tenantId, resolved.map((r) => r.key), { edges: asGraph, edgeMeta: meta });
      // Streamed graph by graph with a slice check between: building and sending the whole answer at once (tens of
      // MB for 1,000 graphs with edge metadata) held the event loop for hundreds of milliseconds.
      async function* answer() {
        const tick = slicer();
        yield '{"version":"2.0","graphs":[';
        for (const [i, input] of resolved.entries()) {
          const { members, edges } = views[i]!;
          const ref = (k: IdentityKey) => (input.useXid ? toXid(nsid(index, k), k.id) : input.useNs ? { ns: k.ns, id: k.id } : composite(index, k));
          const vertex = input.useXid ? 'xid' : 'composite_xid';
          const one = !asGraph
            ? { ...input.echo, members: members.map(ref) }
            : {
                ...input.echo,
                vertices: members.map((m) => ({ [vertex]: ref(m), last_updated_ts: m.lastSeen })),
                edges: edges.map((e) => ({
                  [`${vertex}_pair`]: [ref(e.a), ref(e.b)],
                  first_established_ts: e.firstAt,
                  last_established_ts: e.lastAt,
                  ...(meta ? { dataset_ids: e.datasetIds, batch_ids: e.batchIds } : {}),
                })),
              };
          yield (i === 0 ? '' : ',') + JSON.stringify(one);
          await tick();
        }
        yield `],"unprocessed_composite_xids":${JSON.stringify(unprocessed)},"algo_type":"STITCH_ALL"}`;
      }
      return reply.type('application/json; charset=utf-8').send(Readable.from(answer()));
    },
  );

  const IdentityQuery = Type.Object({ namespace: Type.String({ minLength: 1 }), id: Type.String({ minLength: 1 }) });

  app.get(`${ID}/cluster/history`, { schema: { querystring: IdentityQuery, response: { 200: HistoryAnswer, ...ERRORS } } }, async (request) => {
    const index = await namespaces.index(request.ctx.tenantId);
    const key = resolveKey(index, request.query);
    const links = await graph.history(request.ctx.tenantId, key);
    return { identity: { ns: key.ns, id: key.id }, links: links.map(presentLink) };
  });

  app.get(
    `${ID}/explain`,
    { schema: { querystring: Type.Object({ fromNamespace: Type.String({ minLength: 1 }), fromId: Type.String({ minLength: 1 }), toNamespace: Type.String({ minLength: 1 }), toId: Type.String({ minLength: 1 }) }), response: { 200: ExplainAnswer, ...ERRORS } } },
    async (request) => {
      const index = await namespaces.index(request.ctx.tenantId);
      const from = resolveKey(index, { namespace: request.query.fromNamespace, id: request.query.fromId });
      const to = resolveKey(index, { namespace: request.query.toNamespace, id: request.query.toId });
      const chain = await graph.explain(request.ctx.tenantId, from, to);
      return { from, to, sameGraph: chain !== undefined, chain: (chain ?? []).map(presentLink) };
    },
  );

  app.get(`${ID}/guardrails`, { schema: { querystring: Type.Object({ limit: limitParam(1000, 100) }), response: { 200: GuardrailsAnswer, ...ERRORS } } }, async (request) => ({
    limits: { maxIdentitiesPerGraph: config.maxGraphIdentities, uniqueNamespaces: config.uniqueNamespaces, extraBlocklist: config.identityBlocklist },
    ...(await graph.guardrails(request.ctx.tenantId, request.query.limit)),
  }));
}

function presentLink(l: Link) {
  return { pair: [l.a, l.b], datasetId: l.datasetId, batchId: l.batchId === '' ? null : l.batchId, firstEstablished: l.firstAt, lastEstablished: l.lastAt };
}
