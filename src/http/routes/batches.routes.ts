/** Batch ingestion (/data/foundation/import/batches) and batch status in Catalog (/data/foundation/catalog/batches). */
import { Type } from 'typebox';
import type { Readable } from 'node:stream';
import type { App, Services } from '../app.js';
import { DomainError } from '../../shared/errors.js';
import type { Batch } from '../../ingest/batches/batch.js';
import { ERRORS, empty } from '../schemas/problem.js';
import { BatchErrorPage, BatchObject, BatchesById } from '../schemas/catalog.js';
import { MUTABLE_FIELDS } from '../../ingest/batches/catalog-batch.js';
import { catalogPage } from './paging.js';

const IMPORT = '/data/foundation/import/batches';
const CATALOG = '/data/foundation/catalog/batches';

/** The client-owned fields Catalog keeps on a batch (tags always present, as Catalog answers). */
function catalogFields(body: Readonly<Record<string, unknown>>) {
  return { tags: {}, ...Object.fromEntries(MUTABLE_FIELDS.filter((k) => body[k] !== undefined).map((k) => [k, body[k]])) };
}

/** Catalog's batch object. */
export function presentBatch(b: Batch, orgId: string) {
  return {
    id: b.id,
    imsOrg: orgId,
    status: b.status,
    created: b.createdAt,
    updated: b.modifiedAt,
    ...(b.startedAt === null ? {} : { started: b.startedAt }),
    ...(b.completedAt === null ? {} : { completed: b.completedAt }),
    createdUser: b.body.createdUser,
    relatedObjects: [{ type: 'dataSet', id: b.datasetId }],
    inputFormat: b.body.inputFormat,
    recordCount: b.recordsTotal - b.recordsFailed,
    failedRecordCount: b.recordsFailed,
    metrics: { inputRecordCount: b.recordsTotal, outputRecordCount: b.recordsTotal - b.recordsFailed, failedRecordCount: b.recordsFailed },
    errors: [
      ...(typeof b.body.failureReason === 'string' ? [{ code: 'BATCH_FAILED', description: b.body.failureReason }] : []),
      ...(b.recordsFailed > 0 ? [{ code: 'RECORDS_FAILED', description: `${b.recordsFailed} records failed`, rows: b.recordsFailed, _links: { self: `${IMPORT}/${b.id}/errors` } }] : []),
    ],
    version: '1.0.0',
    ...catalogFields(b.body),
  };
}

const BatchId = Type.Object({ batchId: Type.String({ minLength: 1, maxLength: 64 }) });
const Page = Type.Object(catalogPage(1000, 100));

/** Registers the batch routes. */
export function registerBatchRoutes(app: App, { batches, config }: Services): void {
  // Files are streamed to disk by the service, so the body parser hands over the raw stream.
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));

  app.post(
    IMPORT,
    { schema: { body: Type.Object({ datasetId: Type.String({ minLength: 1 }), inputFormat: Type.Optional(Type.Object({ format: Type.Optional(Type.String()) })) }), response: { 201: BatchObject, ...ERRORS } } },
    async (request, reply) => reply.status(201).send(presentBatch(await batches.create(request.ctx.tenantId, request.body, request.ctx.clientId), request.ctx.orgId)),
  );

  app.put(
    `${IMPORT}/:batchId/datasets/:datasetId/files/:name`,
    {
      bodyLimit: config.uploadLimit,
      schema: { params: Type.Object({ batchId: Type.String({ minLength: 1, maxLength: 64 }), datasetId: Type.String({ minLength: 1, maxLength: 128 }), name: Type.String({ minLength: 1, maxLength: 255 }) }), response: { 200: empty('The file is stored'), ...ERRORS } },
    },
    async (request, reply) => {
      const body = request.body as Readable | undefined;
      if (!body || typeof (body as Readable).pipe !== 'function') {
        throw new DomainError('CONTENT_TYPE_UNSUPPORTED', 'Upload the file as Content-Type: application/octet-stream');
      }
      const { batchId, datasetId, name } = request.params;
      await batches.addFile(request.ctx.tenantId, batchId, datasetId, name, body);
      return reply.status(200).send();
    },
  );

  app.post(
    `${IMPORT}/:batchId`,
    { config: { bodyless: true }, schema: { params: BatchId, querystring: Type.Object({ action: Type.String() }), response: { 200: BatchObject, ...ERRORS } } },
    async (request) => {
      const action = request.query.action.toUpperCase();
      const { tenantId, orgId } = request.ctx;
      if (action === 'COMPLETE') return presentBatch(await batches.complete(tenantId, request.params.batchId), orgId);
      if (action === 'ABORT') return presentBatch(await batches.abort(tenantId, request.params.batchId), orgId);
      throw new DomainError('BATCH_ACTION_INVALID', `action '${request.query.action}' is not supported: use COMPLETE or ABORT`);
    },
  );

  app.get(`${IMPORT}/:batchId/errors`, { schema: { params: BatchId, querystring: Page, response: { 200: BatchErrorPage, ...ERRORS } } }, async (request) => {
    const errors = await batches.errors(request.ctx.tenantId, request.params.batchId, request.query);
    return { errors, _page: { start: request.query.start, limit: request.query.limit, count: errors.length } };
  });

  app.get(`${CATALOG}/:batchId`, { schema: { params: BatchId, response: { 200: BatchesById, ...ERRORS } } }, async (request) => {
    const b = await batches.get(request.ctx.tenantId, request.params.batchId);
    return { [b.id]: presentBatch(b, request.ctx.orgId) };
  });

  app.get(
    CATALOG,
    { schema: { querystring: Type.Object({ ...catalogPage(100, 50), dataSet: Type.Optional(Type.String()) }), response: { 200: BatchesById, ...ERRORS } } },
    async (request) => {
      const { limit, start, dataSet } = request.query;
      const page = await batches.list(request.ctx.tenantId, { limit, start, ...(dataSet === undefined ? {} : { datasetId: dataSet }) });
      return Object.fromEntries(page.map((b) => [b.id, presentBatch(b, request.ctx.orgId)]));
    },
  );
}
