/** Entities (/data/core/ups/access/entities): a profile or its events by any identity, many at once, and delete. */
import { Type } from 'typebox';
import type { App, Services } from '../app.js';
import { DomainError } from '../../shared/errors.js';
import type { EntityService, PropertyFilter } from '../../profile/entities.service.js';
import { assertSafePath, parseFields } from '../../profile/fields.js';
import { emptyProfile, eventPageJson, profileEntryJson } from './entities.present.js';
import { ERRORS, empty } from '../schemas/problem.js';
import { EntitiesGetAnswer, EntitiesPostAnswer } from '../schemas/profile.js';
import { limitParam, safeInteger } from './paging.js';
import { slicer } from '../../shared/slices.js';

const BASE = '/data/core/ups/access/entities';
const PROFILE = '_xdm.context.profile';
const EVENT = '_xdm.context.experienceevent';

const JSON_TYPE = 'application/json; charset=utf-8';

const PROPERTY = /^([A-Za-z_][\w.]*)(<=|>=|!=|=|<|>)(.*)$/;

/** Parses `path<op>value` filters; at most 3, as AEP allows. */
export function parseProperties(raw: string | string[] | undefined): PropertyFilter[] {
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  if (list.length > 3) throw new DomainError('ENTITY_QUERY_INVALID', `At most 3 property filters are allowed, got ${list.length}`);
  return list.map((p) => {
    const m = PROPERTY.exec(p);
    if (!m) throw new DomainError('ENTITY_QUERY_INVALID', `property '${p}' is not path<op>value with op one of =, !=, <, <=, >, >=`);
    const path = m[1]!.split('.');
    assertSafePath(path, 'property path');
    return { path, op: m[2] as PropertyFilter['op'], value: decodeValue(m[3]!, p) };
  });
}

function decodeValue(raw: string, filter: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new DomainError('ENTITY_QUERY_INVALID', `property '${filter}': the value is not valid percent-encoding`);
  }
}

function orderOf(value: string | undefined): boolean {
  const v = (value ?? '+timestamp').trim();
  if (v === '+timestamp' || v === 'timestamp' || v === ' timestamp') return false;
  if (v === '-timestamp') return true;
  throw new DomainError('ENTITY_QUERY_INVALID', `orderby '${value}' is not supported: use +timestamp or -timestamp`);
}

/** Registers the entity routes. */
export function registerEntityRoutes(app: App, { entities }: Services): void {
  app.get(
    BASE,
    {
      schema: {
        querystring: Type.Object({
          'schema.name': Type.String({ minLength: 1 }),
          entityId: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
          entityIdNS: Type.Optional(Type.String({ maxLength: 128 })),
          'relatedSchema.name': Type.Optional(Type.String()),
          relatedEntityId: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
          relatedEntityIdNS: Type.Optional(Type.String({ maxLength: 128 })),
          fields: Type.Optional(Type.String({ maxLength: 4096 })),
          mergePolicyId: Type.Optional(Type.String({ maxLength: 64 })),
          startTime: Type.Optional(safeInteger()),
          endTime: Type.Optional(safeInteger()),
          limit: limitParam(1000, 1000),
          orderby: Type.Optional(Type.String()),
          orderBy: Type.Optional(Type.String()),
          property: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String(), { maxItems: 10 })])),
          start: Type.Optional(Type.String({ maxLength: 1024 })),
          withCA: Type.Optional(Type.Boolean()),
        }),
        response: { 200: EntitiesGetAnswer, ...ERRORS },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const { tenantId } = request.ctx;
      const paths = parseFields(q.fields);
      if (q['schema.name'] === PROFILE) {
        if (q.entityId === undefined) throw new DomainError('ENTITY_QUERY_INVALID', 'entityId is required (an XID, or an id with entityIdNS)');
        const { key, xid } = await entities.identity(tenantId, q.entityId, q.entityIdNS);
        const answer = await entities.lookup(tenantId, key, xid, q.mergePolicyId, q.withCA === true);
        if (!answer) throw new DomainError('ENTITY_NOT_FOUND', `No profile for ${key.ns} '${key.id}' in this sandbox`);
        return reply.type(JSON_TYPE).send(`{${JSON.stringify(xid)}:${profileEntryJson(answer, paths)}}`);
      }
      if (q['schema.name'] !== EVENT) throw new DomainError('ENTITY_QUERY_INVALID', `schema.name '${q['schema.name']}' is not supported: use ${PROFILE} or ${EVENT}`);
      const relatedId = q.relatedEntityId ?? q.entityId;
      if (relatedId === undefined) throw new DomainError('ENTITY_QUERY_INVALID', 'relatedEntityId is required for events (an XID, or an id with relatedEntityIdNS)');
      if (q['relatedSchema.name'] !== undefined && q['relatedSchema.name'] !== PROFILE) throw new DomainError('ENTITY_QUERY_INVALID', `relatedSchema.name must be ${PROFILE}`);
      const { key, xid } = await entities.identity(tenantId, relatedId, q.relatedEntityId !== undefined ? q.relatedEntityIdNS : q.entityIdNS);
      const descending = orderOf(q.orderby ?? q.orderBy);
      const page = await entities.events(tenantId, key, xid, {
        ...(q.mergePolicyId === undefined ? {} : { mergePolicyId: q.mergePolicyId }),
        ...(q.startTime === undefined ? {} : { startTime: q.startTime }),
        ...(q.endTime === undefined ? {} : { endTime: q.endTime }),
        ...(q.start === undefined ? {} : { start: q.start }),
        limit: q.limit,
        descending,
        properties: parseProperties(q.property),
      });
      let href = '';
      if (page.next) {
        const params = new URLSearchParams(request.url.split('?')[1] ?? '');
        params.set('start', page.next);
        href = `/entities?${params.toString()}`;
      }
      return reply.type(JSON_TYPE).send(eventPageJson(page, paths, descending, { next: { href } }));
    },
  );

  app.post(
    BASE,
    {
      schema: {
        body: Type.Object(
          {
            schema: Type.Optional(Type.Object({ name: Type.String() })),
            'schema.name': Type.Optional(Type.String()),
            relatedSchema: Type.Optional(Type.Object({ name: Type.String() })),
            fields: Type.Optional(Type.Array(Type.String({ maxLength: 512 }), { maxItems: 200 })),
            identities: Type.Array(
              Type.Object({
                entityId: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
                entityIdNS: Type.Optional(Type.Object({ code: Type.String() })),
                relatedEntityId: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
                relatedEntityIdNS: Type.Optional(Type.Object({ code: Type.String() })),
                start: Type.Optional(Type.String({ maxLength: 1024 })),
              }),
              { minItems: 1, maxItems: 100 },
            ),
            timeFilter: Type.Optional(Type.Object({ startTime: Type.Optional(safeInteger()), endTime: Type.Optional(safeInteger()) })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
            orderby: Type.Optional(Type.String()),
            orderBy: Type.Optional(Type.String()),
            mergePolicyId: Type.Optional(Type.String({ maxLength: 64 })),
            withCA: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 200: EntitiesPostAnswer, ...ERRORS },
      },
    },
    async (request, reply) => {
      const answer = await handlePost(entities, request.ctx.tenantId, request.body);
      return typeof answer === 'string' ? reply.type(JSON_TYPE).send(answer) : answer;
    },
  );

  app.delete(
    BASE,
    {
      schema: {
        querystring: Type.Object({
          'schema.name': Type.String(),
          entityId: Type.String({ minLength: 1, maxLength: 2048 }),
          entityIdNS: Type.Optional(Type.String({ maxLength: 128 })),
          mergePolicyId: Type.Optional(Type.String({ maxLength: 64 })),
        }),
        response: { 202: empty('Accepted: the profile data of the identity is deleted'), ...ERRORS },
      },
    },
    async (request, reply) => {
      const q = request.query;
      if (q['schema.name'] !== PROFILE) throw new DomainError('ENTITY_QUERY_INVALID', `Only ${PROFILE} entities can be deleted`);
      const { key } = await entities.identity(request.ctx.tenantId, q.entityId, q.entityIdNS);
      await entities.delete(request.ctx.tenantId, key, q.mergePolicyId);
      return reply.status(202).send();
    },
  );
}

type PostBody = {
  schema?: { name: string };
  'schema.name'?: string;
  relatedSchema?: { name: string };
  fields?: string[];
  identities: Array<{ entityId?: string; entityIdNS?: { code: string }; relatedEntityId?: string; relatedEntityIdNS?: { code: string }; start?: string }>;
  timeFilter?: { startTime?: number; endTime?: number };
  limit?: number;
  orderby?: string;
  orderBy?: string;
  mergePolicyId?: string;
  withCA?: boolean;
};

async function handlePost(entities: EntityService, tenantId: number, body: PostBody) {
  const schemaName = body.schema?.name ?? body['schema.name'];
  const paths = parseFields(body.fields);
  // Up to 100 people, each a merge or a page of 1,000 events: yield between them so one request never holds the loop.
  const tick = slicer();
  if (schemaName === PROFILE) {
    // A later identity naming the same person replaces the earlier entry in its place, as keys of one JSON object would.
    const out = new Map<string, string>();
    for (const i of body.identities) {
      if (i.entityId === undefined) throw new DomainError('ENTITY_QUERY_INVALID', 'Each identity needs entityId (an XID, or an id with entityIdNS.code)');
      const { key, xid } = await entities.identity(tenantId, i.entityId, i.entityIdNS?.code);
      const answer = await entities.lookup(tenantId, key, xid, body.mergePolicyId, body.withCA === true);
      out.set(xid, answer ? profileEntryJson(answer, paths) : JSON.stringify(emptyProfile(xid)));
      await tick();
    }
    return `{${[...out].map(([xid, entry]) => `${JSON.stringify(xid)}:${entry}`).join(',')}}`;
  }
  if (schemaName !== EVENT) throw new DomainError('ENTITY_QUERY_INVALID', `schema.name is required: ${PROFILE} or ${EVENT}`);
  const descending = orderOf(body.orderby ?? body.orderBy);
  const limit = body.limit ?? 1000;
  const seen = new Map<string, number>();
  const out: string[] = [];
  for (const i of body.identities) {
    const id = i.relatedEntityId ?? i.entityId;
    if (id === undefined) throw new DomainError('ENTITY_QUERY_INVALID', 'Each identity needs relatedEntityId (an XID, or an id with relatedEntityIdNS.code)');
    const { key, xid } = await entities.identity(tenantId, id, (i.relatedEntityIdNS ?? i.entityIdNS)?.code);
    const page = await entities.events(tenantId, key, xid, {
      ...(body.mergePolicyId === undefined ? {} : { mergePolicyId: body.mergePolicyId }),
      ...(body.timeFilter?.startTime === undefined ? {} : { startTime: body.timeFilter.startTime }),
      ...(body.timeFilter?.endTime === undefined ? {} : { endTime: body.timeFilter.endTime }),
      ...(i.start === undefined ? {} : { start: i.start }),
      limit,
      descending,
      properties: [],
    });
    const payload = page.next ? { ...body, identities: [{ relatedEntityId: xid, start: page.next }] } : undefined;
    // A later identity naming the same person replaces the earlier entry, as keys of one JSON object would.
    const entry = `${JSON.stringify(xid)}:${eventPageJson(page, paths, descending, { next: payload ? { href: '/entities', payload } : { href: '' } })}`;
    const at = seen.get(xid);
    if (at === undefined) seen.set(xid, out.push(entry) - 1);
    else out[at] = entry;
    await tick();
  }
  return `{${out.join(',')}}`;
}
