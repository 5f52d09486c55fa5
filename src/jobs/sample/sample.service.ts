/**
 * Preview sample status: the sample job (on demand, and after ingestion changes a sandbox's profile data by more than
 * 5%: checked within 15 minutes of a batch, hourly for streaming), its stored results, and the change-feed consumer
 * that schedules it.
 */
import type { Db, SqlExecutor } from '../../store/db.js';
import type { Clock } from '../../shared/clock.js';
import type { ChangeHandler } from '../../changefeed/change-feed.js';
import { recordsChanged } from '../../changefeed/change.js';
import { enqueueJob } from '../job.store.js';
import type { JobHandler } from '../job-runner.js';
import { type SampleCounts, samplePeople } from './preview-sample.js';

/** The job kind, and the change-feed consumer that queues it. */
export const SAMPLE_JOB = 'preview-sample';
export const SAMPLE_CONSUMER = 'preview-sample-trigger';

/** Relative change of the fragment count past which an automatic sample records a new report. */
const THRESHOLD = 0.05;
const BATCH_CHECK_MS = 15 * 60_000;
const STREAMING_CHECK_MS = 60 * 60_000;

/** A finished sample as stored: what it counted and the sandbox's figures beside it. */
export interface Sample {
  readonly sampledAt: number;
  readonly fragments: number;
  readonly counts: SampleCounts;
  readonly lastBatch: { readonly id: string; readonly at: number } | null;
  /** Datasets that have received streamed (not batch) data. */
  readonly streamingDatasets: readonly string[];
  /** Per namespace code: profile fragments that carry one of its identities, and its identities in the graph. */
  readonly fragmentsByNamespace: Readonly<Record<string, number>>;
  readonly identitiesByNamespace: Readonly<Record<string, number>>;
}

/** The sandbox's figures a status answer shows beside the last sample. */
export interface SampleStatus {
  readonly last: Sample | undefined;
  readonly running: { readonly since: number } | undefined;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Preview samples of every sandbox. */
export class PreviewSampleService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly kick: () => void,
  ) {}

  /** Queues a sample now (the sandbox's owner asked for one); it records a report whatever changed. */
  async requestNow(tenantId: number): Promise<void> {
    const now = this.clock();
    await this.db.transaction((tx) => enqueueJob(tx, { tenantId, kind: SAMPLE_JOB, ref: `demand:${now}`, payload: { reason: 'on-demand' } }, now));
    this.kick();
  }

  /** The last finished sample, and the one running now if any. */
  async status(tenantId: number): Promise<SampleStatus> {
    const running = await this.db.get<{ created_at: number }>("SELECT created_at FROM jobs WHERE tenant_id = ? AND kind = ? AND status IN ('queued', 'running') AND run_after <= ? ORDER BY job_id LIMIT 1", [
      tenantId,
      SAMPLE_JOB,
      this.clock(),
    ]);
    return { last: await this.latest(tenantId), running: running ? { since: Number(running.created_at) } : undefined };
  }

  /** The latest sample of a UTC date (`YYYY-MM-DD`), or the latest of all; undefined when there is none. */
  async latest(tenantId: number, date?: string): Promise<Sample | undefined> {
    const row =
      date === undefined
        ? await this.db.get<{ body: string }>('SELECT body FROM preview_samples WHERE tenant_id = ? ORDER BY sample_id DESC LIMIT 1', [tenantId])
        : await this.db.get<{ body: string }>('SELECT body FROM preview_samples WHERE tenant_id = ? AND day = ? ORDER BY sample_id DESC LIMIT 1', [tenantId, date]);
    return row && (JSON.parse(row.body) as Sample);
  }

  /** Runs a sample; an automatic one records nothing when the fragment count moved by 5% or less since the last. */
  handler(): JobHandler {
    return async (ctx) => {
      const { tenantId } = ctx.job;
      const fragments = Number((await this.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM fragments WHERE tenant_id = ?', [tenantId]))?.n ?? 0);
      const last = await this.latest(tenantId);
      if (ctx.job.payload.reason !== 'on-demand' && last && Math.abs(fragments - last.fragments) <= THRESHOLD * Math.max(last.fragments, 1)) return;
      const now = this.clock();
      const counts = await samplePeople(this.db, tenantId, now);
      const batch = await this.db.get<{ id: string; completed_at: number }>("SELECT id, completed_at FROM batches WHERE tenant_id = ? AND status = 'success' ORDER BY completed_at DESC LIMIT 1", [tenantId]);
      const streamed = await this.db.values<[string]>(
        'SELECT DISTINCT dataset_id FROM fragments WHERE tenant_id = ? AND batch_id IS NULL UNION SELECT DISTINCT dataset_id FROM events WHERE tenant_id = ? AND batch_id IS NULL',
        [tenantId, tenantId],
      );
      const byNs = async (sql: string) => Object.fromEntries((await this.db.values<[string, number]>(sql, [tenantId])).map(([ns, n]) => [ns, Number(n)]));
      const sample: Sample = {
        sampledAt: now,
        fragments,
        counts,
        lastBatch: batch ? { id: batch.id, at: Number(batch.completed_at) } : null,
        streamingDatasets: streamed.map(([d]) => d),
        fragmentsByNamespace: await byNs("SELECT ns, COUNT(DISTINCT dataset_id || ':' || primary_ns || ':' || primary_id) FROM record_identities WHERE tenant_id = ? GROUP BY ns"),
        identitiesByNamespace: await byNs('SELECT ns, COUNT(*) FROM identities WHERE tenant_id = ? GROUP BY ns'),
      };
      await ctx.commit({ sampledAt: now }, (tx) =>
        tx.run('INSERT INTO preview_samples (tenant_id, sampled_at, day, total_rows, fragments, body) VALUES (?, ?, ?, ?, ?, ?)', [tenantId, now, day(now), counts.totalRows, fragments, JSON.stringify(sample)]),
      );
    };
  }

  /**
   * The change-feed consumer: a sandbox whose profile data changed gets one automatic sample per window (15 minutes
   * after a batch, an hour for streaming), queued to run at the window's end; the job then checks the 5% threshold.
   */
  consumer(): ChangeHandler {
    return async (changes, tx: SqlExecutor) => {
      const due = new Map<number, number>();
      for (const c of changes) {
        if (!recordsChanged(c) || c.kind === 'merge' || c.kind === 'split' || c.kind === 'evict') continue;
        const window = c.batchId === undefined ? STREAMING_CHECK_MS : BATCH_CHECK_MS;
        const end = (Math.floor(c.at / window) + 1) * window;
        due.set(c.tenantId, Math.min(due.get(c.tenantId) ?? Infinity, end));
      }
      for (const [tenantId, runAfter] of due) {
        await enqueueJob(tx, { tenantId, kind: SAMPLE_JOB, ref: `auto:${runAfter}`, payload: { reason: 'ingestion' }, runAfter }, this.clock());
      }
    };
  }
}
