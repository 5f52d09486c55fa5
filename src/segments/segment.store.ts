/** Rows of segment definitions and of people's membership; one converter each, shared by every caller. */
import { type SqlExecutor, rowsStatement } from '../store/db.js';
import { chunks } from '../shared/chunks.js';
import type { MembershipStatus, SegmentDefinition } from './segment.js';

interface DefRow {
  tenant_id: number;
  id: string;
  name: string;
  version: number;
  body: string;
  created_at: number;
  updated_at: number;
}

/** The members kept in `body`. */
type Body = Omit<SegmentDefinition, 'tenantId' | 'id' | 'name' | 'version' | 'createdAt' | 'updatedAt'>;

const DEF_COLUMNS = 'tenant_id, id, name, version, body, created_at, updated_at';

function toDefinition(r: DefRow): SegmentDefinition {
  return {
    ...(JSON.parse(r.body) as Body),
    tenantId: Number(r.tenant_id),
    id: r.id,
    name: r.name,
    version: Number(r.version),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

function bodyOf(d: SegmentDefinition): string {
  const { tenantId, id, name, version, createdAt, updatedAt, ...body } = d;
  return JSON.stringify(body satisfies Body);
}

/** Every definition of a sandbox, oldest first. */
export async function listDefinitions(db: SqlExecutor, tenantId: number): Promise<SegmentDefinition[]> {
  return (await db.all<DefRow>(`SELECT ${DEF_COLUMNS} FROM segment_definitions WHERE tenant_id = ? ORDER BY created_at, id`, [tenantId])).map(toDefinition);
}

/** One definition. */
export async function findDefinition(db: SqlExecutor, tenantId: number, id: string): Promise<SegmentDefinition | undefined> {
  const row = await db.get<DefRow>(`SELECT ${DEF_COLUMNS} FROM segment_definitions WHERE tenant_id = ? AND id = ?`, [tenantId, id]);
  return row && toDefinition(row);
}

/** Inserts a new definition; false when its name (or id) is taken already. */
export async function insertDefinition(tx: SqlExecutor, d: SegmentDefinition): Promise<boolean> {
  const r = await tx.run(`INSERT INTO segment_definitions (${DEF_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, [
    d.tenantId, d.id, d.name, d.version, bodyOf(d), d.createdAt, d.updatedAt,
  ]);
  return r.changes === 1;
}

/** Replaces a definition only if its row is still as read (`readAt`); false when another write came first. */
export async function replaceDefinition(tx: SqlExecutor, d: SegmentDefinition, readAt: number): Promise<boolean> {
  const r = await tx.run('UPDATE segment_definitions SET name = ?, version = ?, body = ?, updated_at = ? WHERE tenant_id = ? AND id = ? AND updated_at = ?', [
    d.name, d.version, bodyOf(d), d.updatedAt, d.tenantId, d.id, readAt,
  ]);
  return r.changes === 1;
}

/** Deletes a definition and everyone's membership of it. */
export async function deleteDefinition(tx: SqlExecutor, tenantId: number, id: string): Promise<void> {
  await tx.run('DELETE FROM segment_membership WHERE tenant_id = ? AND segment_id = ?', [tenantId, id]);
  await tx.run('DELETE FROM segment_definitions WHERE tenant_id = ? AND id = ?', [tenantId, id]);
}

/** A person's membership of one segment. */
export interface MembershipRow {
  readonly personKey: string;
  readonly segmentId: string;
  readonly status: MembershipStatus;
  readonly version: number;
  /** When the person last entered or exited (lastQualificationTime). */
  readonly qualifiedAt: number;
  /** When time alone may change the answer (streaming definitions that read events); null: never. */
  readonly expiresAt: number | null;
}

type MembershipTuple = [string, string, string, number, number, number | null];

const toMembership = ([personKey, segmentId, status, version, qualifiedAt, expiresAt]: MembershipTuple): MembershipRow => ({
  personKey,
  segmentId,
  status: status as MembershipStatus,
  version: Number(version),
  qualifiedAt: Number(qualifiedAt),
  expiresAt: expiresAt === null ? null : Number(expiresAt),
});

/** The membership rows of these people (every segment). */
export async function membershipOf(db: SqlExecutor, tenantId: number, people: readonly string[]): Promise<MembershipRow[]> {
  const out: MembershipRow[] = [];
  for (const part of chunks(people, 500)) {
    const rows = await db.values<MembershipTuple>(
      `SELECT person_key, segment_id, status, version, qualified_at, expires_at FROM segment_membership WHERE tenant_id = ? AND person_key IN (${part.map(() => '?').join(', ')})`,
      [tenantId, ...part],
    );
    out.push(...rows.map(toMembership));
  }
  return out;
}

const UPSERT_MEMBERSHIP = rowsStatement(
  `INSERT INTO segment_membership (tenant_id, person_key, segment_id, status, version, qualified_at, expires_at, updated_at) @rows
   ON CONFLICT (tenant_id, person_key, segment_id) DO UPDATE SET status = excluded.status, version = excluded.version,
     qualified_at = excluded.qualified_at, expires_at = excluded.expires_at, updated_at = excluded.updated_at`,
  ['bigint', 'text', 'text', 'text', 'bigint', 'bigint', 'bigint', 'bigint'],
);
const DELETE_MEMBERSHIP = rowsStatement('DELETE FROM segment_membership WHERE tenant_id = ? AND (person_key, segment_id) IN (@rows)', ['text', 'text']);

/**
 * Writes membership changes, a statement per kind however many rows (the last write of a person and segment wins);
 * a `none` row without an expiry holds nothing, so it is deleted.
 */
export async function writeMembership(tx: SqlExecutor, tenantId: number, rows: readonly MembershipRow[], now: number): Promise<void> {
  const last = [...new Map(rows.map((r) => [`${r.personKey}\u0000${r.segmentId}`, r])).values()];
  const empty = (r: MembershipRow) => r.status === 'none' && r.expiresAt === null;
  await tx.runRows(DELETE_MEMBERSHIP, [tenantId], last.filter(empty).map((r) => [r.personKey, r.segmentId]));
  await tx.runRows(UPSERT_MEMBERSHIP, [], last.filter((r) => !empty(r)).map((r) => [tenantId, r.personKey, r.segmentId, r.status, r.version, r.qualifiedAt, r.expiresAt, now]));
}

/** People with a row whose answer time may have changed by `now`. */
export async function expiredPeople(db: SqlExecutor, tenantId: number, now: number, limit: number): Promise<string[]> {
  const rows = await db.values<[string]>('SELECT DISTINCT person_key FROM segment_membership WHERE tenant_id = ? AND expires_at <= ? LIMIT ?', [tenantId, now, limit]);
  return rows.map(([k]) => k);
}

/** The sandbox's soonest expiry, if any row has one. */
export async function nextExpiry(db: SqlExecutor, tenantId: number): Promise<number | undefined> {
  const rows = await db.values<[number | null]>('SELECT MIN(expires_at) FROM segment_membership WHERE tenant_id = ?', [tenantId]);
  const v = rows[0]?.[0];
  return v === null || v === undefined ? undefined : Number(v);
}

/** Removes every membership of these people (clusters that merged into another, or are gone). */
export async function deleteMembershipOf(tx: SqlExecutor, tenantId: number, people: readonly string[]): Promise<void> {
  for (const part of chunks(people, 500)) {
    await tx.run(`DELETE FROM segment_membership WHERE tenant_id = ? AND person_key IN (${part.map(() => '?').join(', ')})`, [tenantId, ...part]);
  }
}

/** How many people hold each status of a segment. */
export async function membershipCounts(db: SqlExecutor, tenantId: number, segmentId: string): Promise<{ realized: number; exited: number }> {
  const rows = await db.values<[string, number]>('SELECT status, COUNT(*) FROM segment_membership WHERE tenant_id = ? AND segment_id = ? GROUP BY status', [tenantId, segmentId]);
  const out = { realized: 0, exited: 0 };
  for (const [status, n] of rows) if (status === 'realized' || status === 'exited') out[status] = Number(n);
  return out;
}
