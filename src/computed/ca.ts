/** A computed attribute definition as both APIs share it: the alpha `/config/computedAttributes` and `/ca/attributes`. */
import type { CaFunction } from './ca-plan.js';
import type { Duration } from './ca-window.js';

/** The current API's statuses (ref §2.2); the alpha API has none, only `active`. */
export const CA_STATUSES = ['DRAFT', 'NEW', 'PROCESSING', 'PROCESSED', 'FAILED', 'DISABLED'] as const;

/** One of CA_STATUSES. */
export type CaStatus = (typeof CA_STATUSES)[number];

/** Which API a definition was created through; each API lists and edits only its own. */
export type CaApi = 'alpha' | 'ca';

/** A PQL expression envelope. */
export interface CaExpression {
  readonly type: 'PQL';
  readonly format: 'pql/text';
  readonly value: string;
}

/** A stored definition. */
export interface ComputedAttribute {
  readonly tenantId: number;
  readonly id: string;
  readonly api: CaApi;
  readonly name: string;
  /** Where the value appears on the profile, dot-separated. */
  readonly fieldPath: string;
  readonly status: CaStatus;
  /** Moves when the value's meaning changes (expression, window); values of an older version are recomputed. */
  readonly version: number;
  readonly displayName: string;
  readonly description: string;
  readonly expression: CaExpression;
  /** Alpha: the parent path the client gave (`_acme.purchaseSummary`). */
  readonly path: string;
  readonly duration: Duration | null;
  readonly keepCurrent: boolean;
  /** The alpha API's only state flag. */
  readonly active: boolean;
  /** The expression's XDM type (`meta:xdmType`). */
  readonly returnType: string;
  /** The aggregate recognised in the expression, or null for any other expression. */
  readonly mergeFunction: CaFunction | null;
  /** Ids of the computed attributes the expression reads. */
  readonly dependencies: readonly string[];
  /**
   * The event fields the expression reads, each a path the store can extract without walking an array (else the
   * top-level field holding it); a whole evaluation reads just these. Null: read whole events.
   */
  readonly eventPaths?: readonly string[] | null;
  readonly createdBy: string;
  /** Epoch ms of the last completed evaluation of every person, if any. */
  readonly lastEvaluation: number | null;
  /** The version everyone was last evaluated at: when it is the current one, a person with no value row holds the empty value. */
  readonly evaluatedVersion?: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** Whether a definition's values are kept and served: an active alpha one, or a current one past DRAFT and not stopped. */
export function isLive(ca: Pick<ComputedAttribute, 'api' | 'active' | 'status'>): boolean {
  return ca.api === 'alpha' ? ca.active : ca.status === 'NEW' || ca.status === 'PROCESSING' || ca.status === 'PROCESSED';
}
