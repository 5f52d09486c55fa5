/** The load cache keeps what was loaded, and never lets a drop that arrives mid-load be undone by the stale result. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LoadCache } from './load-cache.js';

/** A load the test finishes by hand. */
function pending<T>(): { promise: Promise<T>; resolve(v: T): void; reject(e: Error): void } {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('LoadCache', () => {
  it('loads a key once and serves it until dropped', async () => {
    const cache = new LoadCache<string, number>();
    let loads = 0;
    const load = async () => ++loads;
    assert.equal(await cache.get('k', load), 1);
    assert.equal(await cache.get('k', load), 1);
    cache.delete('k');
    assert.equal(await cache.get('k', load), 2);
  });

  it('loads again after a drop that arrived while the first load ran', async () => {
    const cache = new LoadCache<string, string>();
    const first = pending<string>();
    const stale = cache.get('k', () => first.promise);
    cache.deleteWhere((_key, _value, settled) => !settled);
    first.resolve('stale');
    assert.equal(await stale, 'stale', 'the caller already waiting gets what it asked for');
    assert.equal(await cache.get('k', async () => 'fresh'), 'fresh');
  });

  it('forgets a failed load, but not a newer load of the same key', async () => {
    const cache = new LoadCache<string, string>();
    const failing = pending<string>();
    const old = cache.get('k', () => failing.promise);
    cache.delete('k');
    const newer = cache.get('k', async () => 'newer');
    failing.reject(new Error('lost connection'));
    await assert.rejects(old, /lost connection/);
    assert.equal(await newer, 'newer');
    assert.equal(await cache.get('k', async () => 'unused'), 'newer');
    assert.equal(cache.size, 1);
    await assert.rejects(cache.get('bad', async () => Promise.reject(new Error('no'))), /no/);
    assert.equal(cache.size, 1);
  });

  it('drops entries by key and by loaded value', async () => {
    const cache = new LoadCache<string, { tenant: number }>();
    await cache.get('a', async () => ({ tenant: 1 }));
    await cache.get('b', async () => ({ tenant: 2 }));
    cache.deleteWhere((_key, value) => value?.tenant === 1);
    assert.equal(cache.size, 1);
    cache.clear();
    assert.equal(cache.size, 0);
  });
});
