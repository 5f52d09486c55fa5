/**
 * Turns at the SQLite write lock for connections in different threads of one process. SQLite lets one connection
 * write at a time and makes the others sleep-poll in their busy handler, which on the main thread would stall the
 * event loop; here a waiting thread instead awaits its turn (Atomics.waitAsync), first come first served.
 */

/** Bytes of shared memory the turns need: [next ticket, ticket being served, abandoned]. */
export const TURNS_BYTES = 12;

/** A ticket lock over shared memory. */
export class WriterTurns {
  private readonly cells: Int32Array;

  constructor(readonly memory: SharedArrayBuffer = new SharedArrayBuffer(TURNS_BYTES)) {
    this.cells = new Int32Array(memory);
  }

  /** Resolves when this caller holds the turn; every `take` must be followed by exactly one `give`. */
  async take(): Promise<void> {
    const ticket = Atomics.add(this.cells, 0, 1);
    for (;;) {
      if (Atomics.load(this.cells, 2) === 1) return;
      const serving = Atomics.load(this.cells, 1);
      if (serving === ticket) return;
      const wait = Atomics.waitAsync(this.cells, 1, serving);
      if (wait.async) await wait.value;
    }
  }

  /** Passes the turn to the next ticket and wakes its thread. */
  give(): void {
    Atomics.add(this.cells, 1, 1);
    Atomics.notify(this.cells, 1);
  }

  /**
   * Ends turn-taking when the other thread is gone (it died holding or awaiting a ticket that would never be given
   * back): from now on every `take` returns at once, which is sound because one thread is left to write.
   */
  abandon(): void {
    Atomics.store(this.cells, 2, 1);
    Atomics.notify(this.cells, 1);
  }
}
