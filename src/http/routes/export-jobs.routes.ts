/** Export jobs (/data/core/ups/export/jobs): create, list, get, and cancel in both documented forms. */
import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { App, Services } from '../app.js';
import { DomainError } from '../../shared/errors.js';
import type { JobRecord, JobStatus } from '../../jobs/job.store.js';
import type { ExportCheckpoint, ExportPayload, ExportRequest } from '../../jobs/export/export-job.js';
import { ERRORS, empty } from '../schemas/problem.js';
import { ExportJobObject, ExportJobPage } from '../schemas/jobs.js';
import { limitParam, safeInteger } from './paging.js';

const BASE = '/data/core/ups/export/jobs';
const Id = Type.Object({ id: safeInteger() });
const Time = Type.String({ maxLength: 64 });
const FieldList = Type.String({ maxLength: 8192 });
const Body = Type.Object(
  {
    fields: Type.Optional(FieldList),
    mergePolicy: Type.Optional(Type.Object({ id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })), version: Type.Optional(safeInteger()) })),
    filter: Type.Optional(
      Type.Object({
        segments: Type.Optional(
          Type.Array(
            Type.Object({ segmentId: Type.String({ minLength: 1, maxLength: 128 }), segmentNs: Type.Optional(Type.String({ maxLength: 64 })), status: Type.Optional(Type.Array(Type.Union([Type.Literal('realized'), Type.Literal('existing'), Type.Literal('exited')]), { maxItems: 3 })) }),
            { maxItems: 100 },
          ),
        ),
        segmentQualificationTime: Type.Optional(Type.Object({ startTime: Type.Optional(Time), endTime: Type.Optional(Time) })),
        fromIngestTimestamp: Type.Optional(Time),
        emptyProfiles: Type.Optional(Type.Boolean()),
      }),
    ),
    additionalFields: Type.Optional(Type.Object({ eventList: Type.Optional(Type.Object({ fields: Type.Optional(FieldList), filter: Type.Optional(Type.Object({ fromIngestTimestamp: Type.Optional(Time) })) })) })),
    destination: Type.Object({ datasetId: Type.String({ minLength: 1, maxLength: 128 }), segmentPerBatch: Type.Optional(Type.Boolean()) }),
    schema: Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }) }),
  },
  { additionalProperties: true },
);

const STATUS: Record<string, readonly JobStatus[]> = { NEW: ['queued'], PROCESSING: ['running', 'queued'], SUCCEEDED: ['done'], FAILED: ['failed', 'cancelled'] };

/** NEW until the job first runs, PROCESSING (also while waiting to retry), then SUCCEEDED or FAILED (cancelled too). */
function statusOf(job: JobRecord): string {
  if (job.status === 'done') return 'SUCCEEDED';
  if (job.status === 'failed' || job.status === 'cancelled') return 'FAILED';
  return job.status === 'running' || job.checkpoint !== undefined ? 'PROCESSING' : 'NEW';
}

const span = (start: number | undefined, end: number | undefined) =>
  start === undefined ? undefined : end === undefined ? { startTimeInMs: start } : { startTimeInMs: start, endTimeInMs: end, totalTimeInMs: end - start };

/** The job object of the segmentation spec. */
function present(request: FastifyRequest, job: JobRecord) {
  const p = job.payload as unknown as ExportPayload;
  const at = job.checkpoint as ExportCheckpoint | undefined;
  const finished = job.status === 'done' || job.status === 'failed' || job.status === 'cancelled';
  const r = p.request;
  return {
    id: job.jobId,
    jobType: 'BATCH',
    profileInstanceId: 'ups',
    imsOrgId: request.ctx.orgId,
    schema: { name: r.schema.name },
    ...(r.fields === undefined ? {} : { fields: r.fields }),
    mergePolicy: { id: p.mergePolicyId, version: p.mergePolicyVersion },
    ...(r.filter === undefined ? {} : { filter: r.filter }),
    ...(r.additionalFields === undefined ? {} : { additionalFields: r.additionalFields }),
    status: statusOf(job),
    destination: { datasetId: p.datasetId, segmentPerBatch: r.destination.segmentPerBatch === true, ...(at ? { batchId: at.batchId } : {}) },
    ...(job.status === 'failed' || job.status === 'cancelled' ? { errors: [{ code: '0100000003', msg: `Error in Export Job: ${job.error ?? 'failed'}`, callStack: 'realtime-profile export' }] } : {}),
    metrics: {
      totalTime: span(job.createdAt, finished ? job.updatedAt : undefined)!,
      ...(at ? { profileExportTime: span(at.startedAt, at.scanEndedAt) } : {}),
      ...(at?.scanEndedAt === undefined ? {} : { aCPDatasetWriteTime: span(at.scanEndedAt, at.writeEndedAt) }),
      totalExportedProfileCounter: at?.profiles ?? 0,
    },
    computeGatewayJobId: at ? { exportJob: p.requestId } : {},
    requestId: p.requestId,
    creationTime: job.createdAt,
    updateTime: job.updatedAt,
  };
}

/** `<creationTimeMs>_<id>`, the page token AEP's list answers with, to the id it bounds. */
function decodeOffset(token: string): number {
  const m = /^\d{1,16}_(\d{1,16})$/.exec(token);
  if (!m || !Number.isSafeInteger(Number(m[1]))) throw new DomainError('EXPORT_JOB_INVALID', `offset '${token}' is not a page token of this API (<creationTimeMs>_<id>)`);
  return Number(m[1]);
}

/** Registers the export job routes. */
export function registerExportJobRoutes(app: App, { exports }: Services): void {
  app.post(BASE, { schema: { body: Body, response: { 200: ExportJobObject, ...ERRORS } } }, async (request, reply) => {
    const job = await exports.create(request.ctx.tenantId, request.body as ExportRequest);
    return reply.header('x-location', `${BASE}/${job.jobId}`).send(present(request, job));
  });

  app.get(
    BASE,
    {
      schema: {
        querystring: Type.Object({
          limit: limitParam(100, 100),
          offset: Type.Optional(Type.String({ maxLength: 40 })),
          start: Type.Optional(Type.String({ maxLength: 40 })),
          status: Type.Optional(Type.Union(Object.keys(STATUS).map((s) => Type.Literal(s)))),
          sort: Type.Optional(Type.String({ maxLength: 64 })),
        }),
        response: { 200: ExportJobPage, ...ERRORS },
      },
    },
    async (request) => {
      const q = request.query;
      if (q.sort !== undefined && !/^(createdTime|creationTime):desc$/.test(q.sort)) {
        throw new DomainError('EXPORT_JOB_INVALID', `sort '${q.sort}' is not supported: jobs are listed newest first (createdTime:desc)`);
      }
      const token = q.offset ?? q.start;
      const rows = await exports.list(request.ctx.tenantId, { limit: q.limit + 1, ...(token === undefined ? {} : { beforeId: decodeOffset(token) }), ...(q.status ? { status: STATUS[q.status] } : {}) });
      const records = rows.slice(0, q.limit).filter((r) => q.status === undefined || statusOf(r) === q.status);
      const last = rows.slice(0, q.limit).at(-1);
      const pageOffset = last ? `${last.createdAt}_${last.jobId}` : '';
      return {
        records: records.map((r) => present(request, r)),
        page: { sortField: 'createdTime', sort: 'desc', pageOffset, pageSize: records.length },
        // The spec: "If there are no more records, this value is empty."
        link: { next: rows.length > q.limit ? `/export/jobs/?limit=${q.limit}&offset=${pageOffset}${q.status ? `&status=${q.status}` : ''}` : '' },
      };
    },
  );

  app.get(`${BASE}/:id`, { schema: { params: Id, response: { 200: ExportJobObject, ...ERRORS } } }, async (request) => present(request, await exports.get(request.ctx.tenantId, request.params.id)));

  // The segmentation spec's cancel: 200 with a status body.
  app.delete(`${BASE}/:id`, { schema: { params: Id, response: { 200: Type.Object({ status: Type.Boolean(), message: Type.String() }), ...ERRORS } } }, async (request) => {
    const before = await exports.cancel(request.ctx.tenantId, request.params.id);
    if (before === 'queued' || before === 'running') return { status: true, message: 'Export job has been marked for cancelling' };
    return { status: false, message: `Export job ${request.params.id} has already finished: there is nothing to cancel` };
  });

  // The Profile doc's cancel example sends POST to the job and documents 204 with no body.
  app.post(`${BASE}/:id`, { config: { bodyless: true }, schema: { params: Id, response: { 204: empty('Marked for cancelling'), ...ERRORS } } }, async (request, reply) => {
    await exports.cancel(request.ctx.tenantId, request.params.id);
    return reply.status(204).send();
  });
}
