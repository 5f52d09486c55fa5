/** The benchmark command line: every scenario named is run, and bad arguments are refused with a message. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBenchArgs } from '../bench/lib/args.js';

const KNOWN = ['ingest', 'lookup', 'events', 'merge', 'pql'];

describe('bench arguments', () => {
  it('keeps every scenario named, with or without --quick and --store', () => {
    assert.deepEqual(parseBenchArgs(['lookup', 'events'], KNOWN), { quick: false, store: 'sqlite', wanted: ['lookup', 'events'] });
    assert.deepEqual(parseBenchArgs(['--quick', 'merge'], KNOWN), { quick: true, store: 'sqlite', wanted: ['merge'] });
    assert.deepEqual(parseBenchArgs(['--store', 'postgres', 'ingest', 'lookup'], KNOWN), { quick: false, store: 'postgres', wanted: ['ingest', 'lookup'] });
    assert.deepEqual(parseBenchArgs([], KNOWN), { quick: false, store: 'sqlite', wanted: [] });
  });

  it('refuses an unknown store or scenario by name', () => {
    assert.match((parseBenchArgs(['--store', 'mysql'], KNOWN) as { error: string }).error, /--store mysql/);
    assert.match((parseBenchArgs(['lookups'], KNOWN) as { error: string }).error, /unknown scenario lookups: choose from ingest/);
  });
});
