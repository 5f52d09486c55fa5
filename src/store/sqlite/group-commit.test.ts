/** Group commit: one commit for a burst, savepoints isolating failures, and a re-run when an error ends the transaction. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GroupCommit, type WriterConnection } from './group-commit.js';
import { TURNS_BYTES, WriterTurns } from './writer-turns.js';

/** A writer that records statements and can be told to lose its transaction, as SQLite does on some errors. */
function fakeWriter(): WriterConnection & { log: string[]; lose(): void } {
  let open = false;
  const log: string[] = [];
  return {
    log,
    exec(sql: string) {
      log.push(sql);
      if (sql === 'BEGIN IMMEDIATE') open = true;
      if (sql === 'COMMIT' || sql === 'ROLLBACK') open = false;
    },
    get inTransaction() {
      return open;
    },
    lose() {
      open = false;
    },
  };
}

describe('group commit', () => {
  it('commits a burst of transactions once, each in its own savepoint', async () => {
    const w = fakeWriter();
    const group = new GroupCommit(w);
    const results = await Promise.all([1, 2, 3].map((n) => group.run(async () => n * 10)));
    assert.deepEqual(results, [10, 20, 30]);
    assert.equal(w.log.filter((s) => s === 'COMMIT').length, 1);
    assert.equal(w.log.filter((s) => s === 'SAVEPOINT job').length, 3);
  });

  it('rolls a failing transaction back to its savepoint and commits the others', async () => {
    const w = fakeWriter();
    const group = new GroupCommit(w);
    const out = await Promise.allSettled([
      group.run(async () => 'a'),
      group.run(async () => {
        throw new Error('bad record');
      }),
      group.run(async () => 'c'),
    ]);
    assert.deepEqual(out.map((o) => o.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.ok(w.log.includes('ROLLBACK TO job'));
    assert.equal(w.log.filter((s) => s === 'COMMIT').length, 1);
  });

  it('runs the others again alone when an error ends the whole transaction', async () => {
    const w = fakeWriter();
    const group = new GroupCommit(w);
    const runs = { a: 0, c: 0 };
    const out = await Promise.allSettled([
      group.run(async () => ++runs.a),
      group.run(async () => {
        w.lose();
        throw new Error('disk full');
      }),
      group.run(async () => ++runs.c),
    ]);
    assert.deepEqual(out.map((o) => o.status), ['fulfilled', 'rejected', 'fulfilled']);
    // `a` ran in the lost transaction and again alone; `c` ran only alone.
    assert.deepEqual(runs, { a: 2, c: 1 });
    assert.equal(w.log.filter((s) => s === 'COMMIT').length, 2);
  });

  it('fails every member of a group whose commit fails', async () => {
    const w = fakeWriter();
    const exec = w.exec.bind(w);
    w.exec = (sql: string) => {
      if (sql === 'COMMIT') throw new Error('commit failed');
      exec(sql);
    };
    const group = new GroupCommit(w);
    const out = await Promise.allSettled([group.run(async () => 1), group.run(async () => 2)]);
    assert.deepEqual(out.map((o) => o.status), ['rejected', 'rejected']);
  });

  it('answers every member, and leaves no transaction open, when a savepoint statement of its own fails', async () => {
    const w = fakeWriter();
    const exec = w.exec.bind(w);
    let savepoints = 0;
    w.exec = (sql: string) => {
      if (sql === 'SAVEPOINT job' && ++savepoints === 2) throw new Error('savepoint failed');
      exec(sql);
    };
    const group = new GroupCommit(w);
    const out = await Promise.allSettled([group.run(async () => 1), group.run(async () => 2), group.run(async () => 3)]);
    assert.deepEqual(out.map((o) => o.status), ['rejected', 'rejected', 'rejected']);
    assert.equal(w.inTransaction, false);
    assert.equal(w.log.at(-1), 'ROLLBACK');
  });

  it('takes turns with another writer sharing its turns, first come first served', async () => {
    const memory = new SharedArrayBuffer(TURNS_BYTES);
    const mine = new WriterTurns(memory);
    const theirs = new WriterTurns(memory);
    const order: string[] = [];
    await theirs.take();
    const group = new GroupCommit(fakeWriter(), 256, mine);
    const write = group.run(async () => order.push('mine'));
    await new Promise((r) => setTimeout(r, 20));
    order.push('theirs done');
    theirs.give();
    await write;
    assert.deepEqual(order, ['theirs done', 'mine']);
  });

  it('writes alone once the other writer is gone, even if it died holding a turn', async () => {
    const memory = new SharedArrayBuffer(TURNS_BYTES);
    const mine = new WriterTurns(memory);
    await new WriterTurns(memory).take(); // never given back
    const group = new GroupCommit(fakeWriter(), 256, mine);
    let wrote = false;
    const write = group.run(async () => (wrote = true));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(wrote, false, 'wrote while another writer held the turn');
    mine.abandon();
    await write;
    assert.equal(wrote, true);
  });

  it('runs a `first` transaction ahead of those waiting, alone, so it commits without waiting for their group', async () => {
    const w = fakeWriter();
    const group = new GroupCommit(w);
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // A group is running (held open); two more writes and then a consumer's transaction queue behind it.
    const running = group.run(async () => {
      order.push('running');
      await gate;
    });
    await new Promise((r) => setImmediate(r));
    const later = [group.run(async () => order.push('w1')), group.run(async () => order.push('w2'))];
    const first = group.run(async () => order.push('consumer'), true);
    release();
    await Promise.all([running, ...later, first]);
    assert.deepEqual(order, ['running', 'consumer', 'w1', 'w2']);
    // running (alone), consumer (alone), then w1 and w2 sharing one commit.
    assert.equal(w.log.filter((s) => s === 'COMMIT').length, 3);
  });
});
