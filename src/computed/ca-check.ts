/** Checks a definition before it is stored: its expression against the sandbox's union schemas, its name, its window. */
import { type PqlCheckResult, PqlError, checkPql, parsePql } from '../pql/index.js';
import { DomainError } from '../shared/errors.js';
import type { XdmField } from '../catalog/xdm/index.js';
import { CA_FUNCTIONS, type CaFunction, planOf } from './ca-plan.js';
import { DURATION_RANGES, type Duration } from './ca-window.js';
import type { ComputedAttribute } from './ca.js';

/** Error codes of computed attribute requests (docs/computed-attributes.md; the HTTP catalogue maps every one). */
export const CA_ERROR_CODES = [
  'CA_NOT_FOUND',
  'CA_INVALID',
  'CA_EXPRESSION_INVALID',
  'CA_EXISTS',
  'CA_PATH_NOT_FOUND',
  'CA_RETURN_TYPE_MISMATCH',
  'CA_STATUS_TRANSITION',
  'CA_HAS_DEPENDENTS',
] as const;

/** One of CA_ERROR_CODES. */
export type CaErrorCode = (typeof CA_ERROR_CODES)[number];

/** A DomainError with one of this module's codes. */
export function caError(code: CaErrorCode, message: string, details: Record<string, unknown> = {}): DomainError {
  return new DomainError(code, message, details);
}

/** The schemas an expression is checked against: the profile union (with computed fields added) and the event union. */
export interface CheckSchemas {
  readonly profile: Record<string, unknown> | undefined;
  readonly event: Record<string, unknown> | undefined;
}

/** What checking an expression found. */
export interface CheckedExpression {
  readonly check: PqlCheckResult;
  /** See `eventPathsOf`. */
  readonly eventPaths: string[];
  readonly mergeFunction: CaFunction | null;
  /** `meta:xdmType` of the value. */
  readonly xdmType: string;
}

/** Parses and type-checks; a PQL error becomes a 400 naming its line, column and reason, with the caret excerpt. */
export function checkExpression(text: string, schemas: CheckSchemas): CheckedExpression {
  let check: PqlCheckResult;
  let q;
  try {
    q = parsePql(text);
    check = checkPql(q, { ...(schemas.profile ? { profile: schemas.profile } : {}), ...(schemas.event ? { event: schemas.event } : {}) });
  } catch (err) {
    if (!(err instanceof PqlError)) throw err;
    const at = err.line === undefined ? '' : ` at line ${err.line}, column ${err.column}`;
    throw caError('CA_EXPRESSION_INVALID', `expression.value is not a valid PQL expression${at}: ${err.detail}`, {
      errors: [{ code: err.code, message: err.detail, ...(err.line === undefined ? {} : { line: err.line, column: err.column }), ...(err.excerpt ? { excerpt: err.excerpt } : {}) }],
    });
  }
  const mergeFunction = planOf(q).fn;
  return { check, mergeFunction, xdmType: xdmTypeOf(check.typeName), eventPaths: eventPathsOf(check.paths.event, schemas.event) };
}

/**
 * The event fields to extract for an expression that reads `paths`: each path whose every step is an object's field in
 * the event union (a store's JSON path cannot walk an array as PQL does), else its top-level field; `timestamp`
 * always (the order of events); none that another covers.
 */
export function eventPathsOf(paths: readonly string[], event: Record<string, unknown> | undefined): string[] {
  const safe = (segments: readonly string[]): boolean => {
    let node: any = event;
    for (const s of segments) {
      if (!node || node.type === 'array') return false;
      node = node.properties?.[s] ?? (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined);
    }
    return node !== undefined;
  };
  const wanted = new Set(['timestamp']);
  for (const p of paths) {
    const segments = p.split('.');
    wanted.add(event && safe(segments) ? p : segments[0]!);
  }
  return uncovered([...wanted]);
}

/** Dotted paths, once each and sorted, without those another one holds (`a.b` goes where `a` is). */
export function uncovered(paths: readonly string[]): string[] {
  const all = [...new Set(paths)].sort();
  return all.filter((p) => !all.some((q) => q !== p && p.startsWith(`${q}.`)));
}

/** The XDM type name of a checker type (`array<integer>` → `array`); an unknown type reads as `string`, as AEP's samples do. */
function xdmTypeOf(typeName: string): string {
  const base = typeName.split('<')[0]!;
  return base === 'any' ? 'string' : base;
}

/** Whether a value of `xdmType` can be written into `field` (a number into a double, an integer into any number). */
export function fitsField(xdmType: string, field: XdmField): boolean {
  const target = field.xdmType;
  if (xdmType === 'string' || target === 'string') return xdmType === target || xdmType === 'date-time' && (target === 'date-time' || target === 'date');
  if (xdmType === 'integer') return ['integer', 'int', 'long', 'short', 'byte', 'number', 'double'].includes(target);
  if (xdmType === 'number') return target === 'number' || target === 'double';
  if (xdmType === 'date-time') return target === 'date-time' || target === 'date';
  if (xdmType === 'map') return target === 'map' || target === 'object';
  return xdmType === target || (xdmType === 'object' && target === 'map');
}

/** The current API's `name`: letters and digits only (no spaces, no underscores). */
export function checkName(name: string): void {
  if (!/^[A-Za-z0-9]{1,256}$/.test(name)) throw caError('CA_INVALID', `name '${name.slice(0, 80)}' must be 1 to 256 letters and digits: no spaces, underscores or other characters`);
}

/** The current API's `duration`: HOURS 1–24, DAYS 1–7, WEEKS 1–4, MONTHS 1–6. */
export function checkDuration(d: { count: unknown; unit: unknown }): Duration {
  const unit = typeof d.unit === 'string' ? d.unit.toUpperCase() : '';
  if (!Object.hasOwn(DURATION_RANGES, unit)) throw caError('CA_INVALID', `duration.unit '${String(d.unit)}' must be one of ${Object.keys(DURATION_RANGES).join(', ')}`);
  const [lo, hi] = DURATION_RANGES[unit as Duration['unit']];
  if (typeof d.count !== 'number' || !Number.isInteger(d.count) || d.count < lo || d.count > hi) {
    throw caError('CA_INVALID', `duration.count for ${unit} must be a whole number from ${lo} to ${hi}, not ${JSON.stringify(d.count)}`);
  }
  return { count: d.count, unit: unit as Duration['unit'] };
}

/** The current API takes only the aggregate forms: the message says which. */
export function requireFunction(fn: CaFunction | null): CaFunction {
  if (fn) return fn;
  throw caError('CA_EXPRESSION_INVALID', `expression.value must aggregate events: xEvent[<filter>] with .sum(field), .count(), .min(field), .max(field), .average(field), .topN(timestamp, 1).head().field (most recent), .bottomN(timestamp, 1).head().field (first), .topN(timestamp, n).field (list) or .field.distinct().count(); the functions are ${CA_FUNCTIONS.join(', ')}`);
}

/** The definitions whose field the expression reads (by the profile paths the checker found). */
export function dependenciesOf(paths: readonly string[], others: readonly ComputedAttribute[], selfId?: string): string[] {
  const found = new Set<string>();
  for (const p of paths) {
    for (const o of others) if (o.id !== selfId && (p === o.fieldPath || p.startsWith(`${o.fieldPath}.`))) found.add(o.id);
  }
  return [...found];
}

/** Adds each computed field (`a.b.c` → its XDM type) to a copy of the profile union, so expressions can read them. */
export function withComputedFields(union: Record<string, unknown> | undefined, fields: ReadonlyArray<{ path: string; xdmType: string; wrapped: boolean }>): Record<string, unknown> | undefined {
  if (!union) return undefined;
  const root = structuredClone(union);
  for (const f of fields) {
    const names = f.path.split('.');
    let node = root;
    for (const name of names.slice(0, -1)) {
      const props = (node.properties ??= {}) as Record<string, Record<string, unknown>>;
      node = props[name] ??= { type: 'object', properties: {} };
    }
    const leaf = typeOfXdm(f.xdmType);
    (node.properties ??= {}) as Record<string, unknown>;
    // Current-API values sit under `.value` (and MOST_RECENT's `.timestamp`).
    (node.properties as Record<string, unknown>)[names[names.length - 1]!] = f.wrapped
      ? { type: 'object', properties: { value: leaf, timestamp: { type: 'string', format: 'date-time' } } }
      : leaf;
  }
  return root;
}

function typeOfXdm(xdmType: string): Record<string, unknown> {
  switch (xdmType) {
    case 'date-time': return { type: 'string', format: 'date-time' };
    case 'map': return { type: 'object', 'meta:xdmType': 'map', additionalProperties: {} };
    case 'array': return { type: 'array', items: {} };
    case 'object': return { type: 'object' };
    default: return { type: xdmType };
  }
}
