/**
 * Group commit for SQLite's single writer: the transactions that are waiting when the writer comes free run in one
 * BEGIN … COMMIT, each inside its own savepoint, so a burst of requests pays for one commit (and one fsync under
 * `synchronous=FULL`) instead of one each. A transaction that throws rolls back to its savepoint and fails alone;
 * the others still commit. Nobody's promise settles before the commit that holds their writes.
 */

/** What the group runner needs of the writer connection. */
export interface WriterConnection {
  exec(sql: string): void;
  readonly inTransaction: boolean;
}

/** Turns at the write lock shared with writers in other threads (see writer-turns.ts); none when writing alone. */
export interface Turns {
  take(): Promise<void>;
  give(): void;
}

interface Job {
  /** Runs ahead of the queue, in a transaction of its own, so it commits as soon as it is done. */
  first: boolean;
  fn: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** Runs queued write transactions in groups; `run` settles after the commit of its group. */
export class GroupCommit {
  private queue: Job[] = [];
  private draining = false;

  constructor(
    private readonly conn: WriterConnection,
    private readonly maxGroup = 256,
    private readonly turns?: Turns,
  ) {}

  /**
   * Queues `fn` to run inside the next group's transaction; `first` puts it ahead of what is already waiting, alone,
   * so it commits without waiting for a group.
   */
  run<T>(fn: () => Promise<T>, first = false): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const job = { first, fn, resolve: resolve as (v: unknown) => void, reject };
      if (first) this.queue.unshift(job);
      else this.queue.push(job);
      if (!this.draining) {
        this.draining = true;
        // Wait one turn of the event loop, so requests whose data has already arrived queue up and share the commit.
        setImmediate(() => void this.drain());
      }
    });
  }

  /** Resolves once nothing is queued or running. */
  async idle(): Promise<void> {
    while (this.draining) await new Promise((r) => setImmediate(r));
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        // Transactions that queue while another thread writes join the group that runs when this one's turn comes.
        if (this.turns) await this.turns.take();
        try {
          if (this.queue[0]!.first) await this.runAlone(this.queue.shift()!);
          else await this.runGroup(this.queue.splice(0, this.maxGroup));
        } finally {
          this.turns?.give();
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private async runGroup(group: Job[]): Promise<void> {
    if (group.length === 1) return this.runAlone(group[0]!);
    const done: Array<{ job: Job; value: unknown }> = [];
    const settled = new Set<Job>();
    const reject = (job: Job, err: unknown) => {
      settled.add(job);
      job.reject(err);
    };
    try {
      this.conn.exec('BEGIN IMMEDIATE');
    } catch (err) {
      for (const job of group) job.reject(err);
      return;
    }
    try {
      for (let i = 0; i < group.length; i++) {
        const job = group[i]!;
        this.conn.exec('SAVEPOINT job');
        try {
          const value = await job.fn();
          this.conn.exec('RELEASE job');
          done.push({ job, value });
        } catch (err) {
          if (!this.conn.inTransaction) {
            // The error ended the whole transaction: what ran before it was rolled back too, so run each again alone.
            reject(job, err);
            for (const d of done) await this.runAlone(d.job);
            for (const rest of group.slice(i + 1)) await this.runAlone(rest);
            return;
          }
          this.conn.exec('ROLLBACK TO job');
          this.conn.exec('RELEASE job');
          reject(job, err);
        }
      }
      this.conn.exec('COMMIT');
    } catch (err) {
      // A statement of the group's own (SAVEPOINT, RELEASE, COMMIT) failed: nothing of the group stays, and nobody
      // is left waiting for an answer.
      if (this.conn.inTransaction) this.conn.exec('ROLLBACK');
      for (const job of group) if (!settled.has(job)) job.reject(err);
      return;
    }
    for (const d of done) d.job.resolve(d.value);
  }

  private async runAlone(job: Job): Promise<void> {
    try {
      this.conn.exec('BEGIN IMMEDIATE');
      const value = await job.fn();
      this.conn.exec('COMMIT');
      job.resolve(value);
    } catch (err) {
      if (this.conn.inTransaction) this.conn.exec('ROLLBACK');
      job.reject(err);
    }
  }
}
