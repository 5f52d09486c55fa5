/** The shape of one evaluation case and the helper that runs it through parse → compile → evaluate. */
import { compilePql, type PqlCompileOptions, type PqlContext } from '../index.js';
import { EVENTS, NOW, PROFILE } from './fixtures.js';

export interface EvalCase {
  readonly expr: string;
  readonly expect: unknown;
  readonly profile?: unknown;
  readonly events?: readonly unknown[];
  readonly now?: string;
  readonly segments?: readonly string[];
  readonly models?: PqlContext['models'];
  readonly options?: PqlCompileOptions;
  /** Where in ref/pql.md the expression comes from, or which rule it pins down. */
  readonly ref?: string;
}

/** A case: `expr` evaluates to `expect` on the default profile and events unless `extra` overrides them. */
export function c(expr: string, expect: unknown, extra: Omit<EvalCase, 'expr' | 'expect'> = {}): EvalCase {
  return { expr, expect, ...extra };
}

/** The evaluation context of a case: the fixtures unless the case says otherwise. */
export function contextOf(k: EvalCase): PqlContext {
  return {
    profile: k.profile ?? PROFILE,
    events: k.events ?? EVENTS,
    now: k.now ?? NOW,
    ...(k.segments ? { segments: k.segments } : {}),
    ...(k.models ? { models: k.models } : {}),
  };
}

/** Runs a case and returns the evaluator's result. */
export function run(k: EvalCase): unknown {
  return compilePql(k.expr, k.options).evaluate(contextOf(k));
}
