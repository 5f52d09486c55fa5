/** The per-process side of notify/subscribe: handlers by channel, and delivery that one failing handler cannot stop. */
import type { NoticeHandler } from './db.js';

/** One published notice. */
export interface Notice {
  readonly channel: string;
  readonly payload: string;
}

/** PostgreSQL's limit on a NOTIFY payload, kept on both stores so code that works on one works on the other. */
const MAX_PAYLOAD = 7_900;

/** Refuses channel names that are not plain identifiers (PostgreSQL's LISTEN takes the name unparameterised). */
export function assertNotice(channel: string, payload: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`invalid notice channel '${channel}'`);
  if (Buffer.byteLength(payload) > MAX_PAYLOAD) throw new Error(`notice payload on '${channel}' is over ${MAX_PAYLOAD} bytes`);
}

/** Subscribers of one Db, by channel. */
export class NoticeHub {
  private readonly handlers = new Map<string, Set<NoticeHandler>>();

  /** Adds a handler; returns the way to remove it. */
  add(channel: string, handler: NoticeHandler): () => void {
    assertNotice(channel, '');
    let set = this.handlers.get(channel);
    if (!set) this.handlers.set(channel, (set = new Set()));
    // A handler added twice must be removable twice, so each registration gets its own wrapper.
    const entry: NoticeHandler = (payload) => handler(payload);
    set.add(entry);
    return () => void set.delete(entry);
  }

  /** Channels that have had a subscriber. */
  channels(): string[] {
    return [...this.handlers.keys()];
  }

  /** Delivers notices in publication order. */
  deliver(notices: readonly Notice[]): void {
    for (const n of notices) for (const handler of this.handlers.get(n.channel) ?? []) call(handler, n.payload);
  }

  /** Tells every handler that notices may have been missed. */
  flush(): void {
    for (const set of this.handlers.values()) for (const handler of set) call(handler, undefined);
  }
}

function call(handler: NoticeHandler, payload: string | undefined): void {
  try {
    handler(payload);
  } catch (err) {
    // The change is committed whatever a handler does; a throwing handler must not fail the write that notified it.
    process.emitWarning(`notice handler failed: ${(err as Error).message}`);
  }
}
