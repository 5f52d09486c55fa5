/**
 * The Profile system delete job: removes a dataset's (or one event batch's) fragments, events and identity links in
 * checkpointed pages, splits the identity graphs those links alone held together, and records each page on the change
 * feed so every touched profile is merged again.
 */
import { type SqlExecutor, rowsStatement } from '../../store/db.js';
import { SANDBOX_PROFILE_LOCK } from '../../store/locks.js';
import type { ChangeInput, IdentityRef } from '../../changefeed/change.js';
import { appendChanges } from '../../changefeed/change.store.js';
import { chunks } from '../../shared/chunks.js';
import type { Clock } from '../../shared/clock.js';
import type { JobHandler } from '../job-runner.js';
import { enqueueJob } from '../job.store.js';

/** The job kind of Profile system delete requests. */
export const PROFILE_DELETE_JOB = 'profile-system-delete';
/** The job kind that purges a dataset deleted from Catalog (the same work, not listed among the system jobs). */
export const DATASET_PURGE_JOB = 'dataset-purge';

/** Queues the purge of a dataset deleted from Catalog, in the transaction that deleted it: all its data goes. */
export function queueDatasetPurge(tx: SqlExecutor, tenantId: number, datasetId: string, batches: readonly string[], now: number): Promise<void> {
  const payload: DeletePayload = { requestType: 'TRUNCATE_DATASET', datasetId, before: Number.MAX_SAFE_INTEGER, removedBatches: batches };
  return enqueueJob(tx, { tenantId, kind: DATASET_PURGE_JOB, ref: `${datasetId}:${now}`, payload }, now);
}

/** What a delete request removes: a whole dataset's Profile data, or one batch of an ExperienceEvent dataset. */
export type DeleteRequestType = 'TRUNCATE_DATASET' | 'DELETE_EE_BATCH';

/** The job's payload, fixed when the request is made. */
export interface DeletePayload {
  readonly requestType: DeleteRequestType;
  readonly datasetId: string;
  readonly batchId?: string;
  /** Data ingested after the request was made is not the request's to delete (and a stream cannot outrun the job). */
  readonly before: number;
  /** A dataset deleted from Catalog: the batches whose uploaded and exported files go once its data has. */
  readonly removedBatches?: readonly string[];
}

/** Counts the job reports as its progress. */
export interface DeleteProgress {
  fragments: number;
  events: number;
  links: number;
  profiles: number;
  splits: number;
}

/** Where the job is: its phase, the last key done in it, and what it removed so far. */
export interface DeleteCheckpoint {
  readonly phase: 'fragments' | 'events' | 'links' | 'done';
  readonly after?: readonly string[];
  readonly startedAt: number;
  readonly progress: DeleteProgress;
}

/** What the job needs beyond the store: the graph's split and the views' settle (both in the step's transaction). */
export interface DeleteSteps {
  splitMany(tx: SqlExecutor, tenantId: number, clusters: readonly string[]): Promise<ChangeInput[]>;
  settle(tx: SqlExecutor, tenantId: number, changes: readonly ChangeInput[]): Promise<void>;
  /** Removes a batch's files (uploads and exports), once nothing refers to them. */
  removeBatchFiles(tenantId: number, batchId: string): Promise<void>;
}

/** Rows removed per step: one transaction each, so writers of the sandbox wait at most one page. */
const PAGE = 1_000;

type Step = (tx: SqlExecutor, tenantId: number, p: DeletePayload, at: DeleteCheckpoint) => Promise<DeleteCheckpoint>;

/** The handler the job runner calls; each page commits with its checkpoint, so a crash resumes at the next page. */
export function profileDeleteHandler(steps: DeleteSteps, clock: Clock): JobHandler {
  const phases: Record<Exclude<DeleteCheckpoint['phase'], 'done'>, Step> = {
    fragments: (tx, tenantId, p, at) => deleteFragments(tx, tenantId, p, at, steps, clock),
    events: (tx, tenantId, p, at) => deleteEvents(tx, tenantId, p, at, clock),
    links: (tx, tenantId, p, at) => deleteLinks(tx, tenantId, p, at, steps, clock),
  };
  return async (ctx) => {
    const payload = ctx.job.payload as unknown as DeletePayload;
    const first: DeleteCheckpoint = {
      phase: payload.requestType === 'TRUNCATE_DATASET' ? 'fragments' : 'events',
      startedAt: clock(),
      progress: { fragments: 0, events: 0, links: 0, profiles: 0, splits: 0 },
    };
    let at = (ctx.job.checkpoint as DeleteCheckpoint | undefined) ?? first;
    while (at.phase !== 'done') {
      ctx.signal.throwIfAborted();
      const step = phases[at.phase];
      const from = at;
      at = await ctx.step((tx) => step(tx, ctx.job.tenantId, payload, from));
    }
    for (const batchId of payload.removedBatches ?? []) await steps.removeBatchFiles(ctx.job.tenantId, batchId);
  };
}

/** Removes a page of the dataset's fragments (and their identity rows) ingested before the request. */
async function deleteFragments(tx: SqlExecutor, tenantId: number, p: DeletePayload, at: DeleteCheckpoint, steps: DeleteSteps, clock: Clock): Promise<DeleteCheckpoint> {
  await tx.lock(SANDBOX_PROFILE_LOCK, tenantId);
  const [ns, id] = at.after ?? ['', ''];
  const rows = await tx.values<[string, string]>(
    `SELECT primary_ns, primary_id FROM fragments WHERE tenant_id = ? AND dataset_id = ? AND (primary_ns, primary_id) > (?, ?) AND ingested_at <= ?
     ORDER BY primary_ns, primary_id LIMIT ?`,
    [tenantId, p.datasetId, ns, id, p.before, PAGE],
  );
  // Re-checked in the delete: a record re-sent since the page was read is newer than the request and stays.
  const gone = (await tx.valuesRows<[string, string]>(DELETE_FRAGMENTS, [p.before], rows.map(([ns, id]) => [tenantId, p.datasetId, ns, id]))).map(([ns, id]): IdentityRef => ({ ns, id }));
  await tx.runRows(DELETE_RECORD_IDENTITIES, [], gone.map((k) => [tenantId, p.datasetId, k.ns, k.id]));
  if (gone.length > 0) await record(tx, tenantId, [{ tenantId, kind: 'dataset-delete', datasetId: p.datasetId, identities: gone }], steps, clock);
  const progress = { ...at.progress, fragments: at.progress.fragments + gone.length, profiles: at.progress.profiles + gone.length };
  const last = rows.at(-1);
  return rows.length < PAGE ? { ...at, phase: 'events', after: undefined, progress } : { ...at, after: last, progress };
}

/** Removes a page of the dataset's (or the batch's) events; their people's merged profiles do not change. */
async function deleteEvents(tx: SqlExecutor, tenantId: number, p: DeletePayload, at: DeleteCheckpoint, clock: Clock): Promise<DeleteCheckpoint> {
  const [after] = at.after ?? [''];
  const rows =
    p.batchId === undefined
      ? await tx.values<[string, string, string]>(
          'SELECT event_id, primary_ns, primary_id FROM events WHERE tenant_id = ? AND dataset_id = ? AND event_id > ? AND ingested_at <= ? ORDER BY event_id LIMIT ?',
          [tenantId, p.datasetId, after, p.before, PAGE],
        )
      : // A batch is closed: what the page deletes is gone from the next read, so no key is carried.
        await tx.values<[string, string, string]>('SELECT event_id, primary_ns, primary_id FROM events WHERE tenant_id = ? AND dataset_id = ? AND batch_id = ? LIMIT ?', [
          tenantId,
          p.datasetId,
          p.batchId,
          PAGE,
        ]);
  let removed = 0;
  for (const part of chunks(rows, 500)) {
    const marks = part.map(() => '?').join(', ');
    removed += (await tx.run(`DELETE FROM events WHERE tenant_id = ? AND dataset_id = ? AND event_id IN (${marks})`, [tenantId, p.datasetId, ...part.map((r) => r[0])])).changes;
  }
  const people = new Map(rows.map(([, ns, id]) => [`${ns}\u0000${id}`, { ns, id }]));
  if (people.size > 0) {
    const kind = p.batchId === undefined ? 'dataset-delete' : 'batch-delete';
    await appendChanges(tx, [{ tenantId, kind, datasetId: p.datasetId, batchId: p.batchId, identities: [...people.values()], eventsOnly: true }], clock());
  }
  const progress = { ...at.progress, events: at.progress.events + removed };
  return rows.length < PAGE ? { ...at, phase: 'links', after: undefined, progress } : { ...at, after: p.batchId === undefined ? [rows.at(-1)![0]] : undefined, progress };
}

/**
 * Removes a page of the source's links, each by its key, then re-derives the clusters they were in: every cluster
 * only those links held together splits. A cluster whose links span two pages is re-derived after each.
 */
async function deleteLinks(tx: SqlExecutor, tenantId: number, p: DeletePayload, at: DeleteCheckpoint, steps: DeleteSteps, clock: Clock): Promise<DeleteCheckpoint> {
  await tx.lock(SANDBOX_PROFILE_LOCK, tenantId);
  const source = p.batchId === undefined ? 'l.dataset_id = ? AND l.first_at <= ?' : 'l.dataset_id = ? AND l.batch_id = ?';
  const links = await tx.values<[string, string, string, string, string, string]>(
    `SELECT l.a_ns, l.a_id, l.b_ns, l.b_id, l.batch_id, i.cluster_id FROM identity_links l
     JOIN identities i ON i.tenant_id = l.tenant_id AND i.ns = l.a_ns AND i.id = l.a_id
     WHERE l.tenant_id = ? AND ${source} LIMIT ?`,
    [tenantId, ...(p.batchId === undefined ? [p.datasetId, p.before] : [p.datasetId, p.batchId]), PAGE],
  );
  await tx.runRows(DELETE_LINKS, [], links.map(([aNs, aId, bNs, bId, batchId]) => [tenantId, aNs, aId, bNs, bId, p.datasetId, batchId]));
  const changes = await steps.splitMany(tx, tenantId, [...new Set(links.map((l) => l[5]))]);
  if (changes.length > 0) await record(tx, tenantId, changes, steps, clock);
  const progress = { ...at.progress, links: at.progress.links + links.length, splits: at.progress.splits + changes.length };
  return links.length < PAGE ? { ...at, phase: 'done', progress } : { ...at, progress };
}

// Whole primary keys as row values, so each row is one key lookup (a partial key let SQLite pick the dataset index
// and scan every link of the dataset per statement).
const DELETE_LINKS = rowsStatement('DELETE FROM identity_links WHERE (tenant_id, a_ns, a_id, b_ns, b_id, dataset_id, batch_id) IN (@rows)', [
  'bigint',
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
]);
const DELETE_FRAGMENTS = rowsStatement(
  'DELETE FROM fragments WHERE ingested_at <= ? AND (tenant_id, dataset_id, primary_ns, primary_id) IN (@rows) RETURNING primary_ns, primary_id',
  ['bigint', 'text', 'text', 'text'],
);
const DELETE_RECORD_IDENTITIES = rowsStatement('DELETE FROM record_identities WHERE (tenant_id, dataset_id, primary_ns, primary_id) IN (@rows)', ['bigint', 'text', 'text', 'text']);

/** Settles the page's entries on the materialized profiles and appends them to the feed, in the page's transaction. */
async function record(tx: SqlExecutor, tenantId: number, changes: ChangeInput[], steps: DeleteSteps, clock: Clock): Promise<void> {
  await steps.settle(tx, tenantId, changes);
  await appendChanges(tx, changes, clock());
}
