/** Checks one record against its dataset's schema and guardrails, and extracts what the write needs: pure. */
import type { ResolvedSchema } from '../catalog/schema-resolver.js';
import { type Identity, checkRecordSize, extractIdentities } from '../catalog/xdm/index.js';
import { describeJsonProblem, screenJson } from '../shared/json-screen.js';

/** A record ready to write: a profile fragment (upserted) or an event (appended once per `_id`). */
export interface PreparedRecord {
  readonly index: number;
  readonly datasetId: string;
  readonly kind: 'fragment' | 'event';
  readonly primary: { readonly ns: string; readonly id: string };
  readonly identities: readonly Identity[];
  readonly data: Record<string, unknown>;
  readonly text: string;
  /** Identities left out of the record by a check (junk values on the blocklist), for the guardrail counters. */
  readonly dropped?: ReadonlyArray<{ readonly ns: string; readonly id: string; readonly reason: string }>;
  /** Events only: `_id` and `timestamp` in epoch ms. */
  readonly eventId?: string;
  readonly ts?: number;
}

/** What the write transaction needs of a prepared record: all but the parsed object (it writes `text`). */
export type WritableRecord = Omit<PreparedRecord, 'data'>;

/** Why a record was refused: the first error, and every error found (path, code, message). */
export interface RecordFailure {
  readonly index: number;
  readonly datasetId: string;
  readonly code: string;
  readonly message: string;
  readonly errors: ReadonlyArray<{ path: string; code: string; message: string }>;
}

/** Validation stops listing after this many problems per record, as AEP's streaming validation does. */
const MAX_ERRORS = 5;

/** Runs every check on one record; never throws for bad data (`screened`: the caller already ran screenJson). */
export function prepareRecord(
  index: number,
  datasetId: string,
  record: unknown,
  schema: ResolvedSchema,
  text?: string,
  screened = false,
): PreparedRecord | RecordFailure {
  const fail = (errors: Array<{ path: string; code: string; message: string }>): RecordFailure => ({
    index,
    datasetId,
    code: errors[0]!.code,
    message: errors[0]!.message,
    errors: errors.slice(0, MAX_ERRORS),
  });
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    return fail([{ path: '', code: 'RECORD_NOT_OBJECT', message: 'The record must be a JSON object' }]);
  }
  // Before anything recursive (validation, JSON.stringify) sees it: a record nested 10,000 deep overflows the stack.
  const problem = screened ? undefined : screenJson(record);
  if (problem) return fail([{ path: problem.path, code: problem.code, message: describeJsonProblem(problem) }]);
  const json = text ?? JSON.stringify(record);
  const tooLarge = checkRecordSize(Buffer.byteLength(json), schema.behavior);
  if (tooLarge) return fail([tooLarge]);
  const verdict = schema.validate(record);
  if (!verdict.ok) {
    return fail(verdict.errors.map((e) => ({ path: e.path, code: 'RECORD_SCHEMA_VIOLATION', message: e.message })));
  }
  const extraction = extractIdentities(record, schema.descriptors);
  if (!extraction.ok || !extraction.primary) {
    const errors = extraction.errors.length > 0 ? extraction.errors : [{ path: '/identityMap', code: 'IDENTITY_PRIMARY_MISSING', message: 'The record has no primary identity' }];
    return fail([...errors]);
  }
  const data = record as Record<string, unknown>;
  const base = {
    index,
    datasetId,
    primary: { ns: extraction.primary.namespace, id: extraction.primary.id },
    identities: extraction.identities,
    data,
    text: json,
  };
  if (schema.behavior !== 'time-series') return { ...base, kind: 'fragment' };
  const eventId = data._id;
  const ts = typeof data.timestamp === 'string' ? Date.parse(data.timestamp) : Number.NaN;
  if (typeof eventId !== 'string' || eventId === '') {
    return fail([{ path: '/_id', code: 'EVENT_ID_MISSING', message: 'An ExperienceEvent needs a non-empty string _id' }]);
  }
  if (!Number.isFinite(ts)) {
    return fail([{ path: '/timestamp', code: 'EVENT_TIMESTAMP_INVALID', message: 'An ExperienceEvent needs timestamp as an ISO 8601 date-time' }]);
  }
  return { ...base, kind: 'event', eventId, ts };
}

/** Narrows a prepare result. */
export function isFailure(r: PreparedRecord | RecordFailure): r is RecordFailure {
  return 'code' in r;
}
