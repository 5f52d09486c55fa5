/** Arrival numbers and cluster ids: taken without a round trip, so their order and uniqueness are the code's own. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { arrivalSeq, newClusterId } from './graph.store.js';

describe('arrival numbers and cluster ids', () => {
  it('keeps arrival numbers strictly increasing past 1,000 identities in one millisecond, and never behind the clock', () => {
    const now = Date.now() + 60_000;
    const seqs = Array.from({ length: 5_000 }, () => arrivalSeq(now));
    assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!), 'FIFO order must follow call order');
    assert.ok(seqs[0]! >= now * 1000);
    assert.ok(arrivalSeq(now + 1) >= (now + 1) * 1000);
  });

  it('gives distinct cluster ids across many calls in the same millisecond', () => {
    const now = Date.now();
    const ids = Array.from({ length: 20_000 }, () => newClusterId(now));
    assert.equal(new Set(ids).size, ids.length);
  });
});
