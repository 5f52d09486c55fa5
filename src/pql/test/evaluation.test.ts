/** Runs every evaluation case table through parse → compile → evaluate and compares with the expected result. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { run, type EvalCase } from './case.js';
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

for (const [name, cases] of Object.entries(TABLES)) {
  describe(name, () => {
    cases.forEach((k, i) => {
      const label = `${i + 1}. ${k.expr.replace(/\s+/g, ' ').slice(0, 110)}${k.ref ? `  [${k.ref}]` : ''}`;
      test(label, () => {
        assert.deepStrictEqual(run(k), k.expect);
      });
    });
  });
}
