/** The Data Access API's batch file paths: a batch's files, one file's listing, and its bytes (with Range). */
import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import { isAbsolute, relative } from 'node:path';
import type { App, Services } from '../app.js';
import { DomainError } from '../../shared/errors.js';
import { listFiles } from '../../ingest/batches/batch.store.js';
import { BatchFileList, FileListing } from '../schemas/jobs.js';
import { ERRORS } from '../schemas/problem.js';

const EXPORT = '/data/foundation/export';
const BatchId = Type.Object({ batchId: Type.String({ minLength: 1, maxLength: 64 }) });
const FileId = Type.Object({ fileId: Type.String({ minLength: 3, maxLength: 80 }) });

/** A file's id is its batch's id and its 1-based place among the batch's files (`<batchId>-<n>`). */
function parseFileId(fileId: string): { batchId: string; n: number } {
  const m = /^(.+)-(\d{1,6})$/.exec(fileId);
  if (!m) throw new DomainError('BATCH_FILE_NOT_FOUND', `File '${fileId}' does not exist in this sandbox`);
  return { batchId: m[1]!, n: Number(m[2]) };
}

const hrefOf = (request: FastifyRequest, path: string) => `${request.protocol}://${request.host}${EXPORT}${path}`;

/** Parses `bytes=a-b` (or `bytes=a-`) against a file's size; undefined for no header. */
function rangeOf(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d{1,15})-(\d{0,15})$/.exec(header.trim());
  const start = m ? Number(m[1]) : NaN;
  const end = m && m[2] !== '' ? Math.min(Number(m[2]), size - 1) : size - 1;
  if (!m || start > end || start >= size) throw new DomainError('BATCH_RANGE_INVALID', `Range '${header.slice(0, 80)}' is not a satisfiable byte range of this ${size}-byte file`);
  return { start, end };
}

/** Registers the Data Access routes. */
export function registerDataAccessRoutes(app: App, { db, files, batches, config }: Services): void {
  // Export files are stored by file-store key; uploaded files still by their path under the data folder.
  const keyOf = (path: string) => (isAbsolute(path) ? relative(config.dataDir, path) : path);
  const fileOf = async (tenantId: number, fileId: string) => {
    const { batchId, n } = parseFileId(fileId);
    const file = (await listFiles(db, tenantId, batchId))[n - 1];
    if (!file) throw new DomainError('BATCH_FILE_NOT_FOUND', `File '${fileId}' does not exist in this sandbox`);
    return file;
  };

  app.get(`${EXPORT}/batches/:batchId/files`, { schema: { params: BatchId, response: { 200: BatchFileList, ...ERRORS } } }, async (request) => {
    const batch = await batches.get(request.ctx.tenantId, request.params.batchId);
    const list = await listFiles(db, request.ctx.tenantId, batch.id);
    const at = new Date(batch.modifiedAt).toISOString();
    return {
      data: list.map((_, i) => ({
        dataSetFileId: `${batch.id}-${i + 1}`,
        dataSetViewId: batch.datasetId,
        version: '1.0.0',
        created: String(batch.createdAt),
        updated: String(batch.modifiedAt),
        isValid: batch.status === 'success',
        _links: { self: { href: hrefOf(request, `/files/${batch.id}-${i + 1}`) } },
        updatedAt: at,
      })),
      _page: { limit: 100, count: list.length },
    };
  });

  app.get(
    `${EXPORT}/files/:fileId`,
    { schema: { params: FileId, querystring: Type.Object({ path: Type.Optional(Type.String({ maxLength: 255 })) }), response: { 200: Type.Union([FileListing, Type.Unsafe<unknown>({})]), ...ERRORS } } },
    async (request, reply) => {
      const file = await fileOf(request.ctx.tenantId, request.params.fileId);
      const { path } = request.query;
      if (path === undefined) {
        return { data: [{ name: file.name, length: String(file.size), _links: { self: { href: `${hrefOf(request, `/files/${request.params.fileId}`)}?path=${encodeURIComponent(file.name)}` } } }], _page: { limit: 100, count: 1 } };
      }
      if (path !== file.name) throw new DomainError('BATCH_FILE_NOT_FOUND', `File '${request.params.fileId}' holds no '${path}': it holds '${file.name}'`);
      const key = keyOf(file.path);
      const size = key.startsWith('..') ? undefined : await files.size(key);
      if (size === undefined) throw new DomainError('BATCH_FILE_NOT_FOUND', `File '${request.params.fileId}' is no longer stored`);
      const range = rangeOf(request.headers.range, size);
      reply.header('content-type', 'application/octet-stream').header('accept-ranges', 'bytes').header('content-disposition', `attachment; filename="${file.name}"`);
      if (range) reply.status(206).header('content-range', `bytes ${range.start}-${range.end}/${size}`);
      reply.header('content-length', String(range ? range.end - range.start + 1 : size));
      return reply.send(files.read(key, range));
    },
  );
}
