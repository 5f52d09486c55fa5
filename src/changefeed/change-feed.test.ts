/** The change feed on both stores: transactional entries, ordered delivery, offsets that survive a failure, many processes. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { STORE_KINDS, type TestStore, openTestStore } from '../../test/support/app.js';
import { openStore } from '../store/index.js';
import type { Db } from '../store/db.js';
import type { Change } from './change.js';
import { appendChanges } from './change.store.js';
import { ChangeFeed } from './change-feed.js';

const quiet = { error: () => undefined, warn: () => undefined };
const clock = () => Date.now();

/**
 * Drains until `check` holds (at most 2 s): on PostgreSQL a transaction running anywhere in the cluster (other test
 * files share it) holds back the horizon below which entries are read, so one drain may stop short.
 */
async function drainUntil(feed: ChangeFeed, check: () => boolean): Promise<void> {
  assert.ok(await eventually(async () => (await feed.drain(), check())), 'the feed caught up within 2 s');
}

/** Polls `check` until it holds or `ms` pass; returns whether it held. */
async function eventually(check: () => Promise<boolean> | boolean, ms = 2000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

for (const kind of STORE_KINDS) {
  describe(`change feed (${kind})`, () => {
    let store: TestStore;
    let db: Db;
    before(async () => {
      store = await openTestStore(kind);
      db = store.db;
      await db.run('CREATE TABLE feed_applied (consumer TEXT NOT NULL, seq BIGINT NOT NULL, PRIMARY KEY (consumer, seq))');
    });
    after(() => store.cleanup());

    const append = (tenantId: number, clusters: string[]) => db.transaction((tx) => appendChanges(tx, [{ tenantId, kind: 'fragments', clusters }], clock()));
    /** A consumer that records what it applied in the same transaction as its offset. */
    const recorder = (name: string, seen: Change[], failAt?: () => string | undefined) => async (changes: readonly Change[], tx: Parameters<Parameters<ChangeFeed['consume']>[1]>[1]) => {
      for (const c of changes) {
        await tx.run('INSERT INTO feed_applied (consumer, seq) VALUES (?, ?)', [name, c.seq]);
        const failOn = failAt?.();
        if (failOn !== undefined && failOn === c.clusters?.[0]) throw new Error(`fail at ${failOn}`);
      }
      seen.push(...changes);
    };
    const applied = async (name: string) => Number((await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM feed_applied WHERE consumer = ?', [name]))!.n);

    it('keeps nothing once settled when no consumer has ever registered (nothing derives from the feed)', async () => {
      await append(9, ['n1']);
      await append(9, ['n2']);
      const idle = new ChangeFeed(db, clock, quiet, { pruneEveryMs: 0 });
      const count = async () => Number((await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM changes'))!.n);
      assert.ok(await eventually(async () => (await idle.step(true), (await count()) === 0)), 'every settled entry is pruned');
    });

    it('delivers committed entries in order with what they name, and never a rolled-back one', async () => {
      const feed = new ChangeFeed(db, clock, quiet);
      const seen: Change[] = [];
      feed.consume('order', recorder('order', seen));
      await append(1, ['a']);
      await assert.rejects(db.transaction(async (tx) => {
        await appendChanges(tx, [{ tenantId: 1, kind: 'fragments', clusters: ['rolled-back'] }], clock());
        throw new Error('boom');
      }));
      await db.transaction((tx) => appendChanges(tx, [{ tenantId: 2, kind: 'merge', clusters: ['b', 'c'] }, { tenantId: 2, kind: 'dataset-delete', datasetId: 'd1' }], clock()));
      await drainUntil(feed, () => seen.length === 3);
      assert.deepEqual(seen.map((c) => [c.tenantId, c.kind, c.clusters ?? c.datasetId]), [[1, 'fragments', ['a']], [2, 'merge', ['b', 'c']], [2, 'dataset-delete', 'd1']]);
      await feed.drain();
      assert.equal(seen.length, 3, 'nothing is delivered twice');
    });

    it('resumes after a failed page without losing or doubling an entry', async () => {
      let failOn: string | undefined = 'r3';
      const feed = new ChangeFeed(db, clock, quiet, { pageSize: 2 });
      const seen: Change[] = [];
      feed.consume('resume', recorder('resume', seen, () => failOn));
      for (const c of ['r1', 'r2', 'r3', 'r4', 'r5']) await append(3, [c]);
      // A consumer created now starts at the oldest kept entry; earlier tests' entries are in its way, which is fine.
      await assert.rejects(feed.drain(), /fail at r3/);
      const before = await applied('resume');
      failOn = undefined;
      await drainUntil(feed, () => seen.filter((c) => c.tenantId === 3).length === 5);
      const mine = seen.filter((c) => c.tenantId === 3).map((c) => c.clusters![0]);
      assert.deepEqual(mine, ['r1', 'r2', 'r3', 'r4', 'r5']);
      assert.equal(await applied('resume'), seen.length, 'each entry applied exactly once');
      assert.ok(before < seen.length);
    });

    it('wakes at once in the writing process and prunes what every consumer passed', async () => {
      const feed = new ChangeFeed(db, clock, quiet, { pollMs: 60_000, pruneEveryMs: 0 });
      const seen: Change[] = [];
      feed.consume('wake', recorder('wake', seen));
      await feed.start();
      try {
        await feed.drain();
        const before = seen.length;
        await append(4, ['w1']);
        assert.ok(await eventually(() => seen.length === before + 1, 2000), 'the notice of the commit wakes the feed: it applies the entry without waiting for its 60 s poll');
      } finally {
        await feed.stop();
      }
      const other = new ChangeFeed(db, clock, quiet, { pruneEveryMs: 0 });
      for (const name of ['order', 'resume', 'wake']) other.consume(name, async () => undefined);
      const count = async () => Number((await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM changes'))!.n);
      assert.ok(await eventually(async () => (await other.drain(), (await count()) === 0)), 'entries every consumer passed are gone');
    });

    if (kind === 'postgres') {
      it('never skips an entry whose transaction commits after a later-numbered one', async () => {
        const feed = new ChangeFeed(db, clock, quiet);
        const seen: Change[] = [];
        feed.consume('late', recorder('late', seen));
        await feed.drain();
        let release!: () => void;
        const gate = new Promise<void>((r) => (release = r));
        let appended!: () => void;
        const started = new Promise<void>((r) => (appended = r));
        const slow = db.transaction(async (tx) => {
          await appendChanges(tx, [{ tenantId: 5, kind: 'fragments', clusters: ['slow'] }], clock());
          appended();
          await gate;
        });
        await started;
        await append(5, ['fast']);
        await feed.drain();
        assert.deepEqual(seen.filter((c) => c.tenantId === 5), [], 'nothing past a running transaction is read yet');
        release();
        await slow;
        await drainUntil(feed, () => seen.filter((c) => c.tenantId === 5).length === 2);
        assert.deepEqual(seen.filter((c) => c.tenantId === 5).map((c) => c.clusters![0]).sort(), ['fast', 'slow']);
      });

      it('wakes a second process through notices (no polling), and one consumer name runs in one process at a time', async () => {
        const second = await openStore(store.config);
        try {
          const feedA = new ChangeFeed(db, clock, quiet, { pollMs: 60_000 });
          const feedB = new ChangeFeed(second, clock, quiet, { pollMs: 60_000 });
          const seenA: Change[] = [];
          const seenB: Change[] = [];
          feedA.consume('shared', recorder('shared', seenA));
          feedB.consume('shared', recorder('shared', seenB));
          await feedA.drain();
          const start = seenA.length;
          await feedA.start();
          await feedB.start();
          try {
            for (let i = 0; i < 40; i++) await append(6, [`p${i}`]);
            const ok = await eventually(() => seenA.length - start + seenB.length === 40, 2000);
            assert.ok(ok, `both processes together applied ${seenA.length - start + seenB.length} of 40`);
          } finally {
            await feedA.stop();
            await feedB.stop();
          }
          const mine = [...seenA, ...seenB].filter((c) => c.tenantId === 6);
          assert.equal(new Set(mine.map((c) => c.seq)).size, 40, 'no entry applied twice across processes');
        } finally {
          await second.close();
        }
      });
    }
  });
}
