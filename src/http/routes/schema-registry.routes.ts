/** The Schema Registry subset under /data/foundation/schemaregistry: resources, descriptors, unions and stats. */
import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { App, Services } from '../app.js';
import { DomainError } from '../../shared/errors.js';
import {
  type Container,
  DescriptorService,
  type ListPage,
  type RegistryKind,
  ResourceService,
  UnionService,
  summaryOf,
  withoutText,
} from '../../catalog/registry/index.js';
import type { XdmResource } from '../../catalog/xdm/index.js';

const BASE = '/data/foundation/schemaregistry';
/** Route segments and the kind each names; `fieldgroups` and the legacy `mixins` are one collection. */
const KINDS: ReadonlyArray<[string, RegistryKind]> = [
  ['schemas', 'schemas'], ['fieldgroups', 'mixins'], ['mixins', 'mixins'], ['datatypes', 'datatypes'], ['classes', 'classes'],
];

// Ids reach SQL; control characters (NUL above all) are refused here rather than by the database.
const Id = Type.String({ minLength: 1, maxLength: 2048, pattern: '^[^\\u0000-\\u001f]+$' });
const ContainerParams = Type.Object({ container: Type.String({ maxLength: 64 }) });
const ItemParams = Type.Object({ container: Type.String({ maxLength: 64 }), id: Id });
const TenantItem = Type.Object({ id: Id });
const Query = Type.Object({
  property: Type.Optional(Type.String({ maxLength: 2000 })),
  orderby: Type.Optional(Type.String({ maxLength: 200 })),
  start: Type.Optional(Type.String({ maxLength: 2000 })),
  limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 500 })),
});
const Body = Type.Unknown();

/** What an Accept header asks for: the short summary, the stored form, or the expanded form, with or without text. */
interface View {
  form: 'id' | 'xed' | 'full' | 'link';
  text: 'all' | 'none' | 'desc';
  v2: boolean;
}

const ACCEPT = /^application\/vnd\.adobe\.(xed|xdm)(-[a-z0-9-]+)?\+json\s*(?:;\s*version\s*=\s*"?([^;"\s]*)"?)?\s*$/i;

/** Parses Accept against the variants one endpoint family serves: 400 when it is not a registry type, 406 when not served. */
function viewOf(header: string | undefined, mode: 'listing' | 'lookup' | 'descriptors'): View {
  const candidates = (header ?? '').split(',').map((v) => v.trim());
  const match = candidates.map((v) => ACCEPT.exec(v)).find((m) => m !== null);
  const example = mode === 'descriptors' ? 'application/vnd.adobe.xdm+json' : mode === 'lookup' ? 'application/vnd.adobe.xed+json; version=1' : 'application/vnd.adobe.xed-id+json';
  if (!match) {
    throw new DomainError('REGISTRY_ACCEPT_INVALID', `The supplied Accept header is not valid: ${(header ?? '(none)').slice(0, 200)} - A valid Accept value should look like ${example}`);
  }
  const variant = (match[2] ?? '').toLowerCase();
  const version = match[3];
  const unsupported = () => new DomainError('REGISTRY_ACCEPT_UNSUPPORTED', `The Accept format ${match[0].slice(0, 200)} is not available for this resource; use ${example}`);
  if (mode === 'descriptors') {
    const m = /^(-v2)?(-id|-link)?(-v2)?$/.exec(variant);
    if (m === null || (m[1] && m[3])) throw unsupported();
    return { form: m[2] === '-id' ? 'id' : m[2] === '-link' ? 'link' : 'xed', text: 'all', v2: Boolean(m[1] ?? m[3]) };
  }
  if (variant === '-id') return { form: 'id', text: 'all', v2: false };
  if (mode === 'listing') {
    if (variant !== '') throw unsupported();
    return { form: 'xed', text: 'all', v2: false };
  }
  const lookups: Record<string, Omit<View, 'v2'>> = {
    '': { form: 'xed', text: 'all' },
    '-full': { form: 'full', text: 'all' },
    '-notext': { form: 'xed', text: 'none' },
    '-full-notext': { form: 'full', text: 'none' },
    '-full-desc': { form: 'full', text: 'desc' },
  };
  const view = lookups[variant];
  if (view === undefined) throw unsupported();
  if (version === undefined || version === '') {
    throw new DomainError('REGISTRY_ACCEPT_INVALID', `The supplied Accept header is not valid: ${match[0].slice(0, 200)} - A valid Accept value should look like ${example} (Version should be specified)`);
  }
  if (!/^1(\.\d+)?$/.test(version)) throw unsupported();
  return { ...view, v2: false };
}

function containerOf(name: string): Container {
  if (name === 'global' || name === 'tenant') return name;
  throw new DomainError('REGISTRY_CONTAINER_UNKNOWN', `Container "${name.slice(0, 64)}" does not exist: use global or tenant`);
}

function nextHref(request: FastifyRequest, start: string): string {
  const url = new URL(request.url, 'http://local');
  url.searchParams.set('start', start);
  return `${url.pathname}${url.search}`;
}

/** The listing envelope: `results` in the requested form, `_page` and `_links`. */
function presentPage(request: FastifyRequest, page: ListPage<XdmResource>, view: View, links: Record<string, unknown> = {}) {
  return {
    results: page.items.map((r) => (view.form === 'id' ? summaryOf(r) : r)),
    _page: { orderby: page.orderby, next: page.next, count: page.items.length },
    _links: { next: page.next === null ? null : { href: nextHref(request, page.next) }, ...links },
  };
}

/** One resource in the requested lookup form. */
async function presentOne(view: View, stored: () => Promise<XdmResource>, expanded: () => Promise<XdmResource>) {
  if (view.form === 'id') return summaryOf(await stored());
  const body = view.form === 'full' ? await expanded() : await stored();
  return view.text === 'all' ? body : withoutText(body, view.text === 'desc');
}

/** Registers the Schema Registry routes; every write invalidates the sandbox's compiled schemas for the write path. */
export function registerSchemaRegistryRoutes(app: App, services: Services): void {
  const resources = new ResourceService(services.db, services.clock);
  const descriptors = new DescriptorService(services.db, services.clock);
  const unions = new UnionService(services.db);

  app.get(`${BASE}/stats`, async (request) => unions.stats(request.ctx));

  for (const [segment, kind] of KINDS) {
    app.get(`${BASE}/:container/${segment}`, { schema: { params: ContainerParams, querystring: Query } }, async (request) => {
      const view = viewOf(request.headers.accept, 'listing');
      const container = containerOf(request.params.container);
      const links = kind === 'schemas' ? { global_schemas: { href: `${BASE}/global/schemas` } } : {};
      return presentPage(request, await resources.list(request.ctx, container, kind, request.query), view, links);
    });
    app.get(`${BASE}/:container/${segment}/:id`, { schema: { params: ItemParams } }, async (request) => {
      const view = viewOf(request.headers.accept, 'lookup');
      const container = containerOf(request.params.container);
      const { ctx } = request;
      return presentOne(view, () => resources.get(ctx, container, kind, request.params.id), () => resources.expanded(ctx, container, kind, request.params.id));
    });
    app.post(`${BASE}/tenant/${segment}`, { schema: { body: Body } }, async (request, reply) =>
      reply.status(201).send(await resources.create(request.ctx, kind, request.body)),
    );
    app.put(`${BASE}/tenant/${segment}/:id`, { schema: { params: TenantItem, body: Body } }, async (request) =>
      resources.replace(request.ctx, kind, request.params.id, request.body),
    );
    app.patch(`${BASE}/tenant/${segment}/:id`, { schema: { params: TenantItem, body: Body } }, async (request) =>
      resources.patch(request.ctx, kind, request.params.id, request.body),
    );
    app.delete(`${BASE}/tenant/${segment}/:id`, { schema: { params: TenantItem } }, async (request, reply) => {
      await resources.remove(request.ctx, kind, request.params.id);
      return reply.status(204).send();
    });
  }

  app.get(`${BASE}/global/behaviors`, { schema: { querystring: Query } }, async (request) =>
    presentPage(request, await resources.list(request.ctx, 'global', 'behaviors', request.query), viewOf(request.headers.accept, 'listing')),
  );
  app.get(`${BASE}/global/behaviors/:id`, { schema: { params: TenantItem } }, async (request) => {
    const view = viewOf(request.headers.accept, 'lookup');
    const { ctx } = request;
    return presentOne(view, () => resources.get(ctx, 'global', 'behaviors', request.params.id), () => resources.expanded(ctx, 'global', 'behaviors', request.params.id));
  });

  registerDescriptorRoutes(app, descriptors);

  app.get(`${BASE}/tenant/unions`, { schema: { querystring: Query } }, async (request) =>
    presentPage(request, await unions.list(request.ctx, request.query), viewOf(request.headers.accept, 'listing')),
  );
  app.get(`${BASE}/tenant/unions/:id`, { schema: { params: TenantItem } }, async (request) => {
    const view = viewOf(request.headers.accept, 'lookup');
    return presentOne(view, () => unions.get(request.ctx, request.params.id), () => unions.expanded(request.ctx, request.params.id));
  });
}

/** Descriptors: listed grouped by `@type` (`xdm-id`, `xdm-link`, `xdm`) or paged (`-v2`); looked up without Accept. */
function registerDescriptorRoutes(app: App, descriptors: DescriptorService): void {
  app.get(`${BASE}/:container/descriptors`, { schema: { params: ContainerParams, querystring: Query } }, async (request) => {
    const view = viewOf(request.headers.accept, 'descriptors');
    // Descriptors are tenant metadata: the global container has none.
    const all = containerOf(request.params.container) === 'global'
      ? { items: [], orderby: '@id', next: null }
      : await descriptors.list(request.ctx, request.query);
    const shape = (d: Record<string, unknown>) =>
      view.form === 'id' ? d['@id'] : view.form === 'link' ? `${BASE}/tenant/descriptors/${String(d['@id'])}` : d;
    if (view.v2) return { results: all.items.map(shape), _page: { orderby: all.orderby, next: all.next, count: all.items.length } };
    const grouped: Record<string, unknown[]> = {};
    for (const d of all.items) (grouped[String(d['@type'])] ??= []).push(shape(d));
    return grouped;
  });
  app.get(`${BASE}/:container/descriptors/:id`, { schema: { params: ItemParams } }, async (request) => {
    if (containerOf(request.params.container) === 'global') {
      throw new DomainError('REGISTRY_DESCRIPTOR_NOT_FOUND', 'The global container holds no descriptors; they live in tenant');
    }
    return descriptors.get(request.ctx, request.params.id);
  });
  app.post(`${BASE}/tenant/descriptors`, { schema: { body: Body } }, async (request, reply) =>
    reply.status(201).send(await descriptors.create(request.ctx, request.body)),
  );
  app.put(`${BASE}/tenant/descriptors/:id`, { schema: { params: TenantItem, body: Body } }, async (request) =>
    descriptors.replace(request.ctx, request.params.id, request.body),
  );
  app.delete(`${BASE}/tenant/descriptors/:id`, { schema: { params: TenantItem } }, async (request, reply) => {
    await descriptors.remove(request.ctx, request.params.id);
    return reply.status(204).send();
  });
}
