/** Runs change-feed consumers: each applies entries and moves its offset in one transaction, so nothing is lost or doubled. */
import type { Logger } from 'pino';
import type { Db, SqlExecutor } from '../store/db.js';
import type { Clock } from '../shared/clock.js';
import type { Change } from './change.js';
import { CHANGES_CHANNEL, lockOffset, pruneChanges, readChanges, saveOffset } from './change.store.js';

/**
 * Applies a page of entries inside the transaction that will also move the consumer's offset: derived state written
 * through `tx` is exactly-once; effects outside the database are at-least-once and must be idempotent. Returns the
 * entries that changed derived state (the rest were already reflected), whose lag is the consumer's freshness.
 */
export type ChangeHandler = (changes: readonly Change[], tx: SqlExecutor) => Promise<readonly Change[] | void>;

/**
 * After a wake-up that found nothing readable yet (PostgreSQL: an older transaction elsewhere still runs), look again
 * this often, for this long, rather than waiting for the next poll.
 */
const RETRY_MS = 20;
const RETRY_FOR_MS = 2_000;

/** Tuning: how often to look without a wake-up, how many entries a step applies, how often to prune. */
export interface ChangeFeedOptions {
  readonly pollMs?: number;
  readonly pageSize?: number;
  readonly pruneEveryMs?: number;
}

/**
 * Hears, after each committed step, how long each applied entry waited between being recorded and being applied:
 * `effective` for entries that changed derived state, `none` for entries it already reflected.
 */
export type LagObserver = (consumer: string, effect: 'effective' | 'none', lagsMs: readonly number[]) => void;

/** One per process: consumers registered by name, woken by writes in this process and polled for the others'. */
export class ChangeFeed {
  private readonly consumers = new Map<string, ChangeHandler>();
  private readonly observers: LagObserver[] = [];
  private readonly pollMs: number;
  private readonly pageSize: number;
  private readonly pruneEveryMs: number;
  private running: Promise<void> | undefined;
  private stopped = true;
  private pending = false;
  private wakeUp: (() => void) | undefined;
  private lastPrune = 0;
  private wokeAt = 0;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly logger: Pick<Logger, 'error' | 'warn'>,
    options: ChangeFeedOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 250;
    this.pageSize = options.pageSize ?? 500;
    this.pruneEveryMs = options.pruneEveryMs ?? 10_000;
  }

  /** Registers a consumer; its name keys its offset, so renaming it starts it again from the oldest entry kept. */
  consume(name: string, handler: ChangeHandler): void {
    if (this.consumers.has(name)) throw new Error(`change-feed consumer '${name}' is registered twice`);
    this.consumers.set(name, handler);
  }

  /** Adds a listener for the lag of applied entries (the metrics turn it into freshness). */
  addLagObserver(observer: LagObserver): void {
    this.observers.push(observer);
  }

  /** Passes lags measured by this feed's consumers running elsewhere (the writer thread) to this feed's observers. */
  reportLag(consumer: string, effect: 'effective' | 'none', lagsMs: readonly number[]): void {
    for (const observe of this.observers) observe(consumer, effect, lagsMs);
  }

  /** Starts the loop that feeds every consumer; any process's committed entries wake it (the store's notices). */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    this.unsubscribe = await this.db.subscribe(CHANGES_CHANNEL, () => this.wake());
    this.running = this.loop();
  }

  /** Stops after the current step; offsets already saved stay, so the next start resumes there. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.wake();
    await this.running;
  }

  /** Asks the loop to look now: a transaction committed entries. */
  wake(): void {
    this.pending = true;
    this.wokeAt = this.clock();
    this.wakeUp?.();
  }

  /** Feeds every consumer until none has anything left (tests and the CLI call this instead of starting the loop). */
  async drain(): Promise<void> {
    while ((await this.step(true)) > 0) {
      /* keep going */
    }
  }

  /**
   * One page for each consumer; returns how many entries were applied in all. A consumer that throws keeps its
   * offset (its page is rolled back) and does not hold up the others; `rethrow` surfaces the error instead.
   */
  async step(rethrow = false): Promise<number> {
    let applied = 0;
    for (const [name, handler] of this.consumers) {
      try {
        applied += await this.feed(name, handler);
      } catch (err) {
        if (rethrow) throw err;
        this.logger.error({ err, consumer: name }, 'change-feed consumer failed; it retries from its offset');
      }
    }
    if (this.clock() - this.lastPrune >= this.pruneEveryMs) {
      this.lastPrune = this.clock();
      await this.db.transaction((tx) => pruneChanges(tx, this.db.capabilities.concurrentWriters));
    }
    return applied;
  }

  private async feed(name: string, handler: ChangeHandler): Promise<number> {
    const applied = await this.db.transaction(async (tx) => {
      const at = await lockOffset(tx, name, this.clock(), this.db.capabilities.skipLocked);
      if (!at) return []; // another process is feeding this consumer right now
      const changes = await readChanges(tx, at, this.pageSize, this.db.capabilities.concurrentWriters);
      if (changes.length === 0) return [];
      const effective = new Set((await handler(changes, tx)) ?? []);
      const last = changes[changes.length - 1]!;
      await saveOffset(tx, name, { xid: last.xid, seq: last.seq }, this.clock());
      return changes.map((c) => ({ c, effective: effective.has(c) }));
    }, { first: true });
    if (applied.length > 0 && this.observers.length > 0) {
      const now = this.clock();
      const lag = (effective: boolean) => applied.filter((a) => a.effective === effective).map((a) => Math.max(0, now - a.c.at));
      const [effective, none] = [lag(true), lag(false)];
      for (const observe of this.observers) {
        if (effective.length > 0) observe(name, 'effective', effective);
        if (none.length > 0) observe(name, 'none', none);
      }
    }
    return applied.length;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      this.pending = false;
      let applied = 0;
      try {
        applied = await this.step();
      } catch (err) {
        this.logger.error({ err }, 'change-feed pruning failed');
      }
      if (applied === 0 && !this.pending && !this.stopped) {
        const retrying = this.db.capabilities.concurrentWriters && this.clock() - this.wokeAt < RETRY_FOR_MS;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, retrying ? RETRY_MS : this.pollMs);
          this.wakeUp = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wakeUp = undefined;
      }
    }
  }
}
