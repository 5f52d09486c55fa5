/** Catalog datasets: create from a schemaRef, list, get, PATCH name/tags, delete (with its profile data). */
import { Type } from 'typebox';
import type { App, Services } from '../app.js';
import type { Dataset } from '../../catalog/datasets/dataset.js';
import { ERRORS } from '../schemas/problem.js';
import { DatasetsById, RefList } from '../schemas/catalog.js';
import { type LastBatches, lastBatches } from '../../ingest/batches/catalog-batch.js';
import { catalogPage } from './paging.js';

const BASE = '/data/foundation/catalog/dataSets';

/** Catalog's dataset object. */
export function presentDataset(d: Dataset, orgId: string, last?: LastBatches) {
  return {
    ...d.body,
    name: d.name,
    imsOrg: orgId,
    version: '1.0.0',
    created: d.createdAt,
    updated: d.modifiedAt,
    schemaRef: d.body.schemaRef,
    tags: d.body.tags,
    files: `@/dataSetFiles?dataSetId=${d.id}`,
    // Catalog's dataset object names its last batches lastSuccessfulBatch / lastFailedBatch (no "Id").
    ...(last
      ? {
          lastBatchId: last.lastBatchId,
          lastBatchStatus: last.lastBatchStatus,
          ...(last.lastSuccessfulBatchId ? { lastSuccessfulBatch: last.lastSuccessfulBatchId } : {}),
          ...(last.lastFailedBatchId ? { lastFailedBatch: last.lastFailedBatchId } : {}),
        }
      : {}),
  };
}

const Tags = Type.Record(Type.String(), Type.Array(Type.String()));
const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });

/** Registers the dataset routes. */
export function registerDatasetRoutes(app: App, { datasets, db }: Services): void {
  app.post(
    BASE,
    {
      schema: {
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 512 }),
            description: Type.Optional(Type.String()),
            schemaRef: Type.Object({ id: Type.String({ minLength: 1 }), contentType: Type.Optional(Type.String()) }),
            tags: Type.Optional(Tags),
          },
          { additionalProperties: true },
        ),
        response: { 201: RefList, ...ERRORS },
      },
    },
    async (request, reply) => {
      const created = await datasets.create(request.ctx.tenantId, request.body);
      return reply.status(201).send([`@/dataSets/${created.id}`]);
    },
  );

  app.get(
    BASE,
    {
      schema: {
        querystring: Type.Object({
          ...catalogPage(100, 50),
          name: Type.Optional(Type.String()),
        }),
        response: { 200: DatasetsById, ...ERRORS },
      },
    },
    async (request) => {
      const page = await datasets.list(request.ctx.tenantId, request.query);
      const last = await lastBatches(db, request.ctx.tenantId, page.map((d) => d.id));
      return Object.fromEntries(page.map((d) => [d.id, presentDataset(d, request.ctx.orgId, last.get(d.id))]));
    },
  );

  app.get(`${BASE}/:id`, { schema: { params: Id, response: { 200: DatasetsById, ...ERRORS } } }, async (request) => {
    const d = await datasets.get(request.ctx.tenantId, request.params.id);
    const last = await lastBatches(db, request.ctx.tenantId, [d.id]);
    return { [d.id]: presentDataset(d, request.ctx.orgId, last.get(d.id)) };
  });

  app.patch(
    `${BASE}/:id`,
    {
      schema: {
        params: Id,
        body: Type.Object({ name: Type.Optional(Type.String({ minLength: 1 })), description: Type.Optional(Type.String()), tags: Type.Optional(Tags) }),
        response: { 200: RefList, ...ERRORS },
      },
    },
    async (request) => {
      const d = await datasets.patch(request.ctx.tenantId, request.params.id, request.body);
      return [`@/dataSets/${d.id}`];
    },
  );

  app.delete(`${BASE}/:id`, { schema: { params: Id, response: { 200: RefList, ...ERRORS } } }, async (request) => {
    await datasets.delete(request.ctx.tenantId, request.params.id);
    return [`@/dataSets/${request.params.id}`];
  });
}
