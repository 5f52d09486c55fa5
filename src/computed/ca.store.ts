/** Rows of computed attribute definitions and values; one converter each, shared by every caller. */
import { type SqlExecutor, rowsStatement } from '../store/db.js';
import { chunks } from '../shared/chunks.js';
import type { CaApi, CaStatus, ComputedAttribute } from './ca.js';

interface DefRow {
  tenant_id: number;
  id: string;
  api: string;
  name: string;
  field_path: string;
  status: string;
  version: number;
  body: string;
  created_at: number;
  updated_at: number;
}

/** The members kept in `body`. */
type Body = Omit<ComputedAttribute, 'tenantId' | 'id' | 'api' | 'name' | 'fieldPath' | 'status' | 'version' | 'createdAt' | 'updatedAt'>;

const DEF_COLUMNS = 'tenant_id, id, api, name, field_path, status, version, body, created_at, updated_at';

function toDefinition(r: DefRow): ComputedAttribute {
  return {
    ...(JSON.parse(r.body) as Body),
    tenantId: Number(r.tenant_id),
    id: r.id,
    api: r.api as CaApi,
    name: r.name,
    fieldPath: r.field_path,
    status: r.status as CaStatus,
    version: Number(r.version),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

function bodyOf(ca: ComputedAttribute): string {
  const { tenantId, id, api, name, fieldPath, status, version, createdAt, updatedAt, ...body } = ca;
  return JSON.stringify(body satisfies Body);
}

/** Every definition of a sandbox, oldest first. */
export async function listDefinitions(db: SqlExecutor, tenantId: number): Promise<ComputedAttribute[]> {
  return (await db.all<DefRow>(`SELECT ${DEF_COLUMNS} FROM computed_attributes WHERE tenant_id = ? ORDER BY created_at, id`, [tenantId])).map(toDefinition);
}

/** One definition. */
export async function findDefinition(db: SqlExecutor, tenantId: number, id: string): Promise<ComputedAttribute | undefined> {
  const row = await db.get<DefRow>(`SELECT ${DEF_COLUMNS} FROM computed_attributes WHERE tenant_id = ? AND id = ?`, [tenantId, id]);
  return row && toDefinition(row);
}

/** Inserts a new definition; false when its field (or id) is taken already. */
export async function insertDefinition(tx: SqlExecutor, ca: ComputedAttribute): Promise<boolean> {
  const r = await tx.run(`INSERT INTO computed_attributes (${DEF_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, [
    ca.tenantId, ca.id, ca.api, ca.name, ca.fieldPath, ca.status, ca.version, bodyOf(ca), ca.createdAt, ca.updatedAt,
  ]);
  return r.changes === 1;
}

/** Replaces a definition only if its row is still as read (`updatedAt`); false when another write came first. */
export async function replaceDefinition(tx: SqlExecutor, ca: ComputedAttribute, readAt: number): Promise<boolean> {
  const r = await tx.run(
    'UPDATE computed_attributes SET name = ?, field_path = ?, status = ?, version = ?, body = ?, updated_at = ? WHERE tenant_id = ? AND id = ? AND updated_at = ?',
    [ca.name, ca.fieldPath, ca.status, ca.version, bodyOf(ca), ca.updatedAt, ca.tenantId, ca.id, readAt],
  );
  return r.changes === 1;
}

/** Deletes a definition and its values. */
export async function deleteDefinition(tx: SqlExecutor, tenantId: number, id: string): Promise<void> {
  await tx.run('DELETE FROM computed_values WHERE tenant_id = ? AND ca_id = ?', [tenantId, id]);
  await tx.run('DELETE FROM computed_attributes WHERE tenant_id = ? AND id = ?', [tenantId, id]);
}

/** A person's value of one definition. */
export interface ValueRow {
  readonly clusterId: string;
  readonly caId: string;
  readonly version: number;
  readonly value: unknown;
  /** MOST_RECENT and FIRST: the time of the event the value came from. */
  readonly valueTs: number | null;
  readonly state: string | null;
  readonly expiresAt: number | null;
}

type ValueTuple = [string, string, number, string | null, number | null, string | null, number | null];
const VALUE_COLUMNS = 'cluster_id, ca_id, version, value, value_ts, state, expires_at';

function toValue([clusterId, caId, version, value, valueTs, state, expiresAt]: ValueTuple): ValueRow {
  return {
    clusterId,
    caId,
    version: Number(version),
    value: value === null ? null : (JSON.parse(value) as unknown),
    valueTs: valueTs === null ? null : Number(valueTs),
    state,
    expiresAt: expiresAt === null ? null : Number(expiresAt),
  };
}

/** The values held for these people (all definitions). */
export async function valuesOf(db: SqlExecutor, tenantId: number, clusters: readonly string[]): Promise<ValueRow[]> {
  const out: ValueRow[] = [];
  for (const part of chunks(clusters, 500)) {
    const rows = await db.values<ValueTuple>(`SELECT ${VALUE_COLUMNS} FROM computed_values WHERE tenant_id = ? AND cluster_id IN (${part.map(() => '?').join(', ')})`, [tenantId, ...part]);
    out.push(...rows.map(toValue));
  }
  return out;
}

/** A value to store: null `value` with no state and no expiry removes the row (the definition's empty value is served). */
export type ValueWrite = ValueRow;

const UPSERT_VALUES = rowsStatement(
  `INSERT INTO computed_values (tenant_id, cluster_id, ca_id, version, value, value_ts, state, expires_at, computed_at) @rows
   ON CONFLICT (tenant_id, cluster_id, ca_id) DO UPDATE SET version = excluded.version, value = excluded.value, value_ts = excluded.value_ts,
     state = excluded.state, expires_at = excluded.expires_at, computed_at = excluded.computed_at`,
  ['bigint', 'text', 'text', 'bigint', 'text', 'bigint', 'text', 'bigint', 'bigint'],
);
const DELETE_VALUES = rowsStatement('DELETE FROM computed_values WHERE tenant_id = ? AND (cluster_id, ca_id) IN (@rows)', ['text', 'text']);

/** Writes values, deleting the rows of those that hold nothing; a statement per kind, however many rows. */
export async function writeValues(tx: SqlExecutor, tenantId: number, rows: readonly ValueWrite[], now: number): Promise<void> {
  const empty = (r: ValueWrite) => r.value === null && r.state === null && r.expiresAt === null;
  // The last write for a (person, definition) wins, as it would written one by one.
  const last = new Map(rows.map((r) => [`${r.clusterId}\u0000${r.caId}`, r]));
  const kept = [...last.values()];
  await tx.runRows(DELETE_VALUES, [tenantId], kept.filter(empty).map((r) => [r.clusterId, r.caId]));
  await tx.runRows(
    UPSERT_VALUES,
    [],
    kept.filter((r) => !empty(r)).map((r) => [tenantId, r.clusterId, r.caId, r.version, r.value === null ? null : JSON.stringify(r.value), r.valueTs, r.state, r.expiresAt, now]),
  );
}

/** Removes every value of these people (clusters that merged into another, or are gone). */
export async function deleteValuesOf(tx: SqlExecutor, tenantId: number, clusters: readonly string[]): Promise<void> {
  for (const part of chunks(clusters, 500)) {
    await tx.run(`DELETE FROM computed_values WHERE tenant_id = ? AND cluster_id IN (${part.map(() => '?').join(', ')})`, [tenantId, ...part]);
  }
}

/** People of a definition whose window has moved past an event (or reached a future one) by `now`. */
export async function expiredPeople(db: SqlExecutor, tenantId: number, caId: string, now: number, limit: number): Promise<string[]> {
  const rows = await db.values<[string]>('SELECT cluster_id FROM computed_values WHERE tenant_id = ? AND ca_id = ? AND expires_at <= ? ORDER BY expires_at LIMIT ?', [tenantId, caId, now, limit]);
  return rows.map(([c]) => c);
}
