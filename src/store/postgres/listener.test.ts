/** The LISTEN connection comes back after the server drops it, and tells subscribers that notices may have been missed. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestStore, openTestStore } from '../../../test/support/app.js';
import { eventually } from '../../../test/support/wait.js';
import type { Db } from '../db.js';
import { openStore } from '../open.js';
import { PgListener } from './listener.js';

describe('postgres notice listener', () => {
  let store: TestStore;
  let other: Db;
  before(async () => {
    store = await openTestStore('postgres');
    other = await openStore(store.config);
  });
  after(async () => {
    await other.close();
    await store.cleanup();
  });

  it('reconnects after its connection is killed, flushes subscribers, and receives notices again', async () => {
    const got: Array<string | undefined> = [];
    await other.subscribe('listener_test', (p) => got.push(p));
    got.length = 0;
    const killed = await store.db.all<{ ok: boolean }>(
      `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'LISTEN%'`,
    );
    assert.equal(killed.length, 1, 'one LISTEN connection per Db');
    await eventually('the listener reconnects and flushes', () => got.includes(undefined));
    await store.db.notify('listener_test', 'after reconnect');
    await eventually('a notice after the reconnect arrives', () => got.includes('after reconnect'));
  });

  it('notices a connection that died silently (no answer, no end) and reconnects', async (t) => {
    let connects = 0;
    const listener = new PgListener(store.config.databaseUrl!, { notice: () => undefined, connected: () => void connects++ }, { heartbeatMs: 100, heartbeatTimeoutMs: 300 });
    try {
      await listener.listen('heartbeat_test');
      assert.equal(connects, 1);
      const row = await store.db.get<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN heartbeat_test'");
      const pid = Number(row!.pid);
      try {
        // A stopped backend answers nothing and never closes its socket: a silent death, as a dropped network gives.
        process.kill(pid, 'SIGSTOP');
      } catch (err) {
        t.skip(`cannot stop the server's backend process from here (${(err as NodeJS.ErrnoException).code}); CI runs as root`);
        return;
      }
      try {
        await eventually('the heartbeat gives up on the silent connection and reconnects', () => connects >= 2, 10_000);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
    } finally {
      await listener.close();
    }
  });
});
