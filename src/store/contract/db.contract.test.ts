/** The storage contract: the same suite runs against SQLite and PostgreSQL and must pass on both. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { STORE_KINDS, type TestStore, openTestStore } from '../../../test/support/app.js';
import { eventually } from '../../../test/support/wait.js';
import { MIGRATIONS, SANDBOX_SCOPED_TABLES } from '../migrations/index.js';
import { openStore } from '../open.js';
import { rowsStatement } from '../db.js';

for (const kind of STORE_KINDS) {
  describe(`store contract: ${kind}`, () => {
    let store: TestStore;
    before(async () => {
      store = await openTestStore(kind);
      await store.db.run('CREATE TABLE contract_kv (k TEXT PRIMARY KEY, v INTEGER NOT NULL, flag INTEGER, at BIGINT)');
    });
    after(() => store.cleanup());

    it('applies every migration once and reports none pending', async () => {
      assert.deepEqual(await store.db.pendingMigrations(), []);
      assert.deepEqual(await store.db.migrate(), []);
      const rows = await store.db.all<{ id: string }>('SELECT id FROM schema_migrations ORDER BY id');
      assert.deepEqual(rows.map((r) => r.id), MIGRATIONS.map((m) => m.id));
    });

    it('round-trips text, integers, booleans as 0/1, nulls and epoch-ms bigints', async () => {
      const at = 1_796_000_000_123;
      await store.db.run('INSERT INTO contract_kv (k, v, flag, at) VALUES (?, ?, ?, ?)', ['a', 1, true, at]);
      await store.db.run('INSERT INTO contract_kv (k, v, flag, at) VALUES (?, ?, ?, ?)', ['b', 2, undefined, null]);
      const rows = await store.db.all<{ k: string; v: number; flag: number | null; at: number | null }>('SELECT k, v, flag, at FROM contract_kv ORDER BY k');
      assert.deepEqual(rows.map((r) => ({ ...r, v: Number(r.v), flag: r.flag === null ? null : Number(r.flag) })), [
        { k: 'a', v: 1, flag: 1, at },
        { k: 'b', v: 2, flag: null, at: null },
      ]);
      assert.equal(typeof rows[0]!.at, 'number');
    });

    it('upserts with ON CONFLICT and returns rows with RETURNING', async () => {
      const sql = 'INSERT INTO contract_kv (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = contract_kv.v + excluded.v RETURNING v';
      assert.equal(Number((await store.db.get<{ v: number }>(sql, ['u', 5]))!.v), 5);
      assert.equal(Number((await store.db.get<{ v: number }>(sql, ['u', 7]))!.v), 12);
    });

    it('returns rows as arrays in column order, with epoch-ms bigints as numbers, inside and outside a transaction', async () => {
      await store.db.run('INSERT INTO contract_kv (k, v, flag, at) VALUES (?, ?, ?, ?)', ['arr', 3, null, 1_796_000_000_456]);
      const sql = "SELECT at, k, v FROM contract_kv WHERE k = ?";
      assert.deepEqual((await store.db.values<[number, string, number]>(sql, ['arr'])).map(([at, k, v]) => [at, k, Number(v)]), [[1_796_000_000_456, 'arr', 3]]);
      const inside = await store.db.transaction((tx) => tx.values<[number, string, number]>(sql, ['arr']));
      assert.equal(typeof inside[0]![0], 'number');
      assert.deepEqual(await store.db.values(sql, ['nobody']), []);
    });

    it('runs a many-row statement over any number of rows, in chunks or as arrays, with nulls and conflicts', async () => {
      const insert = rowsStatement('INSERT INTO kv_rows (k, n, note) @rows ON CONFLICT (k) DO UPDATE SET n = excluded.n', ['text', 'bigint', 'text']);
      const pick = rowsStatement('SELECT k, n, note FROM kv_rows WHERE n >= ? AND (k, n) IN (@rows)', ['text', 'bigint']);
      await store.db.run('CREATE TABLE kv_rows (k TEXT PRIMARY KEY, n BIGINT NOT NULL, note TEXT)');
      assert.deepEqual(await store.db.runRows(insert, [], []), { changes: 0 });
      assert.deepEqual(await store.db.valuesRows(pick, [0], []), []);
      // More rows than one SQLite statement may bind, and an epoch-ms value past 2^32.
      const rows = Array.from({ length: 12_000 }, (_, i) => [`k${i}`, 1_700_000_000_000 + i, i % 2 === 0 ? null : `odd ${i}`] as const);
      assert.equal((await store.db.transaction((tx) => tx.runRows(insert, [], rows))).changes, 12_000);
      assert.equal((await store.db.runRows(insert, [], [['k1', 7, 'x']])).changes, 1);
      const found = await store.db.valuesRows<[string, number, string | null]>(pick, [1_700_000_000_000], [['k0', 1_700_000_000_000], ['k1', 7], ['k2', 1_700_000_000_002], ['nope', 1]]);
      assert.deepEqual(found.sort((a, b) => a[0].localeCompare(b[0])), [['k0', 1_700_000_000_000, null], ['k2', 1_700_000_000_002, null]]);
      const counted = await store.db.get<{ c: number; s: number }>('SELECT COUNT(*) AS c, SUM(CASE WHEN note IS NULL THEN 1 ELSE 0 END) AS s FROM kv_rows');
      assert.deepEqual({ c: Number(counted!.c), s: Number(counted!.s) }, { c: 12_000, s: 6_000 });
      assert.throws(() => rowsStatement('INSERT INTO kv_rows (k) VALUES (?)', ['text']), /exactly one @rows/);
      assert.throws(() => rowsStatement('SELECT k FROM kv_rows WHERE k IN (@rows) AND n = ?', ['text']), /before @rows/);
    });

    it('commits a transaction as a whole', async () => {
      await store.db.transaction(async (tx) => {
        await tx.run('INSERT INTO contract_kv (k, v) VALUES (?, ?)', ['t1', 1]);
        await tx.run('INSERT INTO contract_kv (k, v) VALUES (?, ?)', ['t2', 2]);
      });
      const n = await store.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM contract_kv WHERE k IN ('t1', 't2')");
      assert.equal(Number(n!.n), 2);
    });

    it('rolls back every statement of a failed transaction', async () => {
      await assert.rejects(
        store.db.transaction(async (tx) => {
          await tx.run('INSERT INTO contract_kv (k, v) VALUES (?, ?)', ['r1', 1]);
          await tx.run('INSERT INTO contract_kv (k, v) VALUES (?, ?)', ['r1', 2]);
        }),
      );
      assert.equal(await store.db.get("SELECT k FROM contract_kv WHERE k = 'r1'"), undefined);
    });

    it('never shows a reader what an open transaction has not committed', async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let inserted!: () => void;
      const wrote = new Promise<void>((r) => (inserted = r));
      const tx = store.db.transaction(async (t) => {
        await t.run('INSERT INTO contract_kv (k, v) VALUES (?, ?)', ['open', 1]);
        inserted();
        await gate;
      });
      await wrote;
      assert.equal(await store.db.get("SELECT k FROM contract_kv WHERE k = 'open'"), undefined);
      release();
      await tx;
      assert.deepEqual(await store.db.get("SELECT k FROM contract_kv WHERE k = 'open'"), { k: 'open' });
    });

    it('keeps concurrent read-modify-write transactions from losing updates', async () => {
      await store.db.run('INSERT INTO contract_kv (k, v) VALUES (?, ?)', ['counter', 0]);
      await Promise.all(
        Array.from({ length: 40 }, () =>
          store.db.transaction(async (tx) => {
            // FOR UPDATE is what PostgreSQL needs; SQLite's single writer makes the SELECT alone safe.
            const lock = store.db.capabilities.concurrentWriters ? ' FOR UPDATE' : '';
            const row = await tx.get<{ v: number }>(`SELECT v FROM contract_kv WHERE k = 'counter'${lock}`);
            await tx.run("UPDATE contract_kv SET v = ? WHERE k = 'counter'", [Number(row!.v) + 1]);
          }),
        ),
      );
      assert.equal(Number((await store.db.get<{ v: number }>("SELECT v FROM contract_kv WHERE k = 'counter'"))!.v), 40);
    });

    it('lets each of many concurrent transactions commit or fail alone, visible once it resolves', async () => {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 30 }, (_, i) =>
          store.db.transaction(async (tx) => {
            await tx.run('INSERT INTO contract_kv (k, v) VALUES (?, ?)', [`g${i}`, i]);
            // Every third one fails after writing: a duplicate key, as a bad record would.
            if (i % 3 === 0) await tx.run('INSERT INTO contract_kv (k, v) VALUES (?, ?)', [`g${i}`, i]);
            return i;
          }).then(async (value) => {
            // Acknowledged means committed: a plain read already sees the row.
            assert.deepEqual(await store.db.get('SELECT k FROM contract_kv WHERE k = ?', [`g${value}`]), { k: `g${value}` });
            return value;
          }),
        ),
      );
      outcomes.forEach((o, i) => assert.equal(o.status, i % 3 === 0 ? 'rejected' : 'fulfilled', `transaction ${i}`));
      const rows = await store.db.all<{ k: string }>("SELECT k FROM contract_kv WHERE k LIKE 'g%' ORDER BY v");
      assert.deepEqual(rows.map((r) => r.k), Array.from({ length: 30 }, (_, i) => i).filter((i) => i % 3 !== 0).map((i) => `g${i}`));
    });

    it('serialises transactions that lock the same key', async () => {
      await store.db.run('INSERT INTO contract_kv (k, v) VALUES (?, ?)', ['locked', 0]);
      await Promise.all(
        Array.from({ length: 20 }, () =>
          store.db.transaction(async (tx) => {
            await tx.lock(99, 1);
            // Without the lock two transactions could read the same value and one increment would be lost.
            const row = await tx.get<{ v: number }>("SELECT v FROM contract_kv WHERE k = 'locked'");
            await new Promise((r) => setTimeout(r, 1));
            await tx.run("UPDATE contract_kv SET v = ? WHERE k = 'locked'", [Number(row!.v) + 1]);
          }),
        ),
      );
      assert.equal(Number((await store.db.get<{ v: number }>("SELECT v FROM contract_kv WHERE k = 'locked'"))!.v), 20);
    });

    it('delivers a committed transaction\'s notices in order before it resolves, and none of a rolled-back one', async () => {
      const got: Array<string | undefined> = [];
      const stop = await store.db.subscribe('contract_notes', (p) => got.push(p));
      await store.db.transaction(async (tx) => {
        await tx.notify('contract_notes', 'first');
        await tx.run('INSERT INTO contract_kv (k, v) VALUES (?, ?)', ['noted', 1]);
        await tx.notify('contract_notes', 'second');
      });
      assert.deepEqual(got.filter((p) => p !== undefined), ['first', 'second']);
      await assert.rejects(
        store.db.transaction(async (tx) => {
          await tx.notify('contract_notes', 'rolled back');
          await tx.run('INSERT INTO contract_kv (k, v) VALUES (?, ?)', ['noted', 2]);
        }),
      );
      await store.db.notify('contract_notes', 'outside');
      assert.deepEqual(got.filter((p) => p !== undefined), ['first', 'second', 'outside']);
      stop();
      await store.db.notify('contract_notes', 'after stop');
      assert.equal(got.includes('after stop'), false);
    });

    it('delivers the notices of each of many concurrent transactions that commits, and of none that fails', async () => {
      const got: string[] = [];
      const stop = await store.db.subscribe('contract_many', (p) => p !== undefined && got.push(p));
      await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) =>
          store.db.transaction(async (tx) => {
            await tx.notify('contract_many', `n${i}`);
            if (i % 3 === 0) throw new Error('refused');
          }),
        ),
      );
      stop();
      assert.deepEqual(got.sort(), Array.from({ length: 12 }, (_, i) => i).filter((i) => i % 3 !== 0).map((i) => `n${i}`).sort());
    });

    it('delivers notices to another connection of the same database when many processes may write', async (t) => {
      // One process owns a SQLite file, so there is no other connection to tell.
      if (!store.db.capabilities.concurrentWriters) return t.skip('single-process store');
      const other = await openStore(store.config);
      try {
        const got: Array<string | undefined> = [];
        await other.subscribe('contract_far', (p) => got.push(p));
        await store.db.transaction(async (tx) => tx.notify('contract_far', 'committed'));
        await assert.rejects(store.db.transaction(async (tx) => {
          await tx.notify('contract_far', 'rolled back');
          throw new Error('refused');
        }));
        await store.db.notify('contract_far', 'outside');
        await eventually('both notices arrive', () => got.includes('outside'));
        assert.deepEqual(got.filter((p) => p !== undefined), ['committed', 'outside']);
      } finally {
        await other.close();
      }
    });

    it('lists tables with their columns, and every tenant_id table is sandbox-scoped', async () => {
      const tables = await store.db.tables();
      const kv = tables.find((t) => t.name === 'contract_kv');
      assert.deepEqual(kv?.columns, ['k', 'v', 'flag', 'at']);
      const withTenant = tables.filter((t) => t.columns.includes('tenant_id') && t.name !== 'sandboxes').map((t) => t.name).sort();
      assert.deepEqual(withTenant, [...SANDBOX_SCOPED_TABLES].sort());
    });

    it('survives a close and reopen with its data', async () => {
      await store.db.run('INSERT INTO contract_kv (k, v) VALUES (?, ?)', ['durable', 42]);
      const db = await store.reopen();
      assert.equal(Number((await db.get<{ v: number }>("SELECT v FROM contract_kv WHERE k = 'durable'"))!.v), 42);
      await db.ping();
    });
  });
}
