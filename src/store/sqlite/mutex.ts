/** A FIFO async mutex: SQLite has one writer, so transactions from concurrent requests take turns. */

/** Serialises async critical sections in arrival order. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `fn` after every earlier holder has finished, whether they resolved or threw. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
