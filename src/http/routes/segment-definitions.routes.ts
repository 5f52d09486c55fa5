/** Segment definitions (/data/core/ups/segment/definitions) and pql/text ⇄ pql/json conversion (/segment/conversion). */
import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { App, Services } from '../app.js';
import type { SegmentDefinition } from '../../segments/segment.js';
import { segmentError } from '../../segments/segment.js';
import { parseExpression } from '../../segments/segment-check.js';
import { formatPql, toPqlJson } from '../../pql/index.js';
import { ERRORS } from '../schemas/problem.js';
import { BulkGetBody, BulkResults, ConversionBody, MessageResponse, SegmentCreateBody, SegmentList, SegmentObject, SegmentPatchBody } from '../schemas/segments.js';

const BASE = '/data/core/ups/segment/definitions';

/** The sandbox member of segmentation objects. */
export function sandboxOf(request: FastifyRequest) {
  const s = request.ctx.sandbox;
  return { sandboxId: s.id, sandboxName: s.name, type: s.type, default: s.isDefault };
}
const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });

/** A definition as AEP returns it; `policyId` is the merge policy it is evaluated under (the default's, when it follows it). */
export function presentSegment(request: FastifyRequest, d: SegmentDefinition, policyId: string, dependents: readonly string[]) {
  return {
    id: d.id,
    imsOrgId: request.ctx.orgId,
    sandbox: sandboxOf(request),
    name: d.name,
    description: d.description,
    expression: d.expression,
    evaluationInfo: d.evaluationInfo,
    schema: { name: d.schemaName },
    mergePolicyId: policyId,
    profileInstanceId: 'ups',
    dataGovernancePolicy: { excludeOptOut: true },
    ...(d.payloadSchema === undefined ? {} : { payloadSchema: d.payloadSchema }),
    dependencies: [...d.segments],
    dependents: [...dependents],
    type: 'SegmentDefinition',
    creationTime: d.createdAt,
    updateTime: d.updatedAt,
    updateEpoch: Math.floor(d.updatedAt / 1000),
  };
}

const SORTS: Record<string, (d: SegmentDefinition) => string | number> = {
  name: (d) => d.name.toLowerCase(),
  creationTime: (d) => d.createdAt,
  updateTime: (d) => d.updatedAt,
  updateEpoch: (d) => d.updatedAt,
};

/** `sort=field:asc|desc[,field:dir]`: a comparator, or SEGMENT_INVALID naming what is wrong. */
function comparator(sort: string): { compare: (a: SegmentDefinition, b: SegmentDefinition) => number; field: string; dir: string } {
  const keys = sort.replace(/^sort=/, '').split(',').map((part) => {
    const [field = '', dir = 'asc'] = part.trim().split(':');
    if (!Object.hasOwn(SORTS, field)) throw segmentError('SEGMENT_INVALID', `sort field '${field.slice(0, 40)}' must be one of ${Object.keys(SORTS).join(', ')}`);
    if (dir !== 'asc' && dir !== 'desc') throw segmentError('SEGMENT_INVALID', `sort direction '${dir.slice(0, 10)}' must be asc or desc`);
    return { key: SORTS[field]!, sign: dir === 'desc' ? -1 : 1, field, dir };
  });
  return {
    compare: (a, b) => {
      for (const k of keys) {
        const [x, y] = [k.key(a), k.key(b)];
        if (x !== y) return k.sign * (x < y ? -1 : 1);
      }
      return a.id < b.id ? -1 : 1;
    },
    field: keys[0]!.field,
    dir: keys[0]!.dir,
  };
}

/** Registers the definitions and conversion routes. */
export function registerSegmentDefinitionRoutes(app: App, { segments }: Services): void {
  const present = async (request: FastifyRequest, d: SegmentDefinition, all?: readonly SegmentDefinition[]) => {
    const others = all ?? (await segments.list(request.ctx.tenantId));
    return presentSegment(request, d, await segments.policyIdOf(d), others.filter((o) => o.segments.includes(d.id)).map((o) => o.id));
  };

  app.get(
    BASE,
    {
      schema: {
        querystring: Type.Object(
          {
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
            page: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
            start: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
            sort: Type.Optional(Type.String({ maxLength: 128 })),
            'evaluationInfo.continuous.enabled': Type.Optional(Type.Boolean()),
            'evaluationInfo.synchronous.enabled': Type.Optional(Type.Boolean()),
            'evaluationInfo.batch.enabled': Type.Optional(Type.Boolean()),
          },
          { additionalProperties: true },
        ),
        response: { 200: SegmentList, ...ERRORS },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = q.limit ?? 100;
      const { compare, field, dir } = comparator(q.sort ?? 'creationTime:desc');
      const all = await segments.list(request.ctx.tenantId);
      let chosen = all.filter((d) => d.pql !== '' || d.audience === undefined);
      for (const mode of ['batch', 'continuous', 'synchronous'] as const) {
        const want = q[`evaluationInfo.${mode}.enabled`];
        if (want !== undefined) chosen = chosen.filter((d) => d.evaluationInfo[mode].enabled === want);
      }
      chosen.sort(compare);
      const offset = (q.start ?? 0) + (q.page ?? 0) * limit;
      const page = chosen.slice(offset, offset + limit);
      const next = offset + limit < chosen.length ? `${BASE}?start=${offset + limit}&limit=${limit}&sort=${field}:${dir}` : '';
      return {
        segments: await Promise.all(page.map((d) => present(request, d, all))),
        page: { totalCount: chosen.length, totalPages: Math.ceil(chosen.length / limit), sortField: field, sort: dir, pageSize: page.length, limit },
        link: next === '' ? {} : { next },
      };
    },
  );

  app.post(BASE, { schema: { body: SegmentCreateBody, response: { 200: SegmentObject, ...ERRORS } } }, async (request, reply) => {
    const b = request.body;
    if (b.profileInstanceId !== undefined && b.profileInstanceId !== 'ups') throw segmentError('SEGMENT_INVALID', `profileInstanceId '${b.profileInstanceId}' is not supported: use ups`);
    const d = await segments.create(request.ctx.tenantId, {
      name: b.name,
      ...(b.description === undefined ? {} : { description: b.description }),
      expression: b.expression,
      schema: b.schema.name === undefined ? {} : { name: b.schema.name },
      ...(b.mergePolicyId === undefined ? {} : { mergePolicyId: b.mergePolicyId }),
      ...(b.evaluationInfo === undefined ? {} : { evaluationInfo: b.evaluationInfo }),
      ...(b.payloadSchema === undefined ? {} : { payloadSchema: b.payloadSchema }),
    });
    reply.header('X-Location', `${BASE}/${d.id}`);
    return present(request, d);
  });

  app.get(`${BASE}/:id`, { schema: { params: Id, response: { 200: SegmentObject, ...ERRORS } } }, async (request) => present(request, await segments.get(request.ctx.tenantId, request.params.id)));

  app.patch(`${BASE}/:id`, { schema: { params: Id, body: SegmentPatchBody, response: { 200: SegmentObject, ...ERRORS } } }, async (request, reply) => {
    const b = request.body;
    const current = await segments.get(request.ctx.tenantId, request.params.id);
    // The spec's PATCH sends the object back: members equal to what is stored are not changes.
    const same = (a: unknown, c: unknown) => JSON.stringify(a) === JSON.stringify(c);
    const d = await segments.update(request.ctx.tenantId, request.params.id, {
      ...(b.name === undefined || b.name === current.name ? {} : { name: b.name }),
      ...(b.description === undefined ? {} : { description: b.description }),
      ...(b.expression === undefined || same(b.expression, current.expression) ? {} : { expression: b.expression }),
      ...(b.evaluationInfo === undefined || same(b.evaluationInfo, current.evaluationInfo) ? {} : { evaluationInfo: b.evaluationInfo }),
      ...(b.mergePolicyId === undefined || b.mergePolicyId === (await segments.policyIdOf(current)) ? {} : { mergePolicyId: b.mergePolicyId }),
      ...(b.payloadSchema === undefined ? {} : { payloadSchema: b.payloadSchema }),
    });
    reply.header('X-Location', `${BASE}/${d.id}`);
    return present(request, d);
  });

  app.delete(`${BASE}/:id`, { schema: { params: Id, response: { 200: MessageResponse, ...ERRORS } } }, async (request) => {
    await segments.delete(request.ctx.tenantId, request.params.id);
    return { status: true, message: `Segment definition '${request.params.id}' was deleted` };
  });

  app.post(`${BASE}/bulk-get`, { schema: { body: BulkGetBody, response: { 207: BulkResults, ...ERRORS } } }, async (request, reply) => {
    const all = await segments.list(request.ctx.tenantId);
    const { found, missing } = await segments.many(request.ctx.tenantId, request.body.ids.map((i) => i.id));
    const results: Record<string, unknown> = {};
    for (const d of found) results[d.id] = await present(request, d, all);
    const errors = Object.fromEntries(missing.map((id) => [id, { status: 404, code: 'SEGMENT_NOT_FOUND', message: `Segment definition '${id}' does not exist in this sandbox` }]));
    return reply.status(207).send({ results, ...(missing.length > 0 ? { errors } : {}) } as never);
  });

  app.post('/data/core/ups/segment/conversion', { schema: { body: ConversionBody, response: { 200: Type.Object({}, { additionalProperties: true }), ...ERRORS } } }, async (request) => {
    const body = request.body as Record<string, unknown> & { expression: { type?: string; format?: string; value: string } };
    const { query, expression } = parseExpression(body.expression);
    const converted = expression.format === 'pql/text' ? { type: 'PQL', format: 'pql/json', value: JSON.stringify(toPqlJson(query)) } : { type: 'PQL', format: 'pql/text', value: formatPql(query) };
    return { ...body, expression: converted };
  });
}
