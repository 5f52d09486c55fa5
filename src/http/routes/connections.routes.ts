/** Flow Service streaming connections: create an HTTP API connection (and its inlet), get, list, delete. */
import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { App, Services } from '../app.js';
import type { Connection } from '../../ingest/connection.js';

const BASE = '/data/foundation/flowservice/connections';

/** The inlet URL clients post to, on this server's own address. */
export function inletUrl(request: FastifyRequest, inletId: string): string {
  return `${request.protocol}://${request.host}/collection/${inletId}`;
}

function present(request: FastifyRequest, c: Connection) {
  const auth = c.body.auth as { specName?: string; params: Record<string, unknown> };
  return {
    id: c.id,
    createdAt: c.createdAt,
    updatedAt: c.modifiedAt,
    createdBy: request.ctx.clientId,
    createdClient: request.ctx.clientId,
    updatedBy: request.ctx.clientId,
    updatedClient: request.ctx.clientId,
    sandboxId: request.ctx.sandbox.id,
    sandboxName: request.ctx.sandbox.name,
    imsOrgId: request.ctx.orgId,
    name: c.name,
    description: c.body.description,
    connectionSpec: c.body.connectionSpec,
    state: 'enabled',
    auth: {
      specName: auth.specName ?? 'Streaming Connection',
      params: { ...auth.params, inletId: c.inletId, inletUrl: inletUrl(request, c.inletId), authenticationRequired: c.authRequired },
    },
    version: `"${c.etag}"`,
    etag: `"${c.etag}"`,
  };
}

/** Registers the connection routes. */
export function registerConnectionRoutes(app: App, { connections }: Services): void {
  app.post(
    BASE,
    {
      schema: {
        body: Type.Object({
          name: Type.String({ minLength: 1, maxLength: 512 }),
          description: Type.Optional(Type.String()),
          connectionSpec: Type.Object({ id: Type.String({ minLength: 1 }), version: Type.Optional(Type.String()) }),
          auth: Type.Object({
            specName: Type.Optional(Type.String()),
            params: Type.Object({
              name: Type.Optional(Type.String()),
              sourceId: Type.Optional(Type.String()),
              dataType: Type.Optional(Type.String()),
              authenticationRequired: Type.Optional(Type.Boolean()),
            }),
          }),
        }),
      },
    },
    async (request, reply) => {
      const c = await connections.create(request.ctx.tenantId, request.body);
      return reply.status(201).send({ id: c.id, etag: `"${c.etag}"` });
    },
  );

  app.get(BASE, async (request) => ({ items: (await connections.list(request.ctx.tenantId)).map((c) => present(request, c)) }));

  app.get(`${BASE}/:id`, { schema: { params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }) } }, async (request) => ({
    items: [present(request, await connections.get(request.ctx.tenantId, request.params.id))],
  }));

  app.delete(`${BASE}/:id`, { schema: { params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }) } }, async (request, reply) => {
    await connections.delete(request.ctx.tenantId, request.params.id);
    return reply.status(204).send();
  });
}
