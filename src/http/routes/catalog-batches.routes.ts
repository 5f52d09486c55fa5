/** Catalog writes: batches (create, create with an id, PUT, PATCH, DELETE), lastBatches, and PUT of a dataset. */
import { Type } from 'typebox';
import type { App, Services } from '../app.js';
import { CatalogBatches, lastBatches } from '../../ingest/batches/catalog-batch.js';
import { join } from 'node:path';
import { catalogPage, safeInteger } from './paging.js';

const CATALOG = '/data/foundation/catalog';

const Tags = Type.Record(Type.String(), Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 100 }));
const BatchId = Type.Object({ batchId: Type.String({ minLength: 1, maxLength: 64 }) });
const Count = safeInteger();

/** Catalog's batchRequest: the client-owned fields typed, the service-managed ones accepted only unchanged. */
const BatchBody = Type.Object(
  {
    datasetId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    relatedObjects: Type.Optional(Type.Array(Type.Object({ type: Type.String({ minLength: 1 }), id: Type.String({ minLength: 1, maxLength: 128 }) }), { maxItems: 100 })),
    inputFormat: Type.Optional(Type.Object({ format: Type.Optional(Type.String()) })),
    status: Type.Optional(Type.String()),
    recordCount: Type.Optional(Count),
    failedRecordCount: Type.Optional(Count),
    size: Type.Optional(Count),
    started: Type.Optional(Count),
    completed: Type.Optional(Count),
    metrics: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    tags: Type.Optional(Tags),
    description: Type.Optional(Type.String({ maxLength: 2048 })),
    externalId: Type.Optional(Type.String({ maxLength: 1024 })),
    replay: Type.Optional(Type.Object({ predecessors: Type.Optional(Type.Array(Type.String(), { maxItems: 100 })), reason: Type.Optional(Type.String({ maxLength: 2048 })) })),
    availableDates: Type.Optional(Type.Object({ startDate: Type.Optional(safeInteger()), endDate: Type.Optional(safeInteger()) })),
  },
  { additionalProperties: true },
);

/** Registers the Catalog write routes. */
export function registerCatalogBatchRoutes(app: App, { db, batches, datasets, config, clock }: Services): void {
  const catalog = new CatalogBatches(db, batches, join(config.dataDir, 'uploads'), clock);
  const ref = (id: string) => [`@/batches/${id}`];

  app.post(`${CATALOG}/batches`, { schema: { body: BatchBody } }, async (request, reply) => {
    const b = await catalog.create(request.ctx.tenantId, request.body, request.ctx.clientId);
    return reply.status(201).header('location', `${CATALOG}/batches/${b.id}`).send(ref(b.id));
  });

  app.post(`${CATALOG}/batches/:batchId`, { schema: { params: BatchId, body: BatchBody } }, async (request, reply) => {
    const b = await catalog.create(request.ctx.tenantId, request.body, request.ctx.clientId, request.params.batchId);
    return reply.status(201).header('location', `${CATALOG}/batches/${b.id}`).send(ref(b.id));
  });

  app.put(`${CATALOG}/batches/:batchId`, { schema: { params: BatchId, body: BatchBody } }, async (request) =>
    ref((await catalog.update(request.ctx.tenantId, request.params.batchId, request.body, 'replace')).id),
  );

  app.patch(`${CATALOG}/batches/:batchId`, { schema: { params: BatchId, body: BatchBody } }, async (request) =>
    ref((await catalog.update(request.ctx.tenantId, request.params.batchId, request.body, 'merge')).id),
  );

  app.delete(`${CATALOG}/batches/:batchId`, { schema: { params: BatchId } }, async (request) => {
    await catalog.delete(request.ctx.tenantId, request.params.batchId);
    return ref(request.params.batchId);
  });

  app.get(
    `${CATALOG}/lastBatches`,
    {
      schema: {
        querystring: Type.Object({
          dataSetId: Type.Optional(Type.String({ minLength: 1, maxLength: 8192 })),
          lastBatchStatus: Type.Optional(Type.String()),
          ...catalogPage(100, 50),
        }),
      },
    },
    async (request) => {
      const { tenantId, orgId, sandbox } = request.ctx;
      const { dataSetId, lastBatchStatus, limit, start } = request.query;
      // Named datasets must exist (a 404 names the first that does not); otherwise a page of the sandbox's datasets.
      const ids = dataSetId === undefined
        ? (await datasets.list(tenantId, { limit, start })).map((d) => d.id)
        : [...new Set(dataSetId.split(',').map((s) => s.trim()).filter((s) => s !== ''))].slice(start, start + limit);
      if (dataSetId !== undefined) for (const id of ids) await datasets.get(tenantId, id);
      const last = await lastBatches(db, tenantId, ids);
      const entries = [...last].filter(([, l]) => lastBatchStatus === undefined || l.lastBatchStatus === lastBatchStatus);
      return Object.fromEntries(entries.map(([id, l]) => [id, { ...l, imsOrg: orgId, sandboxId: sandbox.id }]));
    },
  );

  app.put(
    `${CATALOG}/dataSets/:id`,
    {
      schema: {
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) }),
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 512 }),
            description: Type.Optional(Type.String({ maxLength: 4096 })),
            tags: Type.Optional(Tags),
            schemaRef: Type.Optional(Type.Object({ id: Type.String({ minLength: 1 }), contentType: Type.Optional(Type.String()) })),
          },
          { additionalProperties: true },
        ),
      },
    },
    async (request) => {
      const { name, description, tags, schemaRef } = request.body;
      const d = await datasets.patch(
        request.ctx.tenantId,
        request.params.id,
        { name, ...(description === undefined ? {} : { description }), ...(tags === undefined ? {} : { tags }), ...(schemaRef === undefined ? {} : { schemaRef }) },
        true,
      );
      return [`@/dataSets/${d.id}`];
    },
  );
}
