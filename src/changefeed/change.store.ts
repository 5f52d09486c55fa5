/** Change-feed rows: appended in the writer's transaction, read in commit-safe order, offsets per consumer, retention. */
import type { SqlExecutor } from '../store/db.js';
import type { Change, ChangeInput, ChangeKind, FeedPosition } from './change.js';

/** The notice channel that wakes every process's feed when a transaction appended entries. */
export const CHANGES_CHANNEL = 'rtprofile_changes';

/** Entries per INSERT statement. */
const APPEND_CHUNK = 200;

/** Records changes in the caller's transaction: they commit, or vanish, with the work they describe (and their wake-up). */
export async function appendChanges(tx: SqlExecutor, changes: readonly ChangeInput[], now: number): Promise<void> {
  if (changes.length === 0) return;
  for (let i = 0; i < changes.length; i += APPEND_CHUNK) {
    const chunk = changes.slice(i, i + APPEND_CHUNK);
    const params: Array<string | number> = [];
    for (const { tenantId, kind, ...body } of chunk) params.push(tenantId, kind, JSON.stringify(body), now);
    await tx.run(`INSERT INTO changes (tenant_id, kind, body, at) VALUES ${chunk.map(() => '(?, ?, ?, ?)').join(', ')}`, params);
  }
  await tx.notify(CHANGES_CHANNEL, '');
}

/**
 * Entries after `after`, oldest first. With concurrent writers a transaction can commit after a later-numbered one,
 * so only entries of transactions older than every running one are read (their set can no longer grow), in
 * (xid, seq) order; a single writer commits in seq order, and its xid is always 0.
 */
export async function readChanges(tx: SqlExecutor, after: FeedPosition, limit: number, concurrentWriters: boolean): Promise<Change[]> {
  const rows = concurrentWriters
    ? await tx.values<[number, number, number, string, string, number]>(
        `SELECT seq, xid, tenant_id, kind, body, at FROM changes
         WHERE (xid, seq) > (?, ?) AND xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
         ORDER BY xid, seq LIMIT ?`,
        [after.xid, after.seq, limit],
      )
    : await tx.values<[number, number, number, string, string, number]>(
        'SELECT seq, xid, tenant_id, kind, body, at FROM changes WHERE seq > ? ORDER BY seq LIMIT ?',
        [after.seq, limit],
      );
  return rows.map(([seq, xid, tenantId, kind, body, at]) => ({
    ...(JSON.parse(body) as object),
    seq: Number(seq),
    xid: Number(xid),
    tenantId: Number(tenantId),
    kind: kind as ChangeKind,
    at: Number(at),
  }));
}

/**
 * Takes a consumer's offset for the rest of the transaction, creating it at the feed's start; undefined when another
 * process holds it (PostgreSQL), so one consumer name runs in one place at a time.
 */
export async function lockOffset(tx: SqlExecutor, consumer: string, now: number, skipLocked: boolean): Promise<FeedPosition | undefined> {
  await tx.run('INSERT INTO change_offsets (consumer, xid, seq, updated_at) VALUES (?, 0, 0, ?) ON CONFLICT (consumer) DO NOTHING', [consumer, now]);
  const row = await tx.get<{ xid: number; seq: number }>(
    `SELECT xid, seq FROM change_offsets WHERE consumer = ?${skipLocked ? ' FOR UPDATE SKIP LOCKED' : ''}`,
    [consumer],
  );
  return row ? { xid: Number(row.xid), seq: Number(row.seq) } : undefined;
}

/** Moves a consumer's offset, in the transaction that applied the entries up to it. */
export async function saveOffset(tx: SqlExecutor, consumer: string, at: FeedPosition, now: number): Promise<void> {
  await tx.run('UPDATE change_offsets SET xid = ?, seq = ?, updated_at = ? WHERE consumer = ?', [at.xid, at.seq, now, consumer]);
}

/** Where the feed stands for a reader that folds committed rows before their entries are applied. */
export interface FeedHorizon {
  /** The earliest stamp a write the consumer has not applied yet can carry; undefined when there is none. */
  readonly pendingFrom: number | undefined;
  /** The last entry recorded so far: once the consumer has applied past it, every write seen now has been applied. */
  readonly last: FeedPosition;
}

/**
 * The horizon of `consumer` past `after` (its offset when omitted): the oldest entry of the sandbox it has not
 * applied, and on PostgreSQL also the start of any transaction still open (its entries are not written yet). A reader
 * in the same transaction can then tell rows the consumer will still be told about (stamped at or after it) from rows
 * it already was.
 */
export async function feedHorizon(tx: SqlExecutor, consumer: string, tenantId: number, concurrentWriters: boolean, after?: FeedPosition): Promise<FeedHorizon> {
  const from = after ?? (await tx.get<{ xid: number; seq: number }>('SELECT xid, seq FROM change_offsets WHERE consumer = ?', [consumer])) ?? { xid: 0, seq: 0 };
  const entry = await tx.get<{ at: number | null }>('SELECT MIN(at) AS at FROM changes WHERE (xid, seq) > (?, ?) AND tenant_id = ?', [Number(from.xid), Number(from.seq), tenantId]);
  let pendingFrom = entry?.at === null || entry?.at === undefined ? undefined : Number(entry.at);
  if (concurrentWriters) {
    // The activity view is read once per transaction unless cleared; a second of slack for the two clocks of one host.
    await tx.get('SELECT pg_stat_clear_snapshot() AS x');
    const open = await tx.get<{ at: number | null }>(
      "SELECT (EXTRACT(EPOCH FROM MIN(xact_start)) * 1000)::bigint - 1000 AS at FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL",
    );
    if (open?.at !== null && open?.at !== undefined) pendingFrom = Math.min(pendingFrom ?? Number.POSITIVE_INFINITY, Number(open.at));
  }
  const last = await tx.get<{ xid: number; seq: number }>('SELECT xid, seq FROM changes ORDER BY xid DESC, seq DESC LIMIT 1');
  return { pendingFrom, last: last ? { xid: Number(last.xid), seq: Number(last.seq) } : { xid: 0, seq: 0 } };
}

/** Every consumer's offset. */
export async function offsets(tx: SqlExecutor): Promise<Map<string, FeedPosition>> {
  const rows = await tx.all<{ consumer: string; xid: number; seq: number }>('SELECT consumer, xid, seq FROM change_offsets');
  return new Map(rows.map((r) => [r.consumer, { xid: Number(r.xid), seq: Number(r.seq) }]));
}

/**
 * Removes entries every consumer has passed; returns how many. Every consumer that ever registered keeps an offset row,
 * so a process that does not run one still keeps its entries (delete a retired consumer's row to let them go). With
 * no consumer at all nothing derives from the feed, and every entry that can no longer change is removed: a consumer
 * added later starts from a rebuild, never from history.
 */
export async function pruneChanges(tx: SqlExecutor, concurrentWriters: boolean): Promise<number> {
  const all = [...(await offsets(tx)).values()];
  if (all.length === 0) {
    const horizon = concurrentWriters ? ' WHERE xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint' : '';
    return (await tx.run(`DELETE FROM changes${horizon}`)).changes;
  }
  const low = all.reduce((a, b) => (b.xid < a.xid || (b.xid === a.xid && b.seq < a.seq) ? b : a));
  const result = await tx.run('DELETE FROM changes WHERE (xid, seq) <= (?, ?)', [low.xid, low.seq]);
  return result.changes;
}
