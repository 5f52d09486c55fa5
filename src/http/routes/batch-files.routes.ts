/** Import API large files (INITIALIZE, PATCH chunks with Content-Range, HEAD, COMPLETE) and the batch preview. */
import { Type } from 'typebox';
import type { Readable } from 'node:stream';
import { join } from 'node:path';
import type { FastifyRequest } from 'fastify';
import type { App, Services } from '../app.js';
import { DomainError } from '../../shared/errors.js';
import { LargeFileUploads, parseContentRange } from '../../ingest/batches/large-file.js';
import { PREVIEW_MAX_ROWS, previewBatch } from '../../ingest/batches/preview.js';
import { firstPart, multipartBoundary } from '../multipart-file.js';

const IMPORT = '/data/foundation/import/batches';
const FILE = `${IMPORT}/:batchId/datasets/:datasetId/files/:name`;
const FileParams = Type.Object({
  batchId: Type.String({ minLength: 1, maxLength: 64 }),
  datasetId: Type.String({ minLength: 1, maxLength: 128 }),
  name: Type.String({ minLength: 1, maxLength: 255 }),
});

/** The chunk's bytes: the raw body (application/octet-stream) or the first part of a multipart/form-data body. */
function chunkOf(request: FastifyRequest): Readable {
  const body = request.body as Readable | undefined;
  if (!body || typeof body.pipe !== 'function') {
    throw new DomainError('CONTENT_TYPE_UNSUPPORTED', 'Send the chunk as Content-Type: application/octet-stream (or multipart/form-data with the bytes in its first part)');
  }
  const type = request.headers['content-type'];
  if (!type || !/^multipart\//i.test(type)) return body;
  const boundary = multipartBoundary(type);
  if (boundary === undefined) throw new DomainError('MULTIPART_INVALID', `Content-Type '${type.slice(0, 100)}' has no boundary parameter`);
  return firstPart(body, boundary);
}

/** Registers the large-file and preview routes, in a scope that also reads multipart/form-data as a raw stream. */
export function registerBatchFileRoutes(app: App, { db, batches, config, clock }: Services): void {
  const uploads = new LargeFileUploads(db, batches, join(config.dataDir, 'uploads'), config.uploadLimit, clock);

  void app.register(async (scope: App) => {
    // Only these routes read multipart bodies; elsewhere multipart stays a 415.
    scope.addContentTypeParser('multipart/form-data', (_request, payload, done) => done(null, payload));

    scope.post(
      FILE,
      { config: { bodyless: true }, schema: { params: FileParams, querystring: Type.Object({ action: Type.String() }) } },
      async (request) => {
        (request.body as Readable | undefined)?.resume?.();
        const { batchId, datasetId, name } = request.params;
        const action = request.query.action.toUpperCase();
        if (action === 'INITIALIZE') return uploads.initialize(request.ctx.tenantId, batchId, datasetId, name);
        if (action === 'COMPLETE') return uploads.complete(request.ctx.tenantId, batchId, datasetId, name);
        throw new DomainError('BATCH_ACTION_INVALID', `action '${request.query.action}' is not supported for a file: use INITIALIZE or COMPLETE`);
      },
    );

    scope.patch(FILE, { bodyLimit: config.uploadLimit, schema: { params: FileParams } }, async (request, reply) => {
      const range = parseContentRange(request.headers['content-range']);
      const { batchId, datasetId, name } = request.params;
      const file = await uploads.append(request.ctx.tenantId, batchId, datasetId, name, range, chunkOf(request));
      return reply.header('range', `bytes=0-${file.sizeInBytes - 1}`).send(file);
    });

    scope.head(FILE, { schema: { params: FileParams } }, async (request, reply) => {
      const { batchId, datasetId, name } = request.params;
      const file = await uploads.size(request.ctx.tenantId, batchId, datasetId, name);
      // No Range header means no bytes yet; a body-less answer carries the size in headers only.
      if (file.sizeInBytes > 0) void reply.header('range', `bytes=0-${file.sizeInBytes - 1}`);
      return reply.status(200).send();
    });
  });

  app.get(
    `${IMPORT}/:batchId/datasets/:datasetId/preview`,
    {
      schema: {
        params: Type.Object({ batchId: FileParams.properties.batchId, datasetId: FileParams.properties.datasetId }),
        querystring: Type.Object({
          format: Type.Optional(Type.String()),
          isMultiLineJson: Type.Optional(Type.Boolean()),
          delimiter: Type.String({ maxLength: 8, default: ',' }),
          quote: Type.String({ maxLength: 8, default: '"' }),
          escape: Type.String({ maxLength: 8, default: '\\' }),
          charset: Type.String({ maxLength: 32, default: 'UTF-8' }),
          header: Type.Boolean({ default: true }),
          nrow: Type.Integer({ minimum: 0, maximum: PREVIEW_MAX_ROWS, default: 0 }),
        }),
      },
    },
    async (request) => {
      const { batchId, datasetId } = request.params;
      const { format, delimiter, quote, escape, charset, header, nrow } = request.query;
      const batch = await batches.get(request.ctx.tenantId, batchId);
      if (format !== undefined && !['json', 'parquet'].includes(format.toLowerCase())) {
        throw new DomainError('BATCH_FORMAT_UNSUPPORTED', `format '${format}' is not supported: batches hold json (a JSON array or NDJSON) or parquet`);
      }
      const preview = await previewBatch(db, batches, request.ctx.tenantId, batchId, datasetId, nrow);
      return { formatParams: { delimiter, quote, escape, charset, header, format: format ?? batch.format }, preview };
    },
  );
}
