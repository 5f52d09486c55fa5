/** Export jobs (/export/jobs): create with every check a request can fail up front, list, get, cancel. */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../store/db.js';
import type { Clock } from '../../shared/clock.js';
import { DomainError } from '../../shared/errors.js';
import type { DatasetService } from '../../catalog/datasets/dataset.service.js';
import type { SchemaResolver } from '../../catalog/schema-resolver.js';
import type { XdmSchemaNode } from '../../catalog/xdm/types.js';
import type { MergePolicyService } from '../../profile/merge-policy.service.js';
import { parseFields } from '../../profile/fields.js';
import { type JobRecord, type JobStatus, findJobRecord, insertJob, listJobRecords, requestCancel } from '../job.store.js';
import { EXPORT_JOB, type ExportPayload, type ExportRequest, checkRequest, parseTime } from './export-job.js';
import { PROFILE_UNION } from './export.handler.js';
import { exportSchema } from './parquet-schema.js';
import { listDefinitions as listSegments } from '../../segments/segment.store.js';

function invalid(message: string): DomainError {
  return new DomainError('EXPORT_JOB_INVALID', message);
}

/** Export jobs of a sandbox; the work runs on the job runner (`kick` wakes it in this process). */
export class ExportService {
  constructor(
    private readonly db: Db,
    private readonly datasets: DatasetService,
    private readonly schemas: SchemaResolver,
    private readonly policies: MergePolicyService,
    private readonly clock: Clock,
    private readonly kick: () => void,
  ) {}

  /** Queues an export of the sandbox's profiles to a dataset of the Profile union schema. */
  async create(tenantId: number, request: ExportRequest): Promise<JobRecord> {
    checkRequest(request);
    const known = new Set((await listSegments(this.db, tenantId)).map((d) => d.id));
    const unknown = (request.filter?.segments ?? []).find((s) => !known.has(s.segmentId));
    if (unknown) throw new DomainError('EXPORT_SEGMENT_NOT_FOUND', `filter.segments: segment '${unknown.segmentId.slice(0, 128)}' does not exist in this sandbox`);
    const dataset = await this.datasets.get(tenantId, request.destination.datasetId);
    if (dataset.schemaId !== PROFILE_UNION) {
      throw invalid(`destination.datasetId '${dataset.id}' is of schema '${dataset.schemaId}': an export needs a dataset of the Profile union schema (${PROFILE_UNION})`);
    }
    const declared = (dataset.body.fileDescription as { format?: unknown } | undefined)?.format ?? 'parquet';
    if (declared !== 'parquet' && declared !== 'json') throw invalid(`destination dataset's fileDescription.format '${String(declared)}' cannot be written: use parquet or json`);
    const policy = await this.policies.effective(tenantId, request.mergePolicy?.id);
    const version = request.mergePolicy?.version;
    if (version !== undefined && version !== policy.version) {
      throw invalid(`mergePolicy.version ${version} is not the current version of merge policy '${policy.id}' (${policy.version}): omit it to use the latest`);
    }
    const union = await this.schemas.union(tenantId, PROFILE_UNION);
    if (!union) throw invalid('The sandbox has no Profile-enabled schema of the profile class, so there is nothing to export');
    // Builds the file schema once here, so a `fields` path that is no field of the union is refused now, not in the job.
    exportSchema(union.jsonSchema as XdmSchemaNode, parseFields(request.fields));
    const eventList = request.additionalFields?.eventList;
    const payload: ExportPayload = {
      request,
      requestId: randomUUID(),
      mergePolicyId: policy.id,
      mergePolicyVersion: policy.version,
      datasetId: dataset.id,
      format: declared === 'json' ? 'ndjson' : 'parquet',
      emptyProfiles: request.filter?.emptyProfiles === true,
      ...(request.filter?.fromIngestTimestamp === undefined ? {} : { updatedAfter: parseTime(request.filter.fromIngestTimestamp, 'filter.fromIngestTimestamp') }),
      ...(eventList === undefined
        ? {}
        : { eventList: { ...(eventList.fields === undefined ? {} : { fields: eventList.fields }), ...(eventList.filter?.fromIngestTimestamp === undefined ? {} : { ingestedAfter: parseTime(eventList.filter.fromIngestTimestamp, 'eventList.filter.fromIngestTimestamp') }) } }),
    };
    const jobId = await this.db.transaction((tx) => insertJob(tx, { tenantId, kind: EXPORT_JOB, ref: payload.requestId, payload }, this.clock()));
    this.kick();
    return this.get(tenantId, jobId);
  }

  /** One export job; EXPORT_JOB_NOT_FOUND when the sandbox has none of that id. */
  async get(tenantId: number, jobId: number): Promise<JobRecord> {
    const found = await findJobRecord(this.db, tenantId, EXPORT_JOB, { jobId });
    if (!found) throw new DomainError('EXPORT_JOB_NOT_FOUND', `Export job '${jobId}' does not exist in this sandbox`);
    return found;
  }

  /** A page of export jobs, newest first, after the job `beforeId` (the page token's id), optionally of some statuses. */
  async list(tenantId: number, page: { limit: number; beforeId?: number; status?: readonly JobStatus[] }): Promise<JobRecord[]> {
    const { records } = await listJobRecords(this.db, tenantId, EXPORT_JOB, { limit: page.limit, offset: 0, descending: true, ...(page.status ? { status: page.status } : {}), ...(page.beforeId === undefined ? {} : { beforeId: page.beforeId }) });
    return records;
  }

  /** Asks a job to stop: a queued one never runs, a running one stops after its current part; returns its status before. */
  async cancel(tenantId: number, jobId: number): Promise<JobStatus> {
    const before = await requestCancel(this.db, tenantId, EXPORT_JOB, jobId, this.clock());
    if (before === undefined) throw new DomainError('EXPORT_JOB_NOT_FOUND', `Export job '${jobId}' does not exist in this sandbox`);
    return before;
  }
}
