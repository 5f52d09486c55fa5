/** Storage of schema descriptors in `xdm_descriptors`: the body is the descriptor JSON, keyed by its `@id`. */
import type { SqlExecutor } from '../../store/db.js';

/** One stored descriptor. */
export interface StoredDescriptor {
  readonly id: string;
  readonly schemaId: string;
  readonly type: string;
  readonly body: Record<string, unknown>;
  readonly createdAt: number;
  readonly modifiedAt: number;
}

interface Row {
  id: string;
  schema_id: string;
  type: string;
  body: string;
  created_at: number;
  modified_at: number;
}

const COLUMNS = 'id, schema_id, type, body, created_at, modified_at';

function fromRow(row: Row): StoredDescriptor {
  return {
    id: row.id,
    schemaId: row.schema_id,
    type: row.type,
    body: JSON.parse(row.body) as Record<string, unknown>,
    createdAt: Number(row.created_at),
    modifiedAt: Number(row.modified_at),
  };
}

/** Every descriptor of a sandbox, or of one schema, oldest first. */
export async function listDescriptors(db: SqlExecutor, tenantId: number, schemaId?: string): Promise<StoredDescriptor[]> {
  const rows =
    schemaId === undefined
      ? await db.all<Row>(`SELECT ${COLUMNS} FROM xdm_descriptors WHERE tenant_id = ? ORDER BY created_at, id`, [tenantId])
      : await db.all<Row>(`SELECT ${COLUMNS} FROM xdm_descriptors WHERE tenant_id = ? AND schema_id = ? ORDER BY created_at, id`, [tenantId, schemaId]);
  return rows.map(fromRow);
}

/** One descriptor by `@id`, or undefined. */
export async function findDescriptor(db: SqlExecutor, tenantId: number, id: string): Promise<StoredDescriptor | undefined> {
  const row = await db.get<Row>(`SELECT ${COLUMNS} FROM xdm_descriptors WHERE tenant_id = ? AND id = ?`, [tenantId, id]);
  return row === undefined ? undefined : fromRow(row);
}

/** Inserts or overwrites a descriptor. */
export async function saveDescriptor(db: SqlExecutor, tenantId: number, d: StoredDescriptor): Promise<void> {
  await db.run(
    `INSERT INTO xdm_descriptors (tenant_id, ${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (tenant_id, id) DO UPDATE SET schema_id = excluded.schema_id, type = excluded.type, body = excluded.body,
       modified_at = excluded.modified_at`,
    [tenantId, d.id, d.schemaId, d.type, JSON.stringify(d.body), d.createdAt, d.modifiedAt],
  );
}

/** Deletes one descriptor; true when a row went. */
export async function deleteDescriptor(db: SqlExecutor, tenantId: number, id: string): Promise<boolean> {
  return (await db.run('DELETE FROM xdm_descriptors WHERE tenant_id = ? AND id = ?', [tenantId, id])).changes > 0;
}

/** Deletes every descriptor of a schema (a deleted schema takes its descriptors with it). */
export async function deleteSchemaDescriptors(db: SqlExecutor, tenantId: number, schemaId: string): Promise<void> {
  await db.run('DELETE FROM xdm_descriptors WHERE tenant_id = ? AND schema_id = ?', [tenantId, schemaId]);
}
