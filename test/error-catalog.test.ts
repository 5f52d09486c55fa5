/** Every error code the code throws is in the HTTP catalogue and in docs/errors.md, and nothing stale is listed. */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ERROR_CATALOG } from '../src/http/error-catalog.js';
import { CA_ERROR_CODES } from '../src/computed/ca-check.js';
import { SEGMENT_ERROR_CODES } from '../src/segments/segment.js';
import { EDGE_ERROR_CODES } from '../src/edge/edge.js';

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

describe('error catalogue', () => {
  const thrown = new Set<string>();
  for (const file of sources('src')) {
    for (const m of readFileSync(file, 'utf8').matchAll(/new DomainError\(\s*'([A-Z0-9_]+)'/g)) thrown.add(m[1]!);
  }
  // Domains with a typed code list throw through a helper: the list is what the mapper must cover.
  for (const code of CA_ERROR_CODES) thrown.add(code);
  for (const code of SEGMENT_ERROR_CODES) thrown.add(code);
  for (const code of EDGE_ERROR_CODES) thrown.add(code);
  // Each route family may document its codes in its own page; together they must cover the catalogue exactly.
  const pages = readdirSync('docs').filter((f) => f.endsWith('.md')).map((f) => readFileSync(join('docs', f), 'utf8'));
  const documented = new Set(pages.flatMap((page) => [...page.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \| \d{3} \|/gm)].map((m) => m[1]!)));

  it('maps every thrown code to an HTTP status', () => {
    const missing = [...thrown].filter((c) => !ERROR_CATALOG[c]);
    assert.deepEqual(missing, []);
  });

  it('documents exactly the catalogued codes in docs/*.md', () => {
    assert.deepEqual([...documented].sort(), Object.keys(ERROR_CATALOG).sort());
  });
});
