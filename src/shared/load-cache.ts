/** A per-process cache of loads by key, made safe against drops that arrive while a load is still running. */

/**
 * Stores each load's promise the moment it starts, so a drop that arrives mid-load removes it and the next caller
 * loads again (storing the value only when it arrives could keep a stale read forever). A failed load is not kept.
 */
export class LoadCache<K, V> {
  private readonly entries = new Map<K, { promise: Promise<V>; value?: V; settled: boolean }>();

  /** The cached value of `key`, loading it with `load` when absent. */
  get(key: K, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit) return hit.promise;
    const promise = load();
    const entry: { promise: Promise<V>; value?: V; settled: boolean } = { promise, settled: false };
    this.entries.set(key, entry);
    promise.then(
      (value) => {
        entry.value = value;
        entry.settled = true;
      },
      () => {
        // Only this load's own entry: a newer one for the same key may have replaced it meanwhile.
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return promise;
  }

  /** Drops one key. */
  delete(key: K): void {
    this.entries.delete(key);
  }

  /** Drops the entries `drop` picks; a load still running is passed `undefined` as its value. */
  deleteWhere(drop: (key: K, value: V | undefined, settled: boolean) => boolean): void {
    for (const [key, e] of this.entries) if (drop(key, e.value, e.settled)) this.entries.delete(key);
  }

  /** Drops everything. */
  clear(): void {
    this.entries.clear();
  }

  /** How many entries are held. */
  get size(): number {
    return this.entries.size;
  }
}
