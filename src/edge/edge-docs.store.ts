/** The hub's copy of every projected profile (`edge_docs`), the stream offsets it hands out, and the shared counters. */
import { createHash } from 'node:crypto';
import { type SqlExecutor, rowsStatement } from '../store/db.js';
import { chunks } from '../shared/chunks.js';
import { EDGE_LOCK } from '../store/locks.js';

/** A person's projected profile to store: `doc` is its JSON text, undefined when the person left the projection. */
export interface DocWrite {
  readonly personKey: string;
  readonly doc: string | undefined;
}

/** A stored row as the stream sends it. */
export interface StoredDoc {
  readonly seq: number;
  readonly tenantId: number;
  readonly projectionId: string;
  readonly personKey: string;
  /** JSON text, or null for a tombstone. */
  readonly doc: string | null;
}

/** The counters every process shares. */
export interface EdgeCounters {
  /** The last offset handed out. */
  readonly seq: number;
  /** Moves on every destination or projection change. */
  readonly config: number;
  /** Tombstones at or below it were pruned. */
  readonly horizon: number;
}

/** The notice channel the hub's streams listen on: `config` (the configuration changed) or `docs` (rows to ship). */
export const EDGE_CHANNEL = 'rtprofile_edge';

type Held = [string, string | null, number | null];

const UPSERT = rowsStatement(
  `INSERT INTO edge_docs (tenant_id, projection_id, person_key, seq, doc, digest, read_until, updated_at) @rows
   ON CONFLICT (tenant_id, projection_id, person_key) DO UPDATE SET seq = excluded.seq, doc = excluded.doc, digest = excluded.digest,
     read_until = COALESCE(excluded.read_until, edge_docs.read_until), updated_at = excluded.updated_at`,
  ['bigint', 'text', 'text', 'bigint', 'text', 'text', 'bigint', 'bigint'],
);

/** A short digest of a projected document, so an unchanged projection is not shipped again. */
export function docDigest(doc: string): string {
  return createHash('sha1').update(doc).digest('base64');
}

/** The shared counters. */
export async function readCounters(db: SqlExecutor): Promise<EdgeCounters> {
  const rows = await db.all<{ name: string; value: number }>('SELECT name, value FROM edge_counters');
  const get = (n: string) => Number(rows.find((r) => r.name === n)?.value ?? 0);
  return { seq: get('seq'), config: get('config'), horizon: get('horizon') };
}

/** Moves the config counter, so every stream sends its edges the new configuration. */
export async function bumpConfig(tx: SqlExecutor): Promise<void> {
  await tx.run("UPDATE edge_counters SET value = value + 1 WHERE name = 'config'");
}

/**
 * Takes `n` offsets and returns the first. The counter row stays locked until the transaction ends (PostgreSQL), so
 * offsets commit in the order they are handed out and a stream reading `seq > offset` never skips one that commits late.
 */
async function takeSeqs(tx: SqlExecutor, n: number): Promise<number> {
  await tx.lock(EDGE_LOCK, 0);
  const row = await tx.get<{ value: number }>("UPDATE edge_counters SET value = value + ? WHERE name = 'seq' RETURNING value", [n]);
  return Number(row!.value) - n + 1;
}

/**
 * Stores the writes that change what the hub holds for the projection: a document whose digest differs, or a
 * tombstone for a person held (`force`: every document, unchanged or not). `readUntil` (REACTIVE) extends how long edges' interest keeps them current. Returns how
 * many rows changed (each with a new offset).
 */
export async function writeDocs(tx: SqlExecutor, tenantId: number, projectionId: string, writes: readonly DocWrite[], now: number, readUntil?: number, force = false): Promise<number> {
  if (writes.length === 0) return 0;
  const held = new Map<string, Held>();
  for (const part of chunks(writes.map((w) => w.personKey), 500)) {
    const rows = await tx.values<Held>(
      `SELECT person_key, digest, read_until FROM edge_docs WHERE tenant_id = ? AND projection_id = ? AND person_key IN (${part.map(() => '?').join(', ')})`,
      [tenantId, projectionId, ...part],
    );
    for (const r of rows) held.set(r[0], r);
  }
  const changed: Array<[string, string | null, string | null]> = [];
  for (const w of writes) {
    const before = held.get(w.personKey);
    const digest = w.doc === undefined ? null : docDigest(w.doc);
    const same = digest === null ? before === undefined || before[1] === null : before?.[1] === digest;
    if (same && !(force && digest !== null)) continue;
    changed.push([w.personKey, w.doc ?? null, digest]);
  }
  if (changed.length === 0) {
    if (readUntil !== undefined) await extendReads(tx, tenantId, projectionId, writes.map((w) => w.personKey), readUntil);
    return 0;
  }
  const first = await takeSeqs(tx, changed.length);
  const rows = changed.map(([key, doc, digest], i) => [tenantId, projectionId, key, first + i, doc, digest, readUntil ?? null, now]);
  await tx.runRows(UPSERT, [], rows);
  await tx.notify(EDGE_CHANNEL, 'docs');
  if (readUntil !== undefined) await extendReads(tx, tenantId, projectionId, writes.map((w) => w.personKey), readUntil);
  return changed.length;
}

/** Extends REACTIVE interest in these people (an edge read them). */
export async function extendReads(tx: SqlExecutor, tenantId: number, projectionId: string, keys: readonly string[], until: number): Promise<void> {
  for (const part of chunks(keys, 500)) {
    await tx.run(
      `UPDATE edge_docs SET read_until = ? WHERE tenant_id = ? AND projection_id = ? AND (read_until IS NULL OR read_until < ?) AND person_key IN (${part.map(() => '?').join(', ')})`,
      [until, tenantId, projectionId, until, ...part],
    );
  }
}

/**
 * Which of these people a REACTIVE projection keeps current: those it holds. An edge's read extends a person's
 * interest (`read_until`); once it lapses, the prune turns the row into a tombstone, and edges drop their copy.
 */
export async function heldAmong(db: SqlExecutor, tenantId: number, projectionId: string, keys: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const part of chunks(keys, 500)) {
    const rows = await db.values<[string]>(
      `SELECT person_key FROM edge_docs WHERE tenant_id = ? AND projection_id = ? AND doc IS NOT NULL AND person_key IN (${part.map(() => '?').join(', ')})`,
      [tenantId, projectionId, ...part],
    );
    for (const [k] of rows) out.add(k);
  }
  return out;
}

/**
 * Sets a projection's interest as its replication policy now means it: none (PROACTIVE rows never lapse), or, for
 * REACTIVE rows without any, `until` (reads then extend it).
 */
export async function resetInterest(tx: SqlExecutor, tenantId: number, projectionId: string, until: number | undefined): Promise<void> {
  if (until === undefined) await tx.run('UPDATE edge_docs SET read_until = NULL WHERE tenant_id = ? AND projection_id = ? AND read_until IS NOT NULL', [tenantId, projectionId]);
  else await tx.run('UPDATE edge_docs SET read_until = ? WHERE tenant_id = ? AND projection_id = ? AND read_until IS NULL', [until, tenantId, projectionId]);
}

/** Every person the hub holds for a projection, a page at a time after `after` (the reproject job walks them). */
export async function heldKeys(db: SqlExecutor, tenantId: number, projectionId: string, after: string, limit: number): Promise<string[]> {
  const rows = await db.values<[string]>(
    'SELECT person_key FROM edge_docs WHERE tenant_id = ? AND projection_id = ? AND person_key > ? AND doc IS NOT NULL ORDER BY person_key LIMIT ?',
    [tenantId, projectionId, after, limit],
  );
  return rows.map((r) => r[0]);
}

/** Rows after `after` in offset order, up to `limit` (the stream filters them by data center). */
export async function docsAfter(db: SqlExecutor, after: number, limit: number): Promise<StoredDoc[]> {
  const rows = await db.values<[number, number, string, string, string | null]>(
    'SELECT seq, tenant_id, projection_id, person_key, doc FROM edge_docs WHERE seq > ? ORDER BY seq LIMIT ?',
    [after, limit],
  );
  return rows.map(([seq, tenantId, projectionId, personKey, doc]) => ({ seq: Number(seq), tenantId: Number(tenantId), projectionId, personKey, doc }));
}

/** One person's stored row for a projection. */
export async function findDoc(db: SqlExecutor, tenantId: number, projectionId: string, personKey: string): Promise<StoredDoc | undefined> {
  const row = await db.get<{ seq: number; doc: string | null }>('SELECT seq, doc FROM edge_docs WHERE tenant_id = ? AND projection_id = ? AND person_key = ?', [tenantId, projectionId, personKey]);
  return row && { seq: Number(row.seq), tenantId, projectionId, personKey, doc: row.doc };
}

/**
 * Turns REACTIVE rows whose interest lapsed before `lapsed` into tombstones (edges drop their copy: nobody read it for
 * a TTL), a few thousand per call; and drops tombstones older than `before` (epoch ms), raising the horizon to the
 * newest offset dropped, so an edge still behind it starts again rather than miss a removal.
 */
export async function pruneDocs(tx: SqlExecutor, before: number, lapsed: number, now: number): Promise<number> {
  const expired = await tx.values<[number, string, string]>(
    'SELECT tenant_id, projection_id, person_key FROM edge_docs WHERE read_until < ? AND doc IS NOT NULL LIMIT 5000',
    [lapsed],
  );
  const groups = new Map<string, { tenantId: number; projectionId: string; keys: string[] }>();
  for (const [tenantId, projectionId, key] of expired) {
    const g = groups.get(`${tenantId}:${projectionId}`) ?? { tenantId: Number(tenantId), projectionId, keys: [] };
    g.keys.push(key);
    groups.set(`${tenantId}:${projectionId}`, g);
  }
  let n = 0;
  for (const g of groups.values()) n += await writeDocs(tx, g.tenantId, g.projectionId, g.keys.map((personKey) => ({ personKey, doc: undefined })), now);
  const top = await tx.get<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM edge_docs WHERE doc IS NULL AND updated_at < ?', [before]);
  if (top?.seq === null || top?.seq === undefined) return n;
  const r = await tx.run('DELETE FROM edge_docs WHERE doc IS NULL AND seq <= ?', [top.seq]);
  await tx.run("UPDATE edge_counters SET value = ? WHERE name = 'horizon' AND value < ?", [top.seq, top.seq]);
  return n + r.changes;
}

/** People the projection holds whose row is older than `belowSeq` (a full reproject did not meet them again). */
export async function staleKeys(db: SqlExecutor, tenantId: number, projectionId: string, belowSeq: number, limit: number): Promise<string[]> {
  const rows = await db.values<[string]>(
    'SELECT person_key FROM edge_docs WHERE tenant_id = ? AND projection_id = ? AND seq < ? AND doc IS NOT NULL LIMIT ?',
    [tenantId, projectionId, belowSeq, limit],
  );
  return rows.map((r) => r[0]);
}
