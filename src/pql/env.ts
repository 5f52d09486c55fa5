/** The evaluation environment the compiled closures share, and the step meter that bounds their work. */
import { PqlError } from './errors.js';

/** The mutable state of one evaluation; compiled closures read and update it, nothing else does. */
export interface Env {
  readonly profile: unknown;
  readonly events: readonly unknown[];
  readonly nowMs: number;
  readonly inSegment: (id: string) => boolean;
  readonly models: (uri: string) => readonly unknown[];
  readonly params: readonly unknown[];
  readonly emptyArrayIsNull: boolean;
  /** The current element: bare paths resolve against it. */
  cur: unknown;
  /** Enclosing elements, innermost last, for `^`. */
  readonly up: unknown[];
  /** Variables, one slot per binding site. */
  readonly slots: unknown[];
  /** Per-evaluation caches (time windows relative to now), one slot per node that wants one. */
  readonly memo: unknown[];
  steps: number;
  readonly maxSteps: number;
}

export type Fn = (env: Env) => unknown;

/** Charges `n` steps; throws PQL_STEP_LIMIT once the evaluation has used its budget. */
export function tick(env: Env, n = 1): void {
  env.steps += n;
  if (env.steps > env.maxSteps) {
    throw new PqlError('PQL_STEP_LIMIT', `evaluation took more than ${env.maxSteps} steps`);
  }
}

/** A tick function bound to one environment, for engines (regex, like) that meter themselves. */
export function meter(env: Env): (n: number) => void {
  return (n) => tick(env, n);
}
