/** Record validation against a resolved schema with Ajv, compiled once per schema, with errors in plain words. */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import formatsModule from 'ajv-formats';
import type { ResolvedSchema } from './compose.js';

/** One reason a record does not match its schema. */
export interface ValidationIssue {
  /** JSON pointer of the offending field (`/person/name/firstName`); `''` for the record itself. */
  path: string;
  /** A sentence a data engineer can act on, starting with the field (`/person/name/firstName must be string`). */
  message: string;
  /** The JSON Schema keyword that failed (`type`, `required`, `additionalProperties`, `format`, ...). */
  keyword: string;
}

/** The verdict on one record. */
export type ValidationResult = { ok: true } | { ok: false; errors: ValidationIssue[] };

/** A compiled validator; cheap to call per record. */
export type RecordValidator = (record: unknown) => ValidationResult;

/** One Ajv instance for the process: compiled code is cached per schema object, never per record. */
let shared: Ajv | undefined;

function ajv(): Ajv {
  if (shared === undefined) {
    // strict: false because resolved schemas keep `meta:xdmType`, which Ajv would otherwise reject as unknown.
    shared = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    formatsModule.default(shared);
  }
  return shared;
}

const compiled = new WeakMap<object, RecordValidator>();

/** Compiles a validator for a resolved schema; the same schema object always yields the same validator. */
export function compileValidator(schema: ResolvedSchema): RecordValidator {
  const cached = compiled.get(schema);
  if (cached !== undefined) return cached;
  const check: ValidateFunction = ajv().compile(schema);
  const validator: RecordValidator = (record) => {
    if (check(record)) return { ok: true };
    return { ok: false, errors: (check.errors ?? []).map(describeError) };
  };
  compiled.set(schema, validator);
  return validator;
}

/** Rewrites an Ajv error so it names the field and the reason without JSON Schema jargon. */
function describeError(error: ErrorObject): ValidationIssue {
  const params = error.params as Record<string, unknown>;
  const at = error.instancePath;
  const child = (name: unknown) => `${at}/${String(name).replace(/~/g, '~0').replace(/\//g, '~1')}`;
  switch (error.keyword) {
    case 'required':
      return issue(child(params.missingProperty), 'is required', error.keyword);
    case 'additionalProperties':
      return issue(child(params.additionalProperty), 'is not defined in the schema', error.keyword);
    case 'type':
      return issue(at, `must be ${String(params.type)}`, error.keyword);
    case 'enum':
      return issue(at, `must be one of: ${(params.allowedValues as unknown[]).map(String).join(', ')}`, error.keyword);
    case 'format':
      return issue(at, `must be a valid ${String(params.format)}`, error.keyword);
    case 'pattern':
      return issue(at, `must match the pattern ${String(params.pattern)}`, error.keyword);
    default:
      return issue(at, error.message ?? `fails ${error.keyword}`, error.keyword);
  }
}

function issue(path: string, reason: string, keyword: string): ValidationIssue {
  return { path, message: `${path === '' ? 'The record' : path} ${reason}`, keyword };
}
