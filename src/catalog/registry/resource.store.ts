/** Storage of tenant XDM resources (schemas, field groups, data types, classes) in `xdm_resources`. */
import type { SqlExecutor } from '../../store/db.js';
import type { XdmResource } from '../xdm/index.js';
import type { RegistryKind } from './tenant.js';

/** One stored resource; `body` is the wire JSON the schema resolver composes. */
export interface StoredResource {
  readonly id: string;
  readonly altId: string;
  readonly kind: RegistryKind;
  readonly title: string;
  readonly version: string;
  readonly body: XdmResource;
  readonly createdAt: number;
  readonly modifiedAt: number;
}

interface Row {
  id: string;
  alt_id: string;
  kind: string;
  title: string;
  version: string;
  body: string;
  created_at: number;
  modified_at: number;
}

const COLUMNS = 'id, alt_id, kind, title, version, body, created_at, modified_at';

function fromRow(row: Row): StoredResource {
  return {
    id: row.id,
    altId: row.alt_id,
    kind: row.kind as RegistryKind,
    title: row.title,
    version: row.version,
    body: JSON.parse(row.body) as XdmResource,
    createdAt: Number(row.created_at),
    modifiedAt: Number(row.modified_at),
  };
}

/** Every resource of a sandbox, or of one kind, oldest first. */
export async function listResources(db: SqlExecutor, tenantId: number, kind?: RegistryKind): Promise<StoredResource[]> {
  const rows =
    kind === undefined
      ? await db.all<Row>(`SELECT ${COLUMNS} FROM xdm_resources WHERE tenant_id = ? ORDER BY created_at, id`, [tenantId])
      : await db.all<Row>(`SELECT ${COLUMNS} FROM xdm_resources WHERE tenant_id = ? AND kind = ? ORDER BY created_at, id`, [tenantId, kind]);
  return rows.map(fromRow);
}

/** The resource whose `$id` or `meta:altId` is `key`, or undefined. */
export async function findResource(db: SqlExecutor, tenantId: number, key: string): Promise<StoredResource | undefined> {
  const row = await db.get<Row>(`SELECT ${COLUMNS} FROM xdm_resources WHERE tenant_id = ? AND (id = ? OR alt_id = ?)`, [tenantId, key, key]);
  return row === undefined ? undefined : fromRow(row);
}

/** Inserts a new resource. */
export async function insertResource(db: SqlExecutor, tenantId: number, r: StoredResource): Promise<void> {
  await db.run(
    `INSERT INTO xdm_resources (tenant_id, ${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [tenantId, r.id, r.altId, r.kind, r.title, r.version, JSON.stringify(r.body), r.createdAt, r.modifiedAt],
  );
}

/** Overwrites a resource's title, version and body (its ids and kind never change). */
export async function updateResource(db: SqlExecutor, tenantId: number, r: StoredResource): Promise<void> {
  await db.run(
    'UPDATE xdm_resources SET title = ?, version = ?, body = ?, modified_at = ? WHERE tenant_id = ? AND id = ?',
    [r.title, r.version, JSON.stringify(r.body), r.modifiedAt, tenantId, r.id],
  );
}

/** Deletes a resource; true when a row went. */
export async function deleteResource(db: SqlExecutor, tenantId: number, id: string): Promise<boolean> {
  return (await db.run('DELETE FROM xdm_resources WHERE tenant_id = ? AND id = ?', [tenantId, id])).changes > 0;
}

/** Ids of the datasets built on a schema, so a schema in use is not deleted from under them. */
export async function datasetsUsing(db: SqlExecutor, tenantId: number, ids: readonly string[]): Promise<string[]> {
  const rows = await db.all<{ id: string }>(
    `SELECT id FROM datasets WHERE tenant_id = ? AND schema_id IN (${ids.map(() => '?').join(', ')}) ORDER BY id`,
    [tenantId, ...ids],
  );
  return rows.map((r) => r.id);
}
