/**
 * Edge projection destinations and configurations (/data/core/ups/config/destinations, /config/projections): vendor
 * media types both ways (415 for a body of another type, 406 for an Accept that excludes ours), HAL links.
 */
import { Type } from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App, Services } from '../app.js';
import type { Destination, Projection } from '../../edge/edge.js';
import { edgeError } from '../../edge/edge.js';
import { DomainError } from '../../shared/errors.js';
import { ERRORS, empty } from '../schemas/problem.js';
import { DestinationBody, DestinationList, DestinationObject, EdgeId, ProjectionBody, ProjectionList, ProjectionObject } from '../schemas/edge.js';

const DESTINATIONS = '/data/core/ups/config/destinations';
const PROJECTIONS = '/data/core/ups/config/projections';
const VENDOR = 'application/vnd.adobe.platform';

/** The vendor media types, by what they carry. */
const MEDIA = {
  destination: `${VENDOR}.projectionDestination+json; version=1`,
  destinationList: `${VENDOR}.projectionDestinationList+json; version=1`,
  projection: `${VENDOR}.projectionConfig+json; version=1`,
  projectionList: `${VENDOR}.projectionConfigList+json; version=1`,
} as const;

type Media = keyof typeof MEDIA;

/** The media type without parameters, lower-cased: `; version=1` is optional (AEP's own PUT example omits it). */
function essence(type: string): string {
  return type.split(';')[0]!.trim().toLowerCase();
}

/** 415 unless the body is of the vendor type `media` (with or without `; version=1`). */
function requireBody(media: Media) {
  return async (request: FastifyRequest) => {
    const sent = request.headers['content-type'];
    if (sent === undefined || essence(sent) !== essence(MEDIA[media])) {
      throw new DomainError('CONTENT_TYPE_UNSUPPORTED', `Content-Type '${String(sent ?? '').slice(0, 100)}' is not supported here: send ${MEDIA[media]}`);
    }
    const version = /;\s*version\s*=\s*"?([^";\s]*)/i.exec(sent)?.[1];
    if (version !== undefined && version !== '1') throw new DomainError('CONTENT_TYPE_UNSUPPORTED', `version=${version.slice(0, 20)} of ${essence(sent)} is not supported: send version=1`);
  };
}

/** 406 when Accept names only types other than ours; answers in ours. */
function answerAs(media: Media) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const accept = request.headers.accept;
    if (accept !== undefined && accept.trim() !== '') {
      const wanted = accept.split(',').map(essence);
      const ok = wanted.some((t) => t === '*/*' || t === 'application/*' || t === 'application/json' || t === essence(MEDIA[media]) || t === 'application/hal+json');
      if (!ok) throw edgeError('EDGE_NOT_ACCEPTABLE', `Accept '${accept.slice(0, 100)}' does not include ${MEDIA[media]}`);
    }
    // With its charset given, Fastify sends the type as written (without one it lower-cases it and quotes the version).
    reply.header('content-type', `${MEDIA[media]}; charset=utf-8`);
  };
}

function link(href: string) {
  return { href, templated: false };
}

function presentDestination(d: Destination) {
  const self = link(`${DESTINATIONS}/${d.id}`);
  return { _links: { self }, self, id: d.id, type: d.type, dataCenters: [...d.dataCenters], ttl: d.ttl, replicationPolicy: d.replicationPolicy, version: d.version };
}

function presentProjection(p: Projection, d: Destination | undefined) {
  return {
    _links: { self: link(`${PROJECTIONS}/${p.id}`), destination: link(`${DESTINATIONS}/${p.destinationId}`) },
    ...(d ? { _embedded: { destination: presentDestination(d) } } : {}),
    selector: p.selector,
    version: p.version,
    id: p.id,
    schemaName: p.schemaName,
    ...(p.name === undefined ? {} : { name: p.name }),
    destinationId: p.destinationId,
    ...(p.mergePolicyId === undefined ? {} : { mergePolicyId: p.mergePolicyId }),
  };
}

const DestinationParams = Type.Object({ destinationId: EdgeId });
const ProjectionParams = Type.Object({ projectionid: EdgeId });
const SchemaQuery = Type.String({ minLength: 1, maxLength: 256 });

/** Registers the destination and projection routes. */
export function registerEdgeConfigRoutes(app: App, { edgeConfig }: Services): void {
  app.get(DESTINATIONS, { preHandler: answerAs('destinationList'), schema: { response: { 200: DestinationList, ...ERRORS } } }, async (request) => ({
    _links: { self: link(DESTINATIONS) },
    _embedded: { projectionDestinations: (await edgeConfig.listDestinations(request.ctx.tenantId)).map(presentDestination) },
  }));

  app.post(
    DESTINATIONS,
    { preValidation: requireBody('destination'), preHandler: answerAs('destination'), schema: { body: DestinationBody, response: { 201: DestinationObject, ...ERRORS } } },
    async (request, reply) => {
      const d = await edgeConfig.createDestination(request.ctx.tenantId, request.body);
      return reply.status(201).header('location', `${DESTINATIONS}/${d.id}`).send(presentDestination(d));
    },
  );

  app.get(`${DESTINATIONS}/:destinationId`, { preHandler: answerAs('destination'), schema: { params: DestinationParams, response: { 200: DestinationObject, ...ERRORS } } }, async (request) =>
    presentDestination(await edgeConfig.destination(request.ctx.tenantId, request.params.destinationId)),
  );

  app.put(
    `${DESTINATIONS}/:destinationId`,
    { preValidation: requireBody('destination'), preHandler: answerAs('destination'), schema: { params: DestinationParams, body: DestinationBody, response: { 200: DestinationObject, ...ERRORS } } },
    async (request) => presentDestination(await edgeConfig.replaceDestination(request.ctx.tenantId, request.params.destinationId, request.body)),
  );

  app.delete(`${DESTINATIONS}/:destinationId`, { schema: { params: DestinationParams, response: { 204: empty('The destination was deleted'), ...ERRORS } } }, async (request, reply) => {
    await edgeConfig.deleteDestination(request.ctx.tenantId, request.params.destinationId);
    return reply.status(204).send();
  });

  app.get(
    PROJECTIONS,
    {
      preHandler: answerAs('projectionList'),
      schema: { querystring: Type.Object({ schemaName: Type.Optional(SchemaQuery), name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })) }, { additionalProperties: true }), response: { 200: ProjectionList, ...ERRORS } },
    },
    async (request) => ({
      _links: { self: link(PROJECTIONS) },
      _embedded: { projectionConfigs: (await edgeConfig.listProjections(request.ctx.tenantId, request.query)).map((p) => presentProjection(p.projection, p.destination)) },
    }),
  );

  app.post(
    PROJECTIONS,
    {
      preValidation: requireBody('projection'),
      preHandler: answerAs('projection'),
      schema: { querystring: Type.Object({ schemaName: SchemaQuery }, { additionalProperties: true }), body: ProjectionBody, response: { 201: ProjectionObject, ...ERRORS } },
    },
    async (request, reply) => {
      const { projection, destination } = await edgeConfig.createProjection(request.ctx.tenantId, request.query.schemaName, request.body);
      return reply.status(201).header('location', `${PROJECTIONS}/${projection.id}`).send(presentProjection(projection, destination));
    },
  );

  app.get(`${PROJECTIONS}/:projectionid`, { preHandler: answerAs('projection'), schema: { params: ProjectionParams, response: { 200: ProjectionObject, ...ERRORS } } }, async (request) => {
    const { projection, destination } = await edgeConfig.projection(request.ctx.tenantId, request.params.projectionid);
    return presentProjection(projection, destination);
  });

  app.put(
    `${PROJECTIONS}/:projectionid`,
    { preValidation: requireBody('projection'), preHandler: answerAs('projection'), schema: { params: ProjectionParams, body: ProjectionBody, response: { 200: ProjectionObject, ...ERRORS } } },
    async (request) => {
      const { projection, destination } = await edgeConfig.replaceProjection(request.ctx.tenantId, request.params.projectionid, request.body);
      return presentProjection(projection, destination);
    },
  );

  app.delete(`${PROJECTIONS}/:projectionid`, { schema: { params: ProjectionParams, response: { 204: empty('The projection was deleted'), ...ERRORS } } }, async (request, reply) => {
    await edgeConfig.deleteProjection(request.ctx.tenantId, request.params.projectionid);
    return reply.status(204).send();
  });
}
