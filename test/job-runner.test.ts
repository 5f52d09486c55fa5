/** The job runner for many workers: fenced writes, a heartbeat that keeps a long job's lease, retries with backoff. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { STORE_KINDS, type TestStore, openTestStore } from './support/app.js';
import { JobRunner } from '../src/jobs/job-runner.js';
import { LeaseLostError, enqueueJob, requestCancel } from '../src/jobs/job.store.js';

const silent = { info() {}, warn() {}, error() {} };

for (const kind of STORE_KINDS) {
  describe(`job runner (${kind})`, () => {
    let store: TestStore;
    let now = 1_000_000;
    const clock = () => now;
    before(async () => {
      store = await openTestStore(kind);
      await store.db.run('CREATE TABLE job_effects (job TEXT NOT NULL, step INTEGER NOT NULL)');
    });
    after(() => store.cleanup());

    const enqueue = (ref: string, kindName = 'test-job') => store.db.transaction((tx) => enqueueJob(tx, { tenantId: 1, kind: kindName, ref, payload: {} }, now));
    const job = async (ref: string) => (await store.db.get<{ status: string; attempts: number; error: string | null; run_after: number; checkpoint: string | null }>('SELECT status, attempts, error, run_after, checkpoint FROM jobs WHERE ref = ?', [ref]))!;
    const effects = async (ref: string) => Number((await store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM job_effects WHERE job = ?', [ref]))!.n);

    it('fences a worker that lost its lease: its commit writes nothing and it stops, the new owner finishes', async () => {
      await enqueue('fenced', 'fenced');
      let release!: () => void;
      const paused = new Promise<void>((r) => (release = r));
      let firstError: unknown;
      const first = new JobRunner(store.db, clock, silent, { leaseMs: 60_000 });
      first.register('fenced', async (ctx) => {
        await paused; // a worker paused past its lease (a long GC, a stopped VM)
        try {
          await ctx.commit({ step: 1 }, (tx) => tx.run("INSERT INTO job_effects (job, step) VALUES ('fenced', 1)"));
        } catch (err) {
          firstError = err;
          throw err;
        }
      });
      const running = first.runOne();
      await new Promise((r) => setTimeout(r, 20));
      now += 120_000; // the lease has expired: a second worker claims the job
      const second = new JobRunner(store.db, clock, silent, { leaseMs: 60_000 });
      second.register('fenced', async (ctx) => {
        await ctx.commit({ step: 2 }, (tx) => tx.run("INSERT INTO job_effects (job, step) VALUES ('fenced', 2)"));
      });
      assert.equal(await second.runOne(), true);
      release();
      assert.equal(await running, true);
      assert.ok(firstError instanceof LeaseLostError, String(firstError));
      const row = await job('fenced');
      assert.deepEqual({ status: row.status, checkpoint: row.checkpoint }, { status: 'done', checkpoint: JSON.stringify({ step: 2 }) });
      assert.deepEqual(await store.db.all("SELECT step FROM job_effects WHERE job = 'fenced'"), [{ step: 2 }]);
    });

    it('cancels a running job between steps: the step after the request commits nothing, and the job ends cancelled', async () => {
      await enqueue('cancel-me', 'stepped');
      const runner = new JobRunner(store.db, clock, silent);
      let jobId = 0;
      runner.register('stepped', async (ctx) => {
        jobId = ctx.job.jobId;
        for (let step = 1; step <= 3; step++) {
          if (step === 2) assert.equal(await requestCancel(store.db, 1, 'stepped', jobId, now), 'running');
          await ctx.step(async (tx) => {
            await tx.run("INSERT INTO job_effects (job, step) VALUES ('cancel-me', ?)", [step]);
            return { step };
          });
        }
      });
      assert.equal(await runner.runOne(), true);
      const row = await job('cancel-me');
      assert.deepEqual({ status: row.status, error: row.error, checkpoint: row.checkpoint }, { status: 'cancelled', error: 'cancelled on request', checkpoint: JSON.stringify({ step: 1 }) });
      assert.equal(await effects('cancel-me'), 1);
      // A queued job is cancelled at once and never claimed.
      await enqueue('never', 'stepped');
      const queued = (await store.db.get<{ job_id: number }>("SELECT job_id FROM jobs WHERE ref = 'never'"))!.job_id;
      assert.equal(await requestCancel(store.db, 1, 'stepped', Number(queued), now), 'queued');
      assert.equal(await runner.runOne(), false);
      assert.equal((await job('never')).status, 'cancelled');
    });

    it('keeps a long job leased with its heartbeat, so another worker cannot take it', async () => {
      await enqueue('long', 'long');
      const real = { now: () => Date.now() };
      const first = new JobRunner(store.db, real.now, silent, { leaseMs: 400 });
      const second = new JobRunner(store.db, real.now, silent, { leaseMs: 400 });
      let runs = 0;
      let signal: AbortSignal | undefined;
      const handler = async (ctx: { signal: AbortSignal }) => {
        runs++;
        signal = ctx.signal;
        await new Promise((r) => setTimeout(r, 1_600)); // four leases long, with no checkpoint
      };
      first.register('long', handler);
      second.register('long', handler);
      const running = first.runOne();
      for (let i = 0; i < 6; i++) {
        await new Promise((r) => setTimeout(r, 250));
        assert.equal(await second.runOne(), false, 'a second worker took over a job whose owner was alive');
      }
      await running;
      assert.equal(runs, 1);
      assert.equal(signal?.aborted, false);
      assert.equal((await job('long')).status, 'done');
    });

    it('runs several jobs at once, and starts at once on a kick', async () => {
      const runner = new JobRunner(store.db, () => Date.now(), silent, { concurrency: 2, pollMs: 60_000 });
      let started = 0;
      let together = false;
      runner.register('pair', async () => {
        started++;
        // Each waits for the other: one lane at a time would never get there.
        const deadline = Date.now() + 5_000;
        while (started < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        together ||= started === 2;
      });
      await runner.start();
      try {
        await new Promise((r) => setTimeout(r, 30)); // both lanes idle, waiting out a poll of a minute
        await enqueue('pair-1', 'pair');
        await enqueue('pair-2', 'pair');
        runner.kick();
        const deadline = Date.now() + 5_000;
        while (((await job('pair-1')).status !== 'done' || (await job('pair-2')).status !== 'done') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      } finally {
        await runner.stop();
      }
      assert.deepEqual([(await job('pair-1')).status, (await job('pair-2')).status], ['done', 'done']);
      assert.equal(together, true, 'the two jobs never ran at the same time');
    });

    it('retries a failing job after a growing wait, then fails it for good with its reason', async () => {
      await enqueue('flaky', 'flaky');
      const runner = new JobRunner(store.db, clock, silent, { maxAttempts: 3, backoffMs: 1_000 });
      let attempts = 0;
      runner.register('flaky', async (ctx) => {
        attempts++;
        await ctx.commit({ attempt: attempts }, (tx) => tx.run("INSERT INTO job_effects (job, step) VALUES ('flaky', ?)", [attempts]));
        throw new Error(`upstream unavailable (${attempts})`);
      });
      assert.equal(await runner.runOne(), true);
      let row = await job('flaky');
      assert.deepEqual({ status: row.status, attempts: row.attempts, waits: row.run_after - now, error: row.error }, { status: 'queued', attempts: 1, waits: 1_000, error: 'upstream unavailable (1)' });
      assert.equal(await runner.runOne(), false, 'claimed before its backoff ended');
      now += 1_000;
      assert.equal(await runner.runOne(), true);
      row = await job('flaky');
      assert.equal(row.run_after - now, 2_000);
      // The checkpoint of each attempt is kept for the next one to resume from.
      assert.equal(row.checkpoint, JSON.stringify({ attempt: 2 }));
      now += 2_000;
      assert.equal(await runner.runOne(), true);
      row = await job('flaky');
      assert.deepEqual({ status: row.status, error: row.error }, { status: 'failed', error: 'upstream unavailable (3) (after 3 attempts)' });
      assert.equal(await effects('flaky'), 3);
    });
  });
}
