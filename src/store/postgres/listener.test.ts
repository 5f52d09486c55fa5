/** The LISTEN connection comes back after the server drops it, and tells subscribers that notices may have been missed. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestStore, openTestStore } from '../../../test/support/app.js';
import { eventually } from '../../../test/support/wait.js';
import type { Db } from '../db.js';
import { openStore } from '../open.js';

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
});
