/** Bounded polling for effects that cross processes: no fixed sleeps, and a clear failure when the time runs out. */
import type { TestApp } from './app.js';

/** Resolves with the first truthy value `probe` gives, trying every 20 ms; throws after `withinMs` naming `what`. */
export async function eventually<T>(what: string, probe: () => Promise<T> | T, withinMs = 2_000): Promise<Exclude<T, false | 0 | '' | null | undefined>> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await probe();
    if (value) return value as Exclude<T, false | 0 | '' | null | undefined>;
    if (Date.now() > deadline) throw new Error(`not within ${withinMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Runs due jobs (due by `now`) and the change feed until each of `consumers` has read every entry and no job is due.
 * On PostgreSQL an entry is readable only once every older transaction has ended (other tests' too), so one drain may
 * come back early: it tries again for up to 4 s.
 */
export async function settle(t: TestApp, consumers: readonly string[], now: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    await t.app.services.jobs.drain();
    await t.app.services.feed.drain();
    const offsets = await t.store.db.all<{ xid: number; seq: number }>(`SELECT xid, seq FROM change_offsets WHERE consumer IN (${consumers.map(() => '?').join(', ')})`, [...consumers]);
    let behind = offsets.length < consumers.length ? 1 : 0;
    for (const at of offsets) {
      const unread = await t.store.db.get<{ n: number }>('SELECT count(*) AS n FROM changes WHERE xid > ? OR (xid = ? AND seq > ?)', [at.xid, at.xid, at.seq]);
      behind += Number(unread?.n);
    }
    const due = await t.store.db.get<{ n: number }>("SELECT count(*) AS n FROM jobs WHERE status IN ('queued', 'running') AND run_after <= ?", [now]);
    if (behind === 0 && Number(due?.n) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`the change feed (${consumers.join(', ')}) and the jobs did not settle`);
}
