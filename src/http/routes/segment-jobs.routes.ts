/** Segment jobs (/data/core/ups/segment/jobs): evaluate definitions over every profile; list, get, cancel, bulk-get. */
import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { App, Services } from '../app.js';
import type { JobRecord, JobStatus } from '../../jobs/job.store.js';
import type { SegmentDefinition } from '../../segments/segment.js';
import { segmentError } from '../../segments/segment.js';
import type { SegmentJobCheckpoint, SegmentJobPayload } from '../../segments/segment-jobs.js';
import { ERRORS, empty } from '../schemas/problem.js';
import { BulkGetBody, BulkResults, SegmentJobBody, SegmentJobList, SegmentJobObject } from '../schemas/segments.js';
import { sandboxOf } from './segment-definitions.routes.js';

const BASE = '/data/core/ups/segment/jobs';
const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });

/** AEP's statuses: NEW until it starts, PROCESSING, CANCELLING while a cancel is pending, then SUCCEEDED, FAILED or CANCELLED. */
function statusOf(job: JobRecord): string {
  if (job.status === 'done') return 'SUCCEEDED';
  if (job.status === 'failed') return 'FAILED';
  if (job.status === 'cancelled') return 'CANCELLED';
  if (job.cancelRequested) return 'CANCELLING';
  return job.status === 'running' || job.checkpoint !== undefined ? 'PROCESSING' : 'NEW';
}

const STATUSES: Record<string, readonly JobStatus[]> = {
  NEW: ['queued'],
  QUEUED: ['queued'],
  PROCESSING: ['running'],
  SUCCEEDED: ['done'],
  FAILED: ['failed'],
  CANCELLED: ['cancelled'],
};

const timing = (start: number | undefined, end: number | undefined) =>
  start === undefined ? { startTimeInMs: 0, endTimeInMs: 0, totalTimeInMs: 0 } : { startTimeInMs: start, endTimeInMs: end ?? 0, totalTimeInMs: end === undefined ? 0 : end - start };

/** A job in the spec's shape; `defs` are the sandbox's definitions (for each segment's expression and merge policy). */
function present(request: FastifyRequest, job: JobRecord, defs: ReadonlyMap<string, SegmentDefinition>, defaultPolicy: string) {
  const p = job.payload as unknown as SegmentJobPayload;
  const at = job.checkpoint as SegmentJobCheckpoint | undefined;
  const href = `${BASE}/${job.ref}`;
  const counts = at?.counts ?? {};
  const members = at?.members ?? {};
  const profiles = at?.profiles ?? {};
  return {
    id: job.ref,
    imsOrgId: request.ctx.orgId,
    sandbox: sandboxOf(request),
    profileInstanceId: 'ups',
    source: p.scheduleId === undefined ? 'api' : 'scheduler',
    status: statusOf(job),
    segments: p.segments.map((s) => {
      const d = defs.get(s.id);
      const policy = s.mergePolicyId === '' ? defaultPolicy : s.mergePolicyId;
      return { segmentId: s.id, segment: { id: s.id, version: s.version, ...(d ? { expression: d.expression } : {}), mergePolicyId: policy, mergePolicy: { id: policy, version: 1 } } };
    }),
    metrics: {
      totalTime: timing(at?.startedAt ?? job.createdAt, at?.endedAt),
      profileSegmentationTime: timing(at?.evaluatingAt, at?.endedAt),
      totalProfiles: Math.max(0, ...Object.values(profiles)),
      totalProfilesByMergePolicy: { ...profiles },
      segmentedProfileCounter: Object.fromEntries(Object.entries(members).map(([id, m]) => [id, m.total])),
      segmentedProfileByNamespaceCounter: Object.fromEntries(Object.entries(members).map(([id, m]) => [id, { ...m.byNamespace }])),
      segmentedProfileByStatusCounter: Object.fromEntries(
        p.segments.map((s) => {
          const c = counts[s.id] ?? { realized: 0, exited: 0 };
          const total = members[s.id]?.total;
          return [s.id, { realized: c.realized, exited: c.exited, ...(total === undefined ? {} : { existing: Math.max(0, total - c.realized) }) }];
        }),
      ),
    },
    ...(job.status === 'failed' ? { errors: [{ code: 'SEGMENT_JOB_FAILED', msg: job.error ?? 'The job failed' }] } : {}),
    requestId: job.ref,
    schema: { name: '_xdm.context.profile' },
    properties: p.scheduleId === undefined ? {} : { scheduleId: p.scheduleId, runId: job.ref },
    _links: { cancel: { href, method: 'DELETE' }, checkStatus: { href, method: 'GET' } },
    creationTime: job.createdAt,
    updateTime: job.updatedAt,
    updateEpoch: Math.floor(job.updatedAt / 1000),
  };
}

/** Registers the segment job routes. */
export function registerSegmentJobRoutes(app: App, { segments, segmentJobs, mergePolicies }: Services): void {
  const context = async (tenantId: number) => ({
    defs: new Map((await segments.list(tenantId)).map((d) => [d.id, d])),
    defaultPolicy: (await mergePolicies.effective(tenantId, undefined)).id,
  });

  app.get(
    BASE,
    {
      schema: {
        querystring: Type.Object(
          {
            start: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
            status: Type.Optional(Type.String({ maxLength: 32 })),
            sort: Type.Optional(Type.String({ maxLength: 64 })),
            property: Type.Optional(Type.String({ maxLength: 256 })),
            'snapshot.name': Type.Optional(Type.String({ maxLength: 256 })),
          },
          { additionalProperties: true },
        ),
        response: { 200: SegmentJobList, ...ERRORS },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = q.limit ?? 100;
      const status = q.status?.toUpperCase();
      if (status !== undefined && !Object.hasOwn(STATUSES, status)) throw segmentError('SEGMENT_JOB_INVALID', `status '${q.status!.slice(0, 32)}' must be one of ${Object.keys(STATUSES).join(', ')}`);
      const sort = q.sort ?? 'creationTime:desc';
      if (!/^creationTime:(asc|desc)$/.test(sort)) throw segmentError('SEGMENT_JOB_INVALID', `sort '${sort.slice(0, 64)}' must be creationTime:asc or creationTime:desc`);
      let segmentFilter: string | undefined;
      if (q.property !== undefined) {
        const m = /^segments~segmentId==(.+)$/.exec(q.property);
        if (!m) throw segmentError('SEGMENT_JOB_INVALID', `property '${q.property.slice(0, 80)}' must be segments~segmentId==<segment id>`);
        segmentFilter = m[1]!;
      }
      const { defs, defaultPolicy } = await context(request.ctx.tenantId);
      // A property filter looks inside each job's payload, so it is applied to the whole listing before the page is cut.
      const all = await segmentJobs.list(request.ctx.tenantId, { limit: segmentFilter === undefined ? limit : 100_000, offset: segmentFilter === undefined ? (q.start ?? 0) : 0, ascending: sort.endsWith(':asc'), ...(status ? { status: STATUSES[status]! } : {}) });
      let records = all.records;
      let total = all.total;
      if (segmentFilter !== undefined) {
        const matching = records.filter((j) => (j.payload as unknown as SegmentJobPayload).segments.some((s) => s.id === segmentFilter));
        total = matching.length;
        records = matching.slice(q.start ?? 0, (q.start ?? 0) + limit);
      }
      return { _page: { totalCount: total, pageSize: records.length }, children: records.map((j) => present(request, j, defs, defaultPolicy)) };
    },
  );

  app.post(BASE, { schema: { body: SegmentJobBody, response: { 200: SegmentJobObject, ...ERRORS } } }, async (request) => {
    const job = await segmentJobs.create(request.ctx.tenantId, request.body.map((s) => s.segmentId));
    const { defs, defaultPolicy } = await context(request.ctx.tenantId);
    return present(request, job, defs, defaultPolicy);
  });

  app.get(`${BASE}/:id`, { schema: { params: Id, response: { 200: SegmentJobObject, ...ERRORS } } }, async (request) => {
    const job = await segmentJobs.get(request.ctx.tenantId, request.params.id);
    const { defs, defaultPolicy } = await context(request.ctx.tenantId);
    return present(request, job, defs, defaultPolicy);
  });

  app.delete(`${BASE}/:id`, { schema: { params: Id, response: { 204: empty('The job is marked for cancellation'), ...ERRORS } } }, async (request, reply) => {
    await segmentJobs.cancel(request.ctx.tenantId, request.params.id);
    return reply.status(204).send();
  });

  app.post(`${BASE}/bulk-get`, { schema: { body: BulkGetBody, response: { 207: BulkResults, ...ERRORS } } }, async (request, reply) => {
    const { defs, defaultPolicy } = await context(request.ctx.tenantId);
    const results: Record<string, unknown> = {};
    const errors: Record<string, unknown> = {};
    for (const { id } of request.body.ids) {
      const job = await segmentJobs.find(request.ctx.tenantId, id);
      if (job) results[id] = present(request, job, defs, defaultPolicy);
      else errors[id] = { status: 404, code: 'SEGMENT_JOB_NOT_FOUND', message: `Segment job '${id}' does not exist in this sandbox` };
    }
    return reply.status(207).send({ results, ...(Object.keys(errors).length > 0 ? { errors } : {}) } as never);
  });
}
