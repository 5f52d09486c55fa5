/** All evaluation case tables by name, shared by the evaluation, JSON round-trip and fuzz tests. */
import type { EvalCase } from './case.js';
import { EXAMPLE_CASES } from './cases-examples.js';
import { LIST_CASES, STRING_CASES } from './cases-functions.js';
import { ARRAY_CASES, COERCION_CASES, NULL_CASES } from './cases-semantics.js';
import { TIME_CASES } from './cases-time.js';

export const TABLES: Readonly<Record<string, readonly EvalCase[]>> = {
  'ref/pql.md examples': EXAMPLE_CASES,
  'null rules': NULL_CASES,
  'coercion rules': COERCION_CASES,
  'array navigation and truthiness': ARRAY_CASES,
  'string functions': STRING_CASES,
  'list, set, aggregate and map functions': LIST_CASES,
  'dates and occurs': TIME_CASES,
};

/** Every case of every table. */
export const ALL_CASES: readonly EvalCase[] = Object.values(TABLES).flat();
