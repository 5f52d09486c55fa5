/** Profile system jobs (/data/core/ups/system/jobs): delete a dataset's or a batch's Profile data, list, get, remove. */
import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { App, Services } from '../app.js';
import { DomainError } from '../../shared/errors.js';
import type { JobRecord } from '../../jobs/job.store.js';
import type { DeleteCheckpoint, DeletePayload } from '../../jobs/system/profile-delete.js';
import { ERRORS, empty } from '../schemas/problem.js';
import { SystemJobObject, SystemJobPage } from '../schemas/jobs.js';
import { limitParam, offsetParam } from './paging.js';

const BASE = '/data/core/ups/system/jobs';
const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const DatasetOrBatchId = Type.String({ minLength: 1, maxLength: 128 });
const Body = Type.Object(
  { dataSetId: Type.Optional(DatasetOrBatchId), datasetId: Type.Optional(DatasetOrBatchId), batchId: Type.Optional(DatasetOrBatchId) },
  { additionalProperties: true },
);

/** The doc's statuses: NEW until the job starts, IN-PROGRESS, then SUCCESS or FAILED. */
function statusOf(job: JobRecord): string {
  if (job.status === 'done') return 'SUCCESS';
  if (job.status === 'failed') return 'FAILED';
  // A queued job with a checkpoint is waiting to retry: it has started.
  return job.status === 'running' || job.checkpoint !== undefined ? 'IN-PROGRESS' : 'NEW';
}

/** A delete request in the doc's shape, with the Azure shape's members that do not conflict with it. */
function present(request: FastifyRequest, job: JobRecord) {
  const p = job.payload as unknown as DeletePayload;
  const at = job.checkpoint as DeleteCheckpoint | undefined;
  const progress = at?.progress;
  const metrics = {
    recordsProcessed: (progress?.fragments ?? 0) + (progress?.events ?? 0),
    ...(progress ?? {}),
    timeTakenInSec: at === undefined ? 0 : Math.round((job.updatedAt - at.startedAt) / 1000),
    ...(job.status === 'failed' ? { error: job.error } : {}),
  };
  return {
    requestId: job.ref,
    requestType: p.requestType,
    imsOrgId: request.ctx.orgId,
    sandbox: { sandboxName: request.ctx.sandbox.name, sandboxId: request.ctx.sandbox.id },
    status: statusOf(job),
    properties: { datasetId: p.datasetId, ...(p.batchId === undefined ? {} : { batchId: p.batchId }) },
    createdAt: new Date(job.createdAt).toISOString(),
    updatedAt: new Date(job.updatedAt).toISOString(),
    id: job.ref,
    jobType: 'DELETE',
    ...(p.batchId === undefined ? { dataSetId: p.datasetId } : { batchId: p.batchId }),
    metrics: JSON.stringify(metrics),
    createEpoch: Math.floor(job.createdAt / 1000),
    updateEpoch: Math.floor(job.updatedAt / 1000),
  };
}

/** Registers the system job routes. */
export function registerSystemJobRoutes(app: App, { systemJobs }: Services): void {
  app.get(
    BASE,
    {
      schema: {
        querystring: Type.Object({ start: Type.Optional(offsetParam()), page: Type.Optional(offsetParam()), limit: limitParam(100, 100), sort: Type.Optional(Type.String({ maxLength: 64 })) }),
        response: { 200: SystemJobPage, ...ERRORS },
      },
    },
    async (request) => {
      const { limit, sort } = request.query;
      if (sort !== undefined && !/^(createdAt|createEpoch):asc$/.test(sort)) {
        throw new DomainError('SYSTEM_JOB_INVALID', `sort '${sort}' is not supported: requests are listed by creation time, oldest first (createdAt:asc)`);
      }
      const start = request.query.start ?? request.query.page ?? 0;
      const { records, total } = await systemJobs.list(request.ctx.tenantId, { start, limit });
      const more = (start + 1) * limit < total;
      return { _page: { pageSize: records.length, start: String(start), totalCount: total, ...(more ? { next: start + 1 } : {}) }, children: records.map((r) => present(request, r)) };
    },
  );

  app.post(BASE, { schema: { body: Body, response: { 200: SystemJobObject, ...ERRORS } } }, async (request) => present(request, await systemJobs.create(request.ctx.tenantId, request.body)));

  app.get(`${BASE}/:id`, { schema: { params: Id, response: { 200: SystemJobObject, ...ERRORS } } }, async (request) => present(request, await systemJobs.get(request.ctx.tenantId, request.params.id)));

  app.delete(`${BASE}/:id`, { schema: { params: Id, response: { 200: empty('Removed'), ...ERRORS } } }, async (request, reply) => {
    await systemJobs.remove(request.ctx.tenantId, request.params.id);
    return reply.status(200).send();
  });
}
