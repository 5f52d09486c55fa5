/** Runs every evaluation case table through parse → compile → evaluate and compares with the expected result. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { run } from './case.js';
import { TABLES } from './tables.js';

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
