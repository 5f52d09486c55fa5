/** AEP's Sandbox API: list, get, create, rename (PATCH), reset (PUT action=reset) and delete sandboxes. */
import { Type } from 'typebox';
import type { App, Services } from '../app.js';
import type { Sandbox } from '../../tenancy/index.js';
import { DomainError } from '../../shared/errors.js';
import { limitParam, offsetParam } from './paging.js';

const BASE = '/data/foundation/sandbox-management/sandboxes';

function aepDate(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

/** The wire shape of AEP's sandbox object. */
export function presentSandbox(s: Sandbox, state: string = s.state) {
  return {
    id: s.id,
    name: s.name,
    title: s.title,
    state,
    type: s.type,
    region: 'LOCAL',
    isDefault: s.isDefault,
    eTag: s.etag,
    createdDate: aepDate(s.createdAt),
    lastModifiedDate: aepDate(s.modifiedAt),
    createdBy: s.createdBy,
    modifiedBy: s.createdBy,
  };
}

const Name = Type.Object({ name: Type.String({ minLength: 1, maxLength: 256 }) });

/** Registers the sandbox routes; they need an authenticated org but no sandbox header. */
export function registerSandboxRoutes(app: App, { sandboxes }: Services): void {
  const config = { auth: 'org' as const };

  app.get(
    BASE,
    {
      config,
      schema: {
        querystring: Type.Object({
          limit: limitParam(100, 50),
          offset: offsetParam(),
        }),
      },
    },
    async (request) => {
      const { limit, offset } = request.query;
      const page = await sandboxes.list(request.actor, { limit, offset });
      const next = offset + page.items.length < page.total ? { href: `${BASE}?limit=${limit}&offset=${offset + limit}` } : undefined;
      return {
        sandboxes: page.items.map((s) => presentSandbox(s)),
        _page: { limit, count: page.items.length, totalCount: page.total },
        _links: next ? { next } : {},
      };
    },
  );

  app.get(`${BASE}/:name`, { config, schema: { params: Name } }, async (request) =>
    presentSandbox(await sandboxes.get(request.actor, request.params.name)),
  );

  app.post(
    BASE,
    {
      config,
      schema: {
        body: Type.Object({
          name: Type.String({ minLength: 1, maxLength: 256 }),
          title: Type.String({ minLength: 1, maxLength: 256 }),
          type: Type.String({ minLength: 1 }),
        }),
      },
    },
    async (request, reply) => {
      const created = await sandboxes.create(request.actor, request.body);
      return reply.status(201).send(presentSandbox(created));
    },
  );

  app.patch(
    `${BASE}/:name`,
    { config, schema: { params: Name, body: Type.Object({ title: Type.String({ minLength: 1, maxLength: 256 }) }) } },
    async (request) => presentSandbox(await sandboxes.rename(request.actor, request.params.name, request.body.title)),
  );

  app.put(
    `${BASE}/:name`,
    { config, schema: { params: Name, body: Type.Object({ action: Type.String() }) } },
    async (request) => {
      if (request.body.action !== 'reset') {
        throw new DomainError('SANDBOX_ACTION_INVALID', `Sandbox action '${request.body.action}' is not supported: use 'reset'`);
      }
      return presentSandbox(await sandboxes.reset(request.actor, request.params.name));
    },
  );

  app.delete(`${BASE}/:name`, { config, schema: { params: Name } }, async (request) =>
    presentSandbox(await sandboxes.delete(request.actor, request.params.name), 'deleted'),
  );
}
