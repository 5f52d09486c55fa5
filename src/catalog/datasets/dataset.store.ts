/** Dataset rows, and removing a dataset's data from the profile store. */
import type { SqlExecutor } from '../../store/db.js';
import type { Dataset } from './dataset.js';

interface Row {
  tenant_id: number;
  id: string;
  name: string;
  schema_id: string;
  profile_enabled: number;
  identity_enabled: number;
  body: string;
  created_at: number;
  modified_at: number;
}

function toDataset(r: Row): Dataset {
  return {
    tenantId: Number(r.tenant_id),
    id: r.id,
    name: r.name,
    schemaId: r.schema_id,
    profileEnabled: Number(r.profile_enabled) === 1,
    identityEnabled: Number(r.identity_enabled) === 1,
    body: JSON.parse(r.body) as Record<string, unknown>,
    createdAt: Number(r.created_at),
    modifiedAt: Number(r.modified_at),
  };
}

const COLUMNS = 'tenant_id, id, name, schema_id, profile_enabled, identity_enabled, body, created_at, modified_at';

/** One dataset of a sandbox. */
export async function findDataset(db: SqlExecutor, tenantId: number, id: string): Promise<Dataset | undefined> {
  const row = await db.get<Row>(`SELECT ${COLUMNS} FROM datasets WHERE tenant_id = ? AND id = ?`, [tenantId, id]);
  return row && toDataset(row);
}

/** A page of a sandbox's datasets, newest first, optionally filtered by exact name. */
export async function listDatasets(
  db: SqlExecutor,
  tenantId: number,
  page: { limit: number; start: number; name?: string },
): Promise<Dataset[]> {
  const filter = page.name === undefined ? '' : ' AND name = ?';
  const params = page.name === undefined ? [tenantId, page.limit, page.start] : [tenantId, page.name, page.limit, page.start];
  const rows = await db.all<Row>(`SELECT ${COLUMNS} FROM datasets WHERE tenant_id = ?${filter} ORDER BY created_at DESC, id LIMIT ? OFFSET ?`, params);
  return rows.map(toDataset);
}

/** Inserts a new dataset. */
export async function insertDataset(db: SqlExecutor, d: Dataset): Promise<void> {
  await db.run(`INSERT INTO datasets (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
    d.tenantId,
    d.id,
    d.name,
    d.schemaId,
    d.profileEnabled,
    d.identityEnabled,
    JSON.stringify(d.body),
    d.createdAt,
    d.modifiedAt,
  ]);
}

/** Rewrites a dataset's mutable fields. */
export async function updateDataset(db: SqlExecutor, d: Dataset): Promise<void> {
  await db.run('UPDATE datasets SET name = ?, profile_enabled = ?, identity_enabled = ?, body = ?, modified_at = ? WHERE tenant_id = ? AND id = ?', [
    d.name,
    d.profileEnabled,
    d.identityEnabled,
    JSON.stringify(d.body),
    d.modifiedAt,
    d.tenantId,
    d.id,
  ]);
}

/**
 * Deletes the dataset row and its Catalog batches (their files' rows and errors); returns the batches' ids, or
 * undefined when there was no row. Its
 * Profile data is left for the purge job this transaction queues. The row goes first: on PostgreSQL that takes its
 * lock, so a write holding the row (lockExistingDatasets) commits first and its rows are purged too, and a later write
 * finds no dataset.
 */
export async function deleteDatasetRows(db: SqlExecutor, tenantId: number, id: string): Promise<string[] | undefined> {
  if ((await db.run('DELETE FROM datasets WHERE tenant_id = ? AND id = ?', [tenantId, id])).changes === 0) return undefined;
  const batches = (await db.values<[string]>('SELECT id FROM batches WHERE tenant_id = ? AND dataset_id = ?', [tenantId, id])).map(([b]) => b);
  await db.run('DELETE FROM batch_errors WHERE tenant_id = ? AND batch_id IN (SELECT id FROM batches WHERE tenant_id = ? AND dataset_id = ?)', [tenantId, tenantId, id]);
  await db.run('DELETE FROM batch_files WHERE tenant_id = ? AND dataset_id = ?', [tenantId, id]);
  await db.run('DELETE FROM batches WHERE tenant_id = ? AND dataset_id = ?', [tenantId, id]);
  return batches;
}

/**
 * The ids among `ids` whose dataset rows exist, in one statement. With `lock` (stores with concurrent writers) the
 * rows are held FOR KEY SHARE until the transaction ends, as a foreign key check would hold them: writers and dataset
 * updates do not wait for each other, but a delete waits for the writes that hold the row, and a write that waited
 * for a delete finds no row (PostgreSQL re-reads a locked row once its locker commits).
 */
export async function lockExistingDatasets(db: SqlExecutor, tenantId: number, ids: readonly string[], lock: boolean): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const list = ids.map(() => '?').join(', ');
  const found = await db.values<[string]>(`SELECT id FROM datasets WHERE tenant_id = ? AND id IN (${list})${lock ? ' FOR KEY SHARE' : ''}`, [tenantId, ...ids]);
  return new Set(found.map(([id]) => id));
}
