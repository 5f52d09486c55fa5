/** Checks a definition before it is stored: its expression (either format) against the sandbox's unions, and its mode. */
import { type PqlClassification, type PqlQuery, PqlError, checkPql, classifyPql, formatPql, fromPqlJson, parsePql } from '../pql/index.js';
import type { CheckSchemas } from '../computed/ca-check.js';
import { type EvaluationInfo, type SegmentDefinition, type SegmentExpression, segmentError } from './segment.js';

/** What a checked expression is: its pql/text, what it reads, and how it can be evaluated. */
export interface CheckedSegment {
  readonly expression: SegmentExpression;
  readonly pql: string;
  readonly readsEvents: boolean;
  /** The profile fields it reads (computed attributes' among them). */
  readonly profilePaths: readonly string[];
  readonly classification: PqlClassification;
}

/** The expression as a client sent it, before the check. */
export interface ExpressionInput {
  readonly type?: string;
  readonly format?: string;
  readonly value: string;
}

function invalid(err: PqlError, field: string): never {
  const at = err.line === undefined ? '' : ` at line ${err.line}, column ${err.column}`;
  throw segmentError('SEGMENT_EXPRESSION_INVALID', `${field} is not a valid PQL expression${at}: ${err.detail}`, {
    errors: [{ code: err.code, message: err.detail, ...(err.line === undefined ? {} : { line: err.line, column: err.column }), ...(err.excerpt ? { excerpt: err.excerpt } : {}) }],
  });
}

/** Parses either format into a query; a PQL error becomes a 400 naming its place and reason. */
export function parseExpression(input: ExpressionInput, field = 'expression.value'): { query: PqlQuery; expression: SegmentExpression } {
  const type = input.type ?? 'PQL';
  if (type !== 'PQL') throw segmentError('SEGMENT_INVALID', `expression.type '${type.slice(0, 40)}' is not supported: only PQL`);
  const format = input.format ?? 'pql/text';
  if (format !== 'pql/text' && format !== 'pql/json') throw segmentError('SEGMENT_INVALID', `expression.format '${format.slice(0, 40)}' must be pql/text or pql/json`);
  try {
    const query = format === 'pql/text' ? parsePql(input.value) : fromPqlJson(input.value);
    return { query, expression: { type: 'PQL', format, value: input.value } };
  } catch (err) {
    if (err instanceof PqlError) invalid(err, field);
    throw err;
  }
}

/**
 * Type-checks the expression against the unions and classifies it; `others` are the sandbox's other definitions
 * (inSegment must name one of them, and never come back to `selfId`).
 */
export function checkSegment(input: ExpressionInput, schemas: CheckSchemas, others: readonly SegmentDefinition[], selfId?: string): CheckedSegment {
  const { query, expression } = parseExpression(input);
  let paths;
  try {
    paths = checkPql(query, { ...(schemas.profile ? { profile: schemas.profile } : {}), ...(schemas.event ? { event: schemas.event } : {}) }).paths;
  } catch (err) {
    if (err instanceof PqlError) invalid(err, 'expression.value');
    throw err;
  }
  const byId = new Map(others.filter((o) => o.id !== selfId).map((o) => [o.id, o]));
  const classification = classifyPql(query, { segmentKind: (id) => { const o = byId.get(id); return o === undefined ? undefined : o.readsEvents ? 'events' : 'profile'; } });
  for (const id of classification.segments) {
    if (!byId.has(id)) throw segmentError('SEGMENT_EXPRESSION_INVALID', id === selfId ? `inSegment("${id}") names this segment itself` : `inSegment("${id.slice(0, 80)}"): no segment definition '${id.slice(0, 80)}' in this sandbox`);
  }
  // Through any number of others: a cycle could never be evaluated.
  if (selfId !== undefined) {
    const seen = new Set<string>();
    const walk = (ids: readonly string[]): void => {
      for (const id of ids) if (!seen.has(id)) seen.add(id), walk(byId.get(id)?.segments ?? []);
    };
    walk(classification.segments);
    if (seen.has(selfId)) throw segmentError('SEGMENT_EXPRESSION_INVALID', `expression.value would make segment '${selfId}' depend on itself through inSegment(...)`);
  }
  const readsEvents = paths.event.length > 0 || classification.events.length > 0 || classification.segments.some((id) => byId.get(id)?.readsEvents === true);
  return { expression, pql: expression.format === 'pql/text' ? expression.value : formatPql(query), readsEvents, profilePaths: paths.profile, classification };
}

/** A requested `evaluationInfo`, as far as the client gave it. */
export interface EvaluationRequest {
  readonly batch?: { readonly enabled?: boolean };
  readonly continuous?: { readonly enabled?: boolean };
  readonly synchronous?: { readonly enabled?: boolean };
}

/**
 * How the definition is evaluated: what the client asked for where the classifier allows it; what the classifier says
 * where the client did not say (streaming when eligible, else batch). Streaming or edge asked of a batch-only
 * expression is refused with the classifier's reasons.
 */
export function evaluationInfoOf(requested: EvaluationRequest | undefined, c: PqlClassification): EvaluationInfo {
  const wantsContinuous = requested?.continuous?.enabled;
  const wantsSynchronous = requested?.synchronous?.enabled;
  if ((wantsContinuous === true || wantsSynchronous === true) && !c.streaming && !c.edge) {
    throw segmentError('SEGMENT_NOT_STREAMABLE', `evaluationInfo asks for ${wantsSynchronous === true ? 'edge' : 'streaming'} evaluation, but the expression can only be evaluated in batch: ${c.reasons.join('; ')}`, { reasons: c.reasons });
  }
  if (wantsSynchronous === true && !c.edge) throw segmentError('SEGMENT_NOT_STREAMABLE', `evaluationInfo asks for edge evaluation, which this expression is not eligible for: ${c.reasons.join('; ')}`, { reasons: c.reasons });
  const said = wantsContinuous !== undefined || wantsSynchronous !== undefined || requested?.batch?.enabled !== undefined;
  const continuous = said ? wantsContinuous === true || wantsSynchronous === true : c.streaming || c.edge;
  const synchronous = wantsSynchronous === true;
  return { batch: { enabled: !continuous }, continuous: { enabled: continuous }, synchronous: { enabled: synchronous } };
}
