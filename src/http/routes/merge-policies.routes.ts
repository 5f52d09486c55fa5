/** Merge policies (/data/core/ups/config/mergePolicies): list with AEP's filters and paging, CRUD, PATCH, bulk-get. */
import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { App, Services } from '../app.js';
import { DomainError } from '../../shared/errors.js';
import type { MergePolicy, MergePolicyFields } from '../../profile/merge-policy.js';
import { parseFlag } from '../../profile/merge-policy.js';
import { limitParam, safeInteger } from './paging.js';

const BASE = '/data/core/ups/config/mergePolicies';

/** AEP's merge policy object. */
function present(request: FastifyRequest, p: MergePolicy) {
  const s = request.ctx.sandbox;
  return {
    id: p.id,
    name: p.name,
    imsOrgId: request.ctx.orgId,
    sandbox: { sandboxId: s.id, sandboxName: s.name, type: s.type, default: s.isDefault },
    schema: { name: p.className },
    version: p.version,
    identityGraph: { type: p.identityGraph },
    attributeMerge: p.attributeMerge === 'dataSetPrecedence' ? { type: p.attributeMerge, order: p.order } : { type: p.attributeMerge },
    isActiveOnEdge: p.isActiveOnEdge,
    default: p.isDefault,
    updateEpoch: p.updateEpoch,
  };
}

const Body = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 256 }),
    identityGraph: Type.Object({ type: Type.String() }),
    attributeMerge: Type.Object({ type: Type.String(), order: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 100 })) }),
    schema: Type.Object({ name: Type.String() }),
    default: Type.Optional(Type.Union([Type.Boolean(), Type.String()])),
    isActiveOnEdge: Type.Optional(Type.Union([Type.Boolean(), Type.String()])),
  },
  { additionalProperties: true },
);
type BodyT = { name: string; identityGraph: { type: string }; attributeMerge: { type: string; order?: string[] }; schema: { name: string }; default?: boolean | string; isActiveOnEdge?: boolean | string };

function fields(b: BodyT): MergePolicyFields {
  return {
    name: b.name,
    className: b.schema.name,
    identityGraph: b.identityGraph.type,
    attributeMerge: b.attributeMerge.type,
    order: b.attributeMerge.order,
    isDefault: parseFlag(b.default, 'default'),
    isActiveOnEdge: parseFlag(b.isActiveOnEdge, 'isActiveOnEdge'),
  };
}

const Op = Type.Object({ op: Type.String(), path: Type.String(), value: Type.Optional(Type.Unknown()) });
const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

/** Registers the merge policy routes. */
export function registerMergePolicyRoutes(app: App, { mergePolicies }: Services): void {
  const scope = (r: FastifyRequest) => ({ tenantId: r.ctx.tenantId, orgId: r.ctx.orgId });

  app.get(
    BASE,
    {
      schema: {
        querystring: Type.Object({
          default: Type.Optional(Type.Boolean()),
          limit: limitParam(100, 20),
          orderBy: Type.Optional(Type.String()),
          orderby: Type.Optional(Type.String()),
          'schema.name': Type.Optional(Type.String()),
          'identityGraph.type': Type.Optional(Type.String()),
          'attributeMerge.type': Type.Optional(Type.String()),
          start: Type.Optional(Type.String({ maxLength: 64 })),
          version: Type.Optional(safeInteger()),
          isActiveOnEdge: Type.Optional(Type.Boolean()),
        }),
      },
    },
    async (request) => {
      const q = request.query;
      const order = (q.orderBy ?? q.orderby ?? 'name').replace(/^\+/, '').trim();
      if (order !== 'name' && order !== '-name') throw new DomainError('MERGE_POLICY_INVALID', `orderBy '${order}' is not supported: use name, +name or -name`);
      const offset = q.start === undefined ? 0 : decodeStart(q.start);
      const all = await mergePolicies.list(request.ctx.tenantId, {
        orderBy: order,
        ...(q.default === undefined ? {} : { default: q.default }),
        ...(q['schema.name'] === undefined ? {} : { className: q['schema.name'] }),
        ...(q['identityGraph.type'] === undefined ? {} : { identityGraph: q['identityGraph.type'] }),
        ...(q['attributeMerge.type'] === undefined ? {} : { attributeMerge: q['attributeMerge.type'] }),
        ...(q.version === undefined ? {} : { version: q.version }),
        ...(q.isActiveOnEdge === undefined ? {} : { isActiveOnEdge: q.isActiveOnEdge }),
      });
      const page = all.slice(offset, offset + q.limit);
      const nextOffset = offset + page.length;
      const next = nextOffset < all.length ? `@/mergePolicies?start=${Buffer.from(String(nextOffset)).toString('base64url')}&orderBy=${order}&limit=${q.limit}` : '';
      return { _page: { totalCount: all.length, pageSize: page.length, count: page.length }, children: page.map((p) => present(request, p)), _links: { next: { href: next } } };
    },
  );

  app.post(BASE, { schema: { body: Body } }, async (request) => present(request, await mergePolicies.create(scope(request), fields(request.body as BodyT))));

  app.post(
    `${BASE}/bulk-get`,
    { schema: { body: Type.Object({ ids: Type.Array(Type.Object({ id: Type.String({ minLength: 1 }) }), { minItems: 1, maxItems: 100 }) }) } },
    async (request, reply) => {
      const results: Record<string, unknown> = {};
      for (const { id } of request.body.ids) {
        try {
          results[id] = present(request, await mergePolicies.get(request.ctx.tenantId, id));
        } catch (err) {
          if (!(err instanceof DomainError)) throw err;
          results[id] = { statusCode: '404', message: err.message };
        }
      }
      return reply.status(207).send({ results });
    },
  );

  app.get(`${BASE}/:id`, { schema: { params: Id } }, async (request) => present(request, await mergePolicies.get(request.ctx.tenantId, request.params.id)));

  app.put(`${BASE}/:id`, { schema: { params: Id, body: Body } }, async (request) =>
    present(request, await mergePolicies.replace(scope(request), request.params.id, fields(request.body as BodyT))),
  );

  app.patch(`${BASE}/:id`, { schema: { params: Id, body: Type.Union([Op, Type.Array(Op, { minItems: 1, maxItems: 20 })]) } }, async (request) => {
    const ops = Array.isArray(request.body) ? request.body : [request.body];
    return present(request, await mergePolicies.patch(scope(request), request.params.id, ops));
  });

  app.delete(`${BASE}/:id`, { schema: { params: Id } }, async (request, reply) => {
    await mergePolicies.delete(request.ctx.tenantId, request.params.id);
    return reply.status(200).send();
  });
}

function decodeStart(start: string): number {
  const n = Number(Buffer.from(start, 'base64url').toString('utf8'));
  if (!Number.isSafeInteger(n) || n < 0) throw new DomainError('MERGE_POLICY_INVALID', `start '${start}' is not a page token returned by this API`);
  return n;
}
