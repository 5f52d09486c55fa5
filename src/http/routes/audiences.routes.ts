/**
 * The audiences API (/data/core/ups/audiences) over the same definitions as /segment/definitions: platform audiences
 * are PQL definitions, external audiences (uploaded elsewhere) are named sets with no expression. Errors answer in
 * the audiences API's own shape.
 */
import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { App, Services } from '../app.js';
import { isDomainError } from '../../shared/errors.js';
import { type AudienceInfo, type SegmentDefinition, segmentError } from '../../segments/segment.js';
import type { SegmentChange } from '../../segments/segment.service.js';
import { ERRORS, empty } from '../schemas/problem.js';
import { AudienceBody, AudienceList, AudienceObject, AudiencePatchBody, BulkResults } from '../schemas/segments.js';
import { PLATFORM_NAMESPACE, asAudience, audienceIn, invalid, lifecycleOf, presentAudience } from './audiences.present.js';

const BASE = '/data/core/ups/audiences';
const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) });
type Body = Record<string, unknown> & { name?: string; description?: string; expression?: { type?: string; format?: string; value: string }; labels?: string[] };

/** Registers the audiences routes. */
export function registerAudienceRoutes(app: App, { segments, datasets }: Services): void {
  const answer = async (request: FastifyRequest, d: SegmentDefinition, all?: readonly SegmentDefinition[]) => {
    const others = all ?? (await segments.list(request.ctx.tenantId));
    return presentAudience(request, d, await segments.policyIdOf(d), others.filter((o) => o.segments.includes(d.id)).map((o) => o.id));
  };
  /** An audience by its id or audienceId, with the sandbox's definitions (for its dependents), read once. */
  const find = async (tenantId: number, id: string): Promise<{ found: SegmentDefinition; all: SegmentDefinition[] }> => {
    const all = await segments.list(tenantId);
    const found = audienceIn(all, id);
    if (!found) throw segmentError('AUDIENCE_NOT_FOUND', `The audience entity ${id.slice(0, 128)} is not found. Use a valid entity and try again.`);
    return { found, all };
  };
  const checkDataset = async (tenantId: number, id: unknown) => {
    if (id === undefined) return undefined;
    if (typeof id !== 'string') throw invalid('datasetId must be a string');
    try {
      await datasets.get(tenantId, id);
    } catch (err) {
      if (isDomainError(err) && err.code === 'DATASET_NOT_FOUND') throw segmentError('AUDIENCE_INVALID', `Dataset ${id.slice(0, 128)} cannot be retrieved from Catalog: it does not exist in this sandbox`);
      throw err;
    }
    return id;
  };
  /** What a create or replace body says of the audience beyond the definition. */
  const infoOf = async (tenantId: number, b: Body, external: boolean, before?: AudienceInfo): Promise<AudienceInfo> => {
    const namespace = typeof b.namespace === 'string' ? b.namespace : (before?.namespace ?? (external ? 'CustomerAudienceUpload' : PLATFORM_NAMESPACE));
    if (before && namespace !== before.namespace) throw invalid('Namespace is immutable field.');
    const lifecycle = b.lifecycleState ?? b.lifecycle ?? before?.lifecycleState ?? 'published';
    const datasetId = await checkDataset(tenantId, b.datasetId ?? before?.datasetId);
    if (external && typeof b.audienceId !== 'string' && before?.audienceId === undefined) throw invalid('audienceId is a mandatory field of an externally generated audience');
    const audienceId = typeof b.audienceId === 'string' ? b.audienceId : before?.audienceId;
    if (before?.audienceId !== undefined && audienceId !== before.audienceId) throw invalid('audienceId is immutable field.');
    return {
      ...(audienceId === undefined || !external ? {} : { audienceId }),
      namespace,
      originName: typeof b.originName === 'string' ? b.originName : (before?.originName ?? (external ? 'CUSTOM_UPLOAD' : 'REAL_TIME_CUSTOMER_PROFILE')),
      lifecycleState: lifecycleOf(lifecycle === 'active' ? 'published' : lifecycle),
      labels: Array.isArray(b.labels) ? b.labels.map(String) : [...(before?.labels ?? [])],
      ...(typeof b.ttlInDays === 'number' ? { ttlInDays: b.ttlInDays } : before?.ttlInDays === undefined ? {} : { ttlInDays: before.ttlInDays }),
      ...(before?.createdBy === undefined ? {} : { createdBy: before.createdBy }),
      ...(datasetId === undefined ? {} : { datasetId }),
      ...(typeof b.linkedAudienceRef === 'object' && b.linkedAudienceRef !== null ? { linkedAudienceRef: b.linkedAudienceRef as Record<string, unknown> } : before?.linkedAudienceRef ? { linkedAudienceRef: before.linkedAudienceRef } : {}),
      ...(typeof b.audienceMeta === 'object' && b.audienceMeta !== null ? { audienceMeta: b.audienceMeta as Record<string, unknown> } : before?.audienceMeta ? { audienceMeta: before.audienceMeta } : {}),
    };
  };
  const isExternal = (b: Body) => b.expression === undefined && (b.type === 'ExternalSegment' || b.type === 'ExternalAudience' || b.audienceId !== undefined);

  app.get(
    BASE,
    {
      schema: {
        querystring: Type.Object(
          {
            start: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
            sort: Type.Optional(Type.String({ maxLength: 64 })),
            property: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Array(Type.String({ maxLength: 256 }), { maxItems: 10 })])),
            name: Type.Optional(Type.String({ maxLength: 256 })),
            description: Type.Optional(Type.String({ maxLength: 256 })),
            entityType: Type.Optional(Type.String({ maxLength: 128 })),
          },
          { additionalProperties: true },
        ),
        response: { 200: AudienceList, ...ERRORS },
      },
    },
    async (request) => {
      const q = request.query;
      const all = await segments.list(request.ctx.tenantId);
      const rows = await Promise.all(all.map((d) => answer(request, d, all)));
      let chosen: Array<Record<string, unknown>> = rows;
      if (q.entityType !== undefined && q.entityType !== '_xdm.context.profile') chosen = [];
      if (q.name !== undefined) chosen = chosen.filter((a) => String(a.name).toLowerCase().includes(q.name!.toLowerCase()));
      if (q.description !== undefined) chosen = chosen.filter((a) => String(a.description).toLowerCase().includes(q.description!.toLowerCase()));
      for (const raw of [q.property ?? []].flat()) {
        const m = /^(?:property=)?([A-Za-z]+)(==|!=)(.*)$/.exec(raw);
        if (!m || !['audienceId', 'name', 'namespace', 'type', 'lifecycleState', 'originName', 'id'].includes(m[1]!)) {
          throw invalid(`property '${raw.slice(0, 80)}' must be <field>==<value> or <field>!=<value> with field audienceId, id, name, namespace, type, lifecycleState or originName`);
        }
        chosen = chosen.filter((a) => (String(a[m[1]!]) === m[3]) === (m[2] === '=='));
      }
      const sort = q.sort ?? 'updateTime:desc';
      const s = /^(name|updateTime|creationTime|createEpoch|updateEpoch):(asc|desc)$/.exec(sort);
      if (!s) throw invalid(`sort '${sort.slice(0, 64)}' must be <field>:asc or <field>:desc with field name, creationTime or updateTime`);
      const sign = s[2] === 'desc' ? -1 : 1;
      const key = (a: Record<string, unknown>) => (s[1] === 'name' ? String(a.name).toLowerCase() : Number(a[s[1]!]));
      chosen.sort((a, b) => sign * (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0) || (String(a.id) < String(b.id) ? -1 : 1));
      const start = q.start ?? 0;
      const limit = q.limit ?? 20;
      const page = chosen.slice(start, start + limit);
      const next = start + limit < chosen.length ? start + limit : undefined;
      return {
        children: page as never[],
        _page: { totalCount: chosen.length, pageSize: page.length, limit, start, sortField: s[1]!, sort: s[2]!, totalPages: Math.ceil(chosen.length / limit), ...(next === undefined ? {} : { next }) },
        _links: next === undefined ? {} : { next: { href: `${BASE}?start=${next}&limit=${limit}&sort=${sort}` } },
      };
    },
  );

  app.post(BASE, { schema: { body: AudienceBody, response: { 201: AudienceObject, ...ERRORS } } }, async (request, reply) => {
    const b = request.body as Body;
    const tenantId = request.ctx.tenantId;
    if (typeof b.name !== 'string' || b.name === '') throw segmentError('AUDIENCE_INVALID', 'There is a problem extracting the user JSON, field(s) missing or invalid. No usable value for name');
    const external = isExternal(b);
    if (!external && b.expression === undefined) throw invalid('expression is a mandatory field of a platform audience (type SegmentDefinition); an external audience needs audienceId and type ExternalSegment');
    const audience = { ...(await infoOf(tenantId, b, external)), createdBy: request.ctx.clientId };
    const d = await asAudience(() =>
      segments.create(tenantId, {
        name: b.name!,
        ...(typeof b.description === 'string' ? { description: b.description } : {}),
        ...(b.expression === undefined ? {} : { expression: b.expression }),
        schema: { name: (b.schema as { name?: string } | undefined)?.name ?? '_xdm.context.profile' },
        ...(typeof b.mergePolicyId === 'string' ? { mergePolicyId: b.mergePolicyId } : {}),
        ...(typeof b.evaluationInfo === 'object' && b.evaluationInfo !== null ? { evaluationInfo: b.evaluationInfo as never } : {}),
        audience,
      }),
    );
    return reply.status(201).send((await answer(request, d)) as never);
  });

  app.get(`${BASE}/:id`, { schema: { params: Id, response: { 200: AudienceObject, ...ERRORS } } }, async (request) => {
    const { found, all } = await find(request.ctx.tenantId, request.params.id);
    return answer(request, found, all);
  });

  app.patch(`${BASE}/:id`, { schema: { params: Id, body: AudiencePatchBody, response: { 201: AudienceObject, ...ERRORS } } }, async (request, reply) => {
    const tenantId = request.ctx.tenantId;
    const { found: current } = await find(tenantId, request.params.id);
    let change: SegmentChange = {};
    let info: AudienceInfo | undefined;
    const audienceNow = (): AudienceInfo => info ?? current.audience ?? { namespace: PLATFORM_NAMESPACE, originName: 'REAL_TIME_CUSTOMER_PROFILE', lifecycleState: 'published', labels: [] };
    for (const op of request.body) {
      if (op.op !== 'add' && op.op !== 'replace') throw invalid(`op '${String(op.op).slice(0, 20)}' is not supported: use add or replace`);
      const field = op.path.replace(/^\//, '');
      const v = op.value as unknown;
      const text = (max: number, min = 0) => {
        if (typeof v !== 'string' || v.length < min || v.length > max) throw invalid(`${op.path.slice(0, 40)}: value must be a string of ${min} to ${max} characters`);
        return v;
      };
      const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
      if (field === 'name') change = { ...change, name: text(256, 1) };
      else if (field === 'description') change = { ...change, description: text(4096) };
      else if (field === 'mergePolicyId') change = { ...change, mergePolicyId: text(128, 1) };
      else if (field === 'expression') {
        if (current.pql === '') throw invalid('An externally generated audience has no expression');
        if (!isObject(v) || typeof v.value !== 'string' || v.value === '' || v.value.length > 65_536 || (v.type !== undefined && typeof v.type !== 'string') || (v.format !== undefined && typeof v.format !== 'string')) {
          throw invalid('/expression: value must be {type: "PQL", format: "pql/text" or "pql/json", value: <the expression, at most 65,536 characters>}');
        }
        change = { ...change, expression: { value: v.value, ...(typeof v.type === 'string' ? { type: v.type } : {}), ...(typeof v.format === 'string' ? { format: v.format } : {}) } };
      } else if (field === 'evaluationInfo') {
        if (!isObject(v) || !['batch', 'continuous', 'synchronous'].every((k) => v[k] === undefined || (isObject(v[k]) && ['boolean', 'undefined'].includes(typeof (v[k] as Record<string, unknown>).enabled)))) {
          throw invalid('/evaluationInfo: value must be {batch?: {enabled: boolean}, continuous?: {enabled: boolean}, synchronous?: {enabled: boolean}}');
        }
        change = { ...change, evaluationInfo: v as never };
      } else if (field === 'lifecycleState' || field === 'lifecycle') {
        if (v === 'deleted') throw invalid('lifecycle field can not be modified to Delete using Patch operation');
        info = { ...audienceNow(), lifecycleState: lifecycleOf(v) };
      } else if (field === 'labels') {
        if (!Array.isArray(v) || v.length > 100 || !v.every((l) => typeof l === 'string' && l.length <= 256)) throw invalid('/labels: value must be a list of at most 100 label strings');
        info = { ...audienceNow(), labels: v as string[] };
      } else if (field === 'ttlInDays') {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 3650) throw invalid('/ttlInDays: value must be a whole number of days from 1 to 3650');
        info = { ...audienceNow(), ttlInDays: v };
      } else throw invalid(`path '${op.path.slice(0, 80)}' cannot be changed: use /name, /description, /expression, /evaluationInfo, /mergePolicyId, /labels, /lifecycleState or /ttlInDays`);
    }
    const d = await asAudience(() => segments.update(tenantId, current.id, { ...change, ...(info ? { audience: info } : {}) }));
    return reply.status(201).send((await answer(request, d)) as never);
  });

  app.put(`${BASE}/:id`, { schema: { params: Id, body: AudienceBody, response: { 201: AudienceObject, ...ERRORS } } }, async (request, reply) => {
    const tenantId = request.ctx.tenantId;
    const { found: current } = await find(tenantId, request.params.id);
    const b = request.body as Body;
    const external = current.pql === '';
    if (external && b.expression !== undefined) throw invalid('An externally generated audience has no expression');
    const info = await infoOf(tenantId, b, external, current.audience ?? { namespace: PLATFORM_NAMESPACE, originName: 'REAL_TIME_CUSTOMER_PROFILE', lifecycleState: 'published', labels: [] });
    const d = await asAudience(() =>
      segments.update(tenantId, current.id, {
        ...(typeof b.name === 'string' ? { name: b.name } : {}),
        description: typeof b.description === 'string' ? b.description : '',
        ...(b.expression === undefined || JSON.stringify(b.expression) === JSON.stringify(current.expression) ? {} : { expression: b.expression }),
        audience: info,
      }),
    );
    return reply.status(201).send((await answer(request, d)) as never);
  });

  app.delete(`${BASE}/:id`, { schema: { params: Id, response: { 204: empty('The audience was deleted'), ...ERRORS } } }, async (request, reply) => {
    const { found: current } = await find(request.ctx.tenantId, request.params.id);
    await asAudience(() => segments.delete(request.ctx.tenantId, current.id));
    return reply.status(204).send();
  });

  app.post(`${BASE}/bulk-get`, { schema: { body: Type.Object({ ids: Type.Array(Type.Object({ id: Type.String({ maxLength: 256 }) }, { additionalProperties: true })) }, { additionalProperties: true }), response: { 207: BulkResults, ...ERRORS } } }, async (request, reply) => {
    const ids = request.body.ids.map((i) => i.id);
    if (ids.length === 0 || ids.length > 100) throw segmentError('AUDIENCE_INVALID', 'The number of requested IDs is invalid. Cannot be 0 or exceed 100.');
    const all = await segments.list(request.ctx.tenantId);
    const results: Record<string, unknown> = {};
    const missing: string[] = [];
    for (const id of ids) {
      const d = audienceIn(all, id);
      if (d) results[id] = await answer(request, d, all);
      else {
        missing.push(id);
        results[id] = { requestId: String(request.id), errors: { 404: [{ code: 404, message: 'Not found.' }] } };
      }
    }
    if (missing.length === ids.length) throw segmentError('AUDIENCE_NOT_FOUND', `The entity ${missing.join(',').slice(0, 1000)} is not found.`);
    return reply.status(207).send({ results } as never);
  });
}
