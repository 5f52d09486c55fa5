/**
 * Turns at the SQLite write lock for connections in different threads of one process. SQLite lets one connection
 * write at a time and makes the others sleep-poll in their busy handler, which on the main thread would stall the
 * event loop; here a waiting thread instead awaits its turn (Atomics.waitAsync), first come first served.
 */

/** A ticket lock over shared memory: [next ticket, ticket being served]. */
export class WriterTurns {
  private readonly cells: Int32Array;

  constructor(readonly memory: SharedArrayBuffer = new SharedArrayBuffer(8)) {
    this.cells = new Int32Array(memory);
  }

  /** Resolves when this caller holds the turn; every `take` must be followed by exactly one `give`. */
  async take(): Promise<void> {
    const ticket = Atomics.add(this.cells, 0, 1);
    for (;;) {
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
}
