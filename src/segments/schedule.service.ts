/**
 * Segment schedules (/config/schedules): a daily cron that queues a segment job of the named definitions. Each run is a
 * job queued for its time; a run whose schedule changed since (or went away) does nothing.
 */
import { randomUUID } from 'node:crypto';
import type { Db, SqlExecutor } from '../store/db.js';
import type { Clock } from '../shared/clock.js';
import { DomainError } from '../shared/errors.js';
import { enqueueJob } from '../jobs/job.store.js';
import type { JobHandler } from '../jobs/job-runner.js';
import { nextRun, parseDailyCron } from './cron.js';
import { listDefinitions } from './segment.store.js';
import { queueSegmentJob } from './segment-job.service.js';

/** The job kind of one scheduled run. */
export const SCHEDULE_RUN_JOB = 'segment-schedule-run';

/** A schedule as stored and shown. */
export interface Schedule {
  readonly tenantId: number;
  readonly id: string;
  readonly name: string;
  readonly type: 'batch_segmentation';
  readonly schedule: string;
  readonly state: 'active' | 'inactive';
  readonly properties: { readonly segments: readonly string[] };
  /** When it next fires (active schedules). */
  readonly nextRunAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A create request after the route's shape check. */
export interface ScheduleInput {
  readonly name: string;
  readonly type: string;
  readonly schedule: string;
  readonly state?: string;
  readonly properties: { readonly segments?: unknown };
}

function invalid(message: string): DomainError {
  return new DomainError('SCHEDULE_INVALID', message);
}

type Row = { tenant_id: number; id: string; body: string; next_run_at: number | null; created_at: number; updated_at: number };
type Body = Pick<Schedule, 'name' | 'type' | 'schedule' | 'state' | 'properties'>;

const toSchedule = (r: Row): Schedule => ({
  ...(JSON.parse(r.body) as Body),
  tenantId: Number(r.tenant_id),
  id: r.id,
  nextRunAt: r.next_run_at === null ? null : Number(r.next_run_at),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

const bodyOf = (s: Schedule): string => JSON.stringify({ name: s.name, type: s.type, schedule: s.schedule, state: s.state, properties: s.properties } satisfies Body);

/** Queues the run of `s` at its next time (in the transaction that set it). */
async function queueRun(tx: SqlExecutor, s: Schedule): Promise<void> {
  if (s.state !== 'active' || s.nextRunAt === null) return;
  await enqueueJob(tx, { tenantId: s.tenantId, kind: SCHEDULE_RUN_JOB, ref: `${s.id}:${s.nextRunAt}`, payload: { scheduleId: s.id, runAt: s.nextRunAt }, runAfter: s.nextRunAt }, s.updatedAt);
}

/** Schedules of a sandbox. */
export class ScheduleService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  private async check(tenantId: number, input: Pick<ScheduleInput, 'type' | 'schedule' | 'state' | 'properties'>, segmentsChanged = true): Promise<Pick<Schedule, 'type' | 'schedule' | 'state' | 'properties'>> {
    if (input.type !== 'batch_segmentation') throw invalid(`type '${input.type.slice(0, 40)}' is not supported: only batch_segmentation (export profiles with /export/jobs)`);
    if (nextRun(parseDailyCron(input.schedule), this.clock()) === undefined) throw invalid(`schedule '${input.schedule.slice(0, 80)}' never fires again (no such day, or its years are past)`);
    const state = input.state ?? 'inactive';
    if (state !== 'active' && state !== 'inactive') throw invalid(`state '${state.slice(0, 20)}' must be active or inactive`);
    const segments = input.properties.segments;
    if (!Array.isArray(segments) || segments.length === 0 || !segments.every((s) => typeof s === 'string')) {
      throw invalid('properties.segments must list the segment definition ids to evaluate, or ["*"] for all of them');
    }
    // A PATCH cannot change the segments: one deleted since must not stop the schedule being paused or moved.
    const known = new Set((await listDefinitions(this.db, tenantId)).map((d) => d.id));
    const missing = segmentsChanged ? (segments as string[]).filter((s) => s !== '*' && !known.has(s)) : [];
    if (missing.length > 0) throw invalid(`properties.segments names segment definitions that do not exist in this sandbox: ${missing.map((m) => m.slice(0, 80)).join(', ')}`);
    return { type: 'batch_segmentation', schedule: input.schedule.trim(), state, properties: { segments: [...(segments as string[])] } };
  }

  /** Creates a schedule; an active one fires at its next time. */
  async create(tenantId: number, input: ScheduleInput): Promise<Schedule> {
    const checked = await this.check(tenantId, input);
    const now = this.clock();
    const s: Schedule = { tenantId, id: randomUUID(), name: input.name, ...checked, nextRunAt: null, createdAt: now, updatedAt: now };
    const saved = { ...s, nextRunAt: s.state === 'active' ? (nextRun(parseDailyCron(s.schedule), now) ?? null) : null };
    await this.db.transaction(async (tx) => {
      await tx.run('INSERT INTO segment_schedules (tenant_id, id, body, next_run_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)', [tenantId, s.id, bodyOf(saved), saved.nextRunAt, now, now]);
      await queueRun(tx, saved);
    });
    return saved;
  }

  /** Every schedule of the sandbox, oldest first. */
  async list(tenantId: number): Promise<Schedule[]> {
    return (await this.db.all<Row>('SELECT * FROM segment_schedules WHERE tenant_id = ? ORDER BY created_at, id', [tenantId])).map(toSchedule);
  }

  /** One schedule; SCHEDULE_NOT_FOUND otherwise. */
  async get(tenantId: number, id: string, db: SqlExecutor = this.db): Promise<Schedule> {
    const row = await db.get<Row>('SELECT * FROM segment_schedules WHERE tenant_id = ? AND id = ?', [tenantId, id]);
    if (!row) throw new DomainError('SCHEDULE_NOT_FOUND', `Schedule '${id.slice(0, 80)}' does not exist in this sandbox`);
    return toSchedule(row);
  }

  /** Applies `add` operations on /state and /schedule (the spec's only ones). */
  async patch(tenantId: number, id: string, ops: ReadonlyArray<{ op: string; path: string; value?: unknown }>): Promise<Schedule> {
    const current = await this.get(tenantId, id);
    let next: Schedule = current;
    for (const op of ops) {
      if (op.op !== 'add' && op.op !== 'replace') throw invalid(`op '${String(op.op).slice(0, 20)}' is not supported: use add on /state or /schedule`);
      if (typeof op.value !== 'string') throw invalid(`${op.path.slice(0, 40)}: value must be a string`);
      if (op.path === '/state') next = { ...next, state: op.value as Schedule['state'] };
      else if (op.path === '/schedule') next = { ...next, schedule: op.value };
      else throw invalid(`path '${op.path.slice(0, 80)}' cannot be changed: use /state or /schedule`);
    }
    const checked = await this.check(tenantId, next, false);
    const now = this.clock();
    const saved: Schedule = { ...next, ...checked, nextRunAt: checked.state === 'active' ? (nextRun(parseDailyCron(checked.schedule), now) ?? null) : null, updatedAt: Math.max(now, current.updatedAt + 1) };
    await this.db.transaction(async (tx) => {
      // Only over the row as read: another PATCH, or a run moving the next time, in between refuses this one.
      const r = await tx.run('UPDATE segment_schedules SET body = ?, next_run_at = ?, updated_at = ? WHERE tenant_id = ? AND id = ? AND updated_at = ? AND next_run_at IS NOT DISTINCT FROM ?', [
        bodyOf(saved), saved.nextRunAt, saved.updatedAt, tenantId, id, current.updatedAt, current.nextRunAt,
      ]);
      if (r.changes !== 1) throw invalid(`Schedule '${id}' changed while this request was applied; read it again and retry`);
      await queueRun(tx, saved);
    });
    return saved;
  }

  /** Deletes a schedule; a run already queued finds it gone and does nothing. */
  async delete(tenantId: number, id: string): Promise<void> {
    await this.get(tenantId, id);
    await this.db.run('DELETE FROM segment_schedules WHERE tenant_id = ? AND id = ?', [tenantId, id]);
  }

  /** One run: queues the segment job, then the schedule's next run (missed runs while down are not made up). */
  handler(kick: () => void): JobHandler {
    return async (ctx) => {
      const { tenantId } = ctx.job;
      const { scheduleId, runAt } = ctx.job.payload as { scheduleId: string; runAt: number };
      const queued = await ctx.commit(null, async (tx) => {
        const row = await tx.get<Row>('SELECT * FROM segment_schedules WHERE tenant_id = ? AND id = ?', [tenantId, scheduleId]);
        const s = row && toSchedule(row);
        if (!s || s.state !== 'active' || s.nextRunAt !== runAt) return false;
        const following = nextRun(parseDailyCron(s.schedule), Math.max(runAt, this.clock())) ?? null;
        // Claims this run: only if no PATCH moved the time meanwhile (that PATCH queued its own run).
        const r = await tx.run('UPDATE segment_schedules SET next_run_at = ? WHERE tenant_id = ? AND id = ? AND next_run_at = ?', [following, tenantId, scheduleId, runAt]);
        if (r.changes !== 1) return false;
        await queueRun(tx, { ...s, nextRunAt: following, updatedAt: this.clock() });
        const all = (await listDefinitions(tx, tenantId)).filter((d) => d.pql !== '');
        const chosen = s.properties.segments.includes('*') ? all : all.filter((d) => s.properties.segments.includes(d.id));
        if (chosen.length > 0) await queueSegmentJob(tx, tenantId, chosen, this.clock(), { scheduleId });
        return chosen.length > 0;
      });
      if (queued) kick();
    };
  }
}
