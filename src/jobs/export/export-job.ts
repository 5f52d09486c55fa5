/** An export job: what a create request asks for (checked here), and what the job stores as it runs. */
import { DomainError } from '../../shared/errors.js';
import { assertSafePath, parseFields } from '../../profile/fields.js';
import type { ScanCursor } from './profile-scan.js';

/** The job kind of profile exports. */
export const EXPORT_JOB = 'profile-export';

/** The export create body (segmentation spec `/export/jobs`), as a client sends it. */
export interface ExportRequest {
  readonly fields?: string;
  readonly mergePolicy?: { readonly id?: string; readonly version?: number };
  readonly filter?: {
    readonly segments?: ReadonlyArray<{ readonly segmentId: string; readonly segmentNs?: string; readonly status?: readonly string[] }>;
    readonly segmentQualificationTime?: { readonly startTime?: string; readonly endTime?: string };
    readonly fromIngestTimestamp?: string;
    readonly emptyProfiles?: boolean;
  };
  readonly additionalFields?: { readonly eventList?: { readonly fields?: string; readonly filter?: { readonly fromIngestTimestamp?: string } } };
  readonly destination: { readonly datasetId: string; readonly segmentPerBatch?: boolean };
  readonly schema: { readonly name: string };
}

/** What the job runs from, fixed at create. */
export interface ExportPayload {
  readonly request: ExportRequest;
  readonly requestId: string;
  readonly mergePolicyId: string;
  readonly mergePolicyVersion: number;
  readonly datasetId: string;
  readonly format: 'parquet' | 'ndjson';
  readonly emptyProfiles: boolean;
  /** Only profiles changed after this (epoch ms). */
  readonly updatedAfter?: number;
  readonly eventList?: { readonly fields?: string; readonly ingestedAfter?: number };
}

/** One finished file of the export's batch. */
export interface ExportPart {
  readonly name: string;
  readonly key: string;
  readonly size: number;
  readonly rows: number;
}

/** Where a running export is: the scan's cursor, the files written, and the times its metrics report. */
export interface ExportCheckpoint {
  readonly batchId: string;
  readonly cursor: ScanCursor;
  readonly parts: readonly ExportPart[];
  readonly profiles: number;
  readonly startedAt: number;
  readonly scanEndedAt?: number;
  readonly writeEndedAt?: number;
}

function invalid(message: string): DomainError {
  return new DomainError('EXPORT_JOB_INVALID', message);
}

/** An RFC 3339 time as epoch ms, or EXPORT_JOB_INVALID naming the field. */
export function parseTime(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || !Number.isFinite(ms)) throw invalid(`${field} '${value}' is not an RFC 3339 date-time such as 2018-10-25T13:22:04-07:00`);
  return ms;
}

/** The membership statuses a segment filter may name; `existing` (still in) is held as `realized`. */
export const FILTER_STATUSES = ['realized', 'existing', 'exited'] as const;

/**
 * Checks the parts of a request that need no lookup: the schema, the segment filter's namespace and statuses (whether
 * each segment exists is the service's lookup), the times, and the field lists.
 */
export function checkRequest(r: ExportRequest): void {
  if (r.schema.name !== '_xdm.context.profile') throw invalid(`schema.name '${r.schema.name}' cannot be exported: use _xdm.context.profile`);
  const segments = r.filter?.segments ?? [];
  for (const s of segments) {
    if ((s.segmentNs ?? 'ups') !== 'ups') throw invalid(`filter.segments: segmentNs '${String(s.segmentNs).slice(0, 40)}' is not held here: only ups (segments evaluated by this service)`);
    const bad = (s.status ?? []).find((x) => !(FILTER_STATUSES as readonly string[]).includes(x));
    if (bad !== undefined) throw invalid(`filter.segments: status '${String(bad).slice(0, 40)}' must be one of ${FILTER_STATUSES.join(', ')}`);
  }
  parseTime(r.filter?.segmentQualificationTime?.startTime, 'filter.segmentQualificationTime.startTime');
  parseTime(r.filter?.segmentQualificationTime?.endTime, 'filter.segmentQualificationTime.endTime');
  if (r.filter?.segmentQualificationTime !== undefined && segments.length === 0) {
    throw invalid('filter.segmentQualificationTime filters on segment qualification: it needs filter.segments');
  }
  parseTime(r.filter?.fromIngestTimestamp, 'filter.fromIngestTimestamp');
  parseTime(r.additionalFields?.eventList?.filter?.fromIngestTimestamp, 'additionalFields.eventList.filter.fromIngestTimestamp');
  parseFields(r.fields);
  for (const path of parseFields(r.additionalFields?.eventList?.fields)) assertSafePath(path, 'additionalFields.eventList.fields path');
}
