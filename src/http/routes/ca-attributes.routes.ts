/** The current computed attributes API (/data/core/ca/attributes): statuses, partial-object PATCH, epochs in ms. */
import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { App, Services } from '../app.js';
import type { CaStatus, ComputedAttribute } from '../../computed/ca.js';
import { CA_STATUSES } from '../../computed/ca.js';
import { caError, checkDuration, checkName } from '../../computed/ca-check.js';
import { ERRORS } from '../schemas/problem.js';
import { CaCreateBody, CaObject, CaPage } from '../schemas/computed.js';
import { DEFINED_ON, sandboxOf } from './computed-attributes.routes.js';

const BASE = '/data/core/ca/attributes';
const PROFILE = '_xdm.context.profile';

function present(request: FastifyRequest, ca: ComputedAttribute) {
  const parent = ca.fieldPath.split('.').slice(0, -1);
  return {
    id: ca.id,
    type: 'ComputedAttribute',
    name: ca.name,
    displayName: ca.displayName,
    description: ca.description,
    imsOrgId: request.ctx.orgId,
    sandbox: sandboxOf(request, 'isDefault'),
    path: parent.join('/'),
    positionPath: parent,
    keepCurrent: ca.keepCurrent,
    expression: ca.expression,
    duration: ca.duration ?? { count: 0, unit: 'DAYS' },
    mergeFunction: { value: ca.mergeFunction ?? '-' },
    status: ca.status,
    schema: { name: PROFILE },
    returnSchema: { 'meta:xdmType': ca.returnType },
    definedOn: DEFINED_ON,
    // The spec's sample writes this timestamp without a zone; it is UTC.
    ...(ca.lastEvaluation === null ? {} : { lastEvaluationTs: new Date(ca.lastEvaluation).toISOString().slice(0, 23) }),
    createEpoch: ca.createdAt,
    updateEpoch: ca.updatedAt,
    createdBy: ca.createdBy,
  };
}

const SORTS = ['name', 'status', 'updateEpoch', 'createEpoch'] as const;
const sortKey: Record<(typeof SORTS)[number], (c: ComputedAttribute) => string | number> = {
  name: (c) => c.name.toLowerCase(),
  status: (c) => c.status,
  updateEpoch: (c) => c.updatedAt,
  createEpoch: (c) => c.createdAt,
};

/** `property=field<op>value` filters of the spec: name, status, mergeFunction (the spec writes mergePolicy), epochs. */
function propertyFilter(raw: string): (c: ComputedAttribute) => boolean {
  const m = /^(name|status|mergePolicy\.value|mergeFunction\.value|createdEpoch|createEpoch|updateEpoch)(==|=|!=|<=|>=|<|>)(.*)$/.exec(raw);
  if (!m) throw caError('CA_INVALID', `property '${raw.slice(0, 100)}' must be <field><op><value> with field name, status, mergeFunction.value, createEpoch or updateEpoch and op =, !=, <, <=, >, >=`);
  const [, field, op, value] = m as unknown as [string, string, string, string];
  const read = (c: ComputedAttribute): string | number =>
    field === 'name' ? c.name : field === 'status' ? c.status : field.endsWith('.value') ? (c.mergeFunction ?? '-') : field === 'updateEpoch' ? c.updatedAt : c.createdAt;
  const numeric = field.endsWith('Epoch');
  if (numeric && !/^\d{1,16}$/.test(value)) throw caError('CA_INVALID', `property ${field} compares with a number of milliseconds, not '${value.slice(0, 40)}'`);
  const want: string | number = numeric ? Number(value) : value;
  return (c) => {
    const have = read(c);
    const cmp = typeof have === 'number' ? have - (want as number) : String(have).toLowerCase().localeCompare(String(want).toLowerCase());
    return op === '=' || op === '==' ? cmp === 0 : op === '!=' ? cmp !== 0 : op === '<' ? cmp < 0 : op === '<=' ? cmp <= 0 : op === '>' ? cmp > 0 : cmp >= 0;
  };
}

const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const PatchBody = Type.Object(
  {
    displayName: Type.Optional(Type.String({ maxLength: 1024 })),
    description: Type.Optional(Type.String({ maxLength: 4096 })),
    status: Type.Optional(Type.String({ maxLength: 32 })),
    expression: Type.Optional(Type.Object({ type: Type.Optional(Type.String()), format: Type.Optional(Type.String()), value: Type.String({ minLength: 1, maxLength: 65_536 }) })),
    duration: Type.Optional(Type.Object({ count: Type.Unknown(), unit: Type.Unknown() })),
    keepCurrent: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: true },
);

/** What each status lets a PATCH change (ref §2.2's table; DRAFT also takes edits to the draft, FAILED a retry). */
const EDITABLE: Record<CaStatus, { fields: readonly string[]; to: readonly CaStatus[] }> = {
  DRAFT: { fields: ['displayName', 'description', 'expression', 'duration', 'keepCurrent'], to: ['NEW'] },
  NEW: { fields: ['displayName', 'description'], to: ['DISABLED'] },
  PROCESSING: { fields: [], to: ['DISABLED'] },
  PROCESSED: { fields: [], to: ['DISABLED'] },
  FAILED: { fields: [], to: ['NEW', 'DISABLED'] },
  DISABLED: { fields: [], to: [] },
};

/** Registers the current API's routes. */
export function registerCaAttributeRoutes(app: App, { computedAttributes: cas }: Services): void {
  app.get(
    BASE,
    {
      schema: {
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 40 })),
          offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
          sortBy: Type.Optional(Type.String({ maxLength: 32 })),
          status: Type.Optional(Type.String({ maxLength: 128 })),
          property: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Array(Type.String({ maxLength: 256 }), { maxItems: 10 })])),
        }),
        response: { 200: CaPage, ...ERRORS },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = q.limit ?? 20;
      const offset = q.offset ?? 0;
      const sortBy = q.sortBy ?? '-updateEpoch';
      const field = sortBy.replace(/^[-+]/, '') as (typeof SORTS)[number];
      if (!SORTS.includes(field)) throw caError('CA_INVALID', `sortBy '${sortBy}' must be one of ${SORTS.join(', ')}, optionally after - for descending`);
      const sign = sortBy.startsWith('-') ? -1 : 1;
      let all = await cas.list(request.ctx.tenantId, 'ca');
      if (q.status !== undefined) {
        const wanted = q.status.split(',').map((s) => s.trim().toUpperCase());
        const bad = wanted.find((s) => !(CA_STATUSES as readonly string[]).includes(s));
        if (bad !== undefined) throw caError('CA_INVALID', `status '${bad}' must be one of ${CA_STATUSES.join(', ')} (any case)`);
        all = all.filter((c) => wanted.includes(c.status));
      }
      for (const p of [q.property ?? []].flat()) all = all.filter(propertyFilter(p));
      const key = sortKey[field];
      all.sort((a, b) => {
        const [x, y] = [key(a), key(b)];
        return sign * (x < y ? -1 : x > y ? 1 : 0) || (a.id < b.id ? -1 : 1);
      });
      const page = all.slice(offset, offset + limit);
      const href = (o: number) => ({ href: `/attributes?offset=${o}&limit=${limit}` });
      const lastOffset = Math.max(0, Math.floor((all.length - 1) / limit) * limit);
      return {
        _links: { self: href(offset), ...(offset + limit < all.length ? { next: href(offset + limit) } : {}), ...(offset > 0 ? { prev: href(Math.max(0, offset - limit)) } : {}), last: href(lastOffset) },
        computedAttributes: page.map((c) => present(request, c)),
        _page: { offset, limit, count: page.length, totalCount: all.length },
      };
    },
  );

  app.post(BASE, { schema: { body: CaCreateBody, response: { 200: CaObject, ...ERRORS } } }, async (request) => {
    const b = request.body;
    checkName(b.name);
    if (b.schema !== undefined && b.schema.name !== PROFILE) throw caError('CA_INVALID', `schema.name '${b.schema.name}' is not supported: only ${PROFILE}`);
    const ca = await cas.create({ tenantId: request.ctx.tenantId, orgId: request.ctx.orgId, clientId: request.ctx.clientId }, 'ca', {
      name: b.name,
      displayName: b.displayName,
      description: b.description,
      expression: b.expression,
      duration: checkDuration(b.duration),
      ...(b.keepCurrent === undefined ? {} : { keepCurrent: b.keepCurrent }),
      status: b.status,
    });
    return present(request, ca);
  });

  app.get(`${BASE}/:id`, { schema: { params: Id, response: { 200: CaObject, ...ERRORS } } }, async (request) => present(request, await cas.get(request.ctx.tenantId, 'ca', request.params.id)));

  app.patch(`${BASE}/:id`, { schema: { params: Id, body: PatchBody, response: { 200: CaObject, ...ERRORS } } }, async (request) => {
    const body = request.body as Record<string, unknown>;
    const updated = await cas.update(request.ctx.tenantId, 'ca', request.params.id, async (ca) => {
      const rule = EDITABLE[ca.status];
      let patch: Partial<ComputedAttribute> = {};
      const current = present(request, ca) as Record<string, unknown>;
      for (const [key, value] of Object.entries(body)) {
        // A client sending the object back unchanged changes nothing: equal members are not edits.
        if (JSON.stringify(current[key]) === JSON.stringify(value)) continue;
        if (key === 'status') continue;
        if (!rule.fields.includes(key)) {
          throw caError('CA_STATUS_TRANSITION', `'${key}' cannot be changed while the computed attribute is ${ca.status}${rule.fields.length ? `: only ${rule.fields.join(', ')} and status may change` : ''}`);
        }
        if (key === 'expression') patch = { ...patch, ...(await cas.recheck(ca, (value as { value: string }).value)) };
        else if (key === 'duration') patch = { ...patch, duration: checkDuration(value as { count: unknown; unit: unknown }) };
        else patch = { ...patch, [key]: value };
      }
      const status = typeof body.status === 'string' ? body.status.toUpperCase() : undefined;
      if (status !== undefined && status !== ca.status) {
        if (!rule.to.includes(status as CaStatus)) throw caError('CA_STATUS_TRANSITION', `status cannot change from ${ca.status} to ${String(body.status).slice(0, 32)}${rule.to.length ? `: it may change to ${rule.to.join(' or ')}` : ''}`);
        patch = { ...patch, status: status as CaStatus };
      }
      return patch;
    });
    return present(request, updated);
  });

  app.delete(`${BASE}/:id`, { schema: { params: Id, response: { 202: CaObject, ...ERRORS } } }, async (request, reply) => {
    const ca = await cas.delete(request.ctx.tenantId, 'ca', request.params.id);
    return reply.status(202).send(present(request, ca));
  });
}
