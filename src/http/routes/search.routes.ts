/** Segment search (/data/core/ups/search/*): the sandbox's audiences by namespace and text, in a flat folder per namespace. */
import { Type } from 'typebox';
import type { App, Services } from '../app.js';
import { DomainError } from '../../shared/errors.js';
import type { SegmentDefinition } from '../../segments/segment.js';
import { type Searchable, matchesSearch, parseSearch } from '../../segments/search.js';
import { ERRORS } from '../schemas/problem.js';
import { SearchEntities, SearchNamespaces, SearchTaxonomy } from '../schemas/segments.js';

const BASE = '/data/core/ups/search';
const SCHEMA = '_xdm.context.segmentdefinition';
const ROOT = 'root';

function checkSchema(name: string | undefined, param: string): void {
  if (name !== SCHEMA) throw new DomainError('SEARCH_QUERY_INVALID', `${param} '${String(name ?? '').slice(0, 80)}' is not searchable: only ${SCHEMA} is`);
}

function checkVersion(version: unknown): void {
  if (version !== undefined && version !== '1.0') throw new DomainError('SEARCH_QUERY_INVALID', `x-ups-search-version '${String(version).slice(0, 16)}' is not supported: only 1.0`);
}

const searchable = (d: SegmentDefinition): Searchable => ({ id: d.id, name: d.name, description: d.description, namespace: d.audience?.namespace ?? 'AEPSegments' });
const sourceId = (namespace: string, id: string) => Buffer.from(`${namespace}:${id}`).toString('base64');
const Version = Type.Object({ 'x-ups-search-version': Type.Optional(Type.String({ maxLength: 16 })) }, { additionalProperties: true });

/** Registers the search routes. */
export function registerSearchRoutes(app: App, { segments }: Services): void {
  const audiences = async (tenantId: number) => (await segments.list(tenantId)).map(searchable);

  app.get(
    `${BASE}/namespaces`,
    { schema: { headers: Version, querystring: Type.Object({ 'schema.name': Type.String({ maxLength: 128 }), s: Type.Optional(Type.String({ maxLength: 1024 })) }, { additionalProperties: true }), response: { 200: SearchNamespaces, ...ERRORS } } },
    async (request) => {
      checkVersion(request.headers['x-ups-search-version']);
      checkSchema(request.query['schema.name'], 'schema.name');
      const query = parseSearch(request.query.s ?? '');
      const counts = new Map<string, number>();
      for (const a of await audiences(request.ctx.tenantId)) if (matchesSearch(a, query)) counts.set(a.namespace, (counts.get(a.namespace) ?? 0) + 1);
      const namespaces = [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([namespace, count]) => ({ namespace, displayName: namespace, count }));
      return { namespaces, totalCount: String(namespaces.length), status: { message: 'Success' } };
    },
  );

  app.get(
    `${BASE}/entities`,
    {
      schema: {
        headers: Version,
        querystring: Type.Object(
          {
            schemaClass: Type.String({ maxLength: 128 }),
            namespace: Type.String({ minLength: 1, maxLength: 128 }),
            s: Type.Optional(Type.String({ maxLength: 1024 })),
            entityId: Type.Optional(Type.String({ maxLength: 256 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
            page: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
          },
          { additionalProperties: true },
        ),
        response: { 200: SearchEntities, ...ERRORS },
      },
    },
    async (request) => {
      const q = request.query;
      checkVersion(request.headers['x-ups-search-version']);
      checkSchema(q.schemaClass, 'schemaClass');
      const query = parseSearch(q.s ?? '');
      // Every audience sits in its namespace's root folder: another folder holds nothing.
      const inFolder = q.entityId === undefined || q.entityId === ROOT;
      const found = inFolder ? (await audiences(request.ctx.tenantId)).filter((a) => a.namespace === q.namespace && matchesSearch(a, query)).sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1)) : [];
      const limit = q.limit ?? 10;
      const page = q.page ?? 0;
      const entities = found.slice(page * limit, page * limit + limit).map((a) => ({ id: a.id, base64EncodedSourceId: sourceId(a.namespace, a.id), sourceId: {}, isFolder: false, parentFolderId: ROOT, name: a.name, description: a.description }));
      return { entities, page: { totalCount: found.length, totalPages: Math.ceil(found.length / limit), pageOffset: page, pageSize: entities.length }, status: { message: 'Success' } };
    },
  );

  app.get(
    `${BASE}/taxonomy`,
    {
      schema: {
        headers: Version,
        querystring: Type.Object({ 'schema.name': Type.String({ maxLength: 128 }), namespace: Type.String({ minLength: 1, maxLength: 128 }), entityId: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: true }),
        response: { 200: SearchTaxonomy, ...ERRORS },
      },
    },
    async (request) => {
      const q = request.query;
      checkVersion(request.headers['x-ups-search-version']);
      checkSchema(q['schema.name'], 'schema.name');
      const found = (await audiences(request.ctx.tenantId)).find((a) => a.id === q.entityId && a.namespace === q.namespace);
      if (!found) return { taxonomy: [], status: { message: `Cannot find entityId ${q.entityId.slice(0, 256)}.` } };
      return { taxonomy: [{ id: ROOT, base64EncodedSourceId: sourceId(q.namespace, ROOT), name: q.namespace, parentFolderId: ROOT }], status: { message: 'Success' } };
    },
  );
}
