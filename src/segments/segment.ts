/** A segment definition (an audience built from Profile data) and the error codes of segment requests. */
import { DomainError } from '../shared/errors.js';
import type { PqlMode } from '../pql/index.js';

/** Error codes of segment and audience requests (docs/segments.md; the HTTP catalogue maps every one). */
export const SEGMENT_ERROR_CODES = [
  'SEGMENT_NOT_FOUND',
  'SEGMENT_INVALID',
  'SEGMENT_EXPRESSION_INVALID',
  'SEGMENT_EXISTS',
  'SEGMENT_NOT_STREAMABLE',
  'SEGMENT_IN_USE',
  'SEGMENT_JOB_NOT_FOUND',
  'SEGMENT_JOB_INVALID',
  'SEGMENT_PREVIEW_NOT_FOUND',
  'AUDIENCE_NOT_FOUND',
  'AUDIENCE_INVALID',
] as const;

/** One of SEGMENT_ERROR_CODES. */
export type SegmentErrorCode = (typeof SEGMENT_ERROR_CODES)[number];

/** A DomainError with one of this module's codes. */
export function segmentError(code: SegmentErrorCode, message: string, details: Record<string, unknown> = {}): DomainError {
  return new DomainError(code, message, details);
}

/** How a definition is evaluated, as AEP's `evaluationInfo` says it. */
export interface EvaluationInfo {
  readonly batch: { readonly enabled: boolean };
  readonly continuous: { readonly enabled: boolean };
  readonly synchronous: { readonly enabled: boolean };
}

/** The expression as the client sent it (either format); `pql` is its pql/text, what is evaluated. */
export interface SegmentExpression {
  readonly type: 'PQL';
  readonly format: 'pql/text' | 'pql/json';
  readonly value: string;
}

/** Audience metadata kept with a definition made or changed through the audiences API. */
export interface AudienceInfo {
  /** The client's id of an external audience (a platform audience's is its definition id). */
  readonly audienceId?: string;
  readonly namespace: string;
  readonly originName: string;
  readonly lifecycleState: string;
  readonly labels: readonly string[];
  readonly ttlInDays?: number;
  readonly createdBy?: string;
  /** External audiences: the dataset their members were uploaded to, and where they came from. */
  readonly datasetId?: string;
  readonly linkedAudienceRef?: Record<string, unknown>;
  readonly audienceMeta?: Record<string, unknown>;
}

/** One segment definition of a sandbox. */
export interface SegmentDefinition {
  readonly tenantId: number;
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly expression: SegmentExpression;
  /** The pql/text evaluated; for a pql/json expression, its conversion. Empty for an external audience. */
  readonly pql: string;
  readonly schemaName: string;
  readonly mergePolicyId: string;
  readonly evaluationInfo: EvaluationInfo;
  /** The classifier's verdict and its reasons. */
  readonly mode: PqlMode;
  readonly reasons: readonly string[];
  /** The segments this one reads through inSegment(...). */
  readonly segments: readonly string[];
  /** Whether the expression reads events (then evaluation reads the person's events too). */
  readonly readsEvents: boolean;
  /** Whether it reads a computed attribute's value, which new events change (absent on older rows: false). */
  readonly readsComputed?: boolean;
  readonly payloadSchema?: string;
  readonly audience?: AudienceInfo;
  /** Moves whenever what membership means changes (expression, merge policy). */
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** Whether a definition is kept current from the change feed (streaming, and edge which implies it). */
export function isStreaming(d: Pick<SegmentDefinition, 'evaluationInfo' | 'pql'>): boolean {
  return d.pql !== '' && (d.evaluationInfo.continuous.enabled || d.evaluationInfo.synchronous.enabled);
}

/** A membership status as `segmentMembership` shows it; `none` (never shown) holds a non-member's expiry. */
export type MembershipStatus = 'realized' | 'exited' | 'none';
