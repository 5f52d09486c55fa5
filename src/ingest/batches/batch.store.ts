/** Batch, batch-file and batch-error rows. */
import type { SqlExecutor } from '../../store/db.js';
import { BATCH_JOB, type Batch, type BatchError, type BatchStatus } from './batch.js';

interface Row {
  tenant_id: number;
  id: string;
  dataset_id: string;
  status: string;
  format: string;
  records_total: number;
  records_failed: number;
  body: string;
  created_at: number;
  modified_at: number;
  started_at: number | null;
  completed_at: number | null;
}

const COLUMNS = 'tenant_id, id, dataset_id, status, format, records_total, records_failed, body, created_at, modified_at, started_at, completed_at';
const num = (v: number | null) => (v === null ? null : Number(v));

function toBatch(r: Row): Batch {
  return {
    tenantId: Number(r.tenant_id),
    id: r.id,
    datasetId: r.dataset_id,
    status: r.status as BatchStatus,
    format: r.format,
    recordsTotal: Number(r.records_total),
    recordsFailed: Number(r.records_failed),
    body: JSON.parse(r.body) as Record<string, unknown>,
    createdAt: Number(r.created_at),
    modifiedAt: Number(r.modified_at),
    startedAt: num(r.started_at),
    completedAt: num(r.completed_at),
  };
}

/** One batch of a sandbox. */
export async function findBatch(db: SqlExecutor, tenantId: number, id: string): Promise<Batch | undefined> {
  const row = await db.get<Row>(`SELECT ${COLUMNS} FROM batches WHERE tenant_id = ? AND id = ?`, [tenantId, id]);
  return row && toBatch(row);
}

/** A page of batches, newest first, optionally of one dataset. */
export async function listBatches(db: SqlExecutor, tenantId: number, page: { limit: number; start: number; datasetId?: string }): Promise<Batch[]> {
  const filter = page.datasetId === undefined ? '' : ' AND dataset_id = ?';
  const params = page.datasetId === undefined ? [tenantId, page.limit, page.start] : [tenantId, page.datasetId, page.limit, page.start];
  return (await db.all<Row>(`SELECT ${COLUMNS} FROM batches WHERE tenant_id = ?${filter} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`, params)).map(toBatch);
}

/** Inserts a new batch in `loading`; false when the id is taken (two creates of one client-chosen id racing). */
export async function insertBatch(db: SqlExecutor, b: Batch): Promise<boolean> {
  const result = await db.run(`INSERT INTO batches (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, [
    b.tenantId, b.id, b.datasetId, b.status, b.format, b.recordsTotal, b.recordsFailed, JSON.stringify(b.body), b.createdAt, b.modifiedAt, b.startedAt, b.completedAt,
  ]);
  return result.changes === 1;
}

/** Moves a batch to a status, only from one of `from`; returns whether it moved. */
export async function transition(db: SqlExecutor, tenantId: number, id: string, from: readonly BatchStatus[], to: BatchStatus, now: number): Promise<boolean> {
  const marks = from.map(() => '?').join(', ');
  const stamp = to === 'processing' ? ', started_at = ?' : to === 'success' || to === 'failed' || to === 'aborted' ? ', completed_at = ?' : '';
  const params = [to, now, ...(stamp ? [now] : []), tenantId, id, ...from];
  const result = await db.run(`UPDATE batches SET status = ?, modified_at = ?${stamp} WHERE tenant_id = ? AND id = ? AND status IN (${marks})`, params);
  return result.changes === 1;
}

/** Adds to a batch's record counts. */
export async function addCounts(db: SqlExecutor, tenantId: number, id: string, total: number, failed: number, now: number): Promise<void> {
  await db.run('UPDATE batches SET records_total = records_total + ?, records_failed = records_failed + ?, modified_at = ? WHERE tenant_id = ? AND id = ?', [
    total, failed, now, tenantId, id,
  ]);
}

/** Records an uploaded file (a re-upload of the same name replaces it). */
export async function upsertFile(db: SqlExecutor, f: { tenantId: number; batchId: string; name: string; datasetId: string; path: string; size: number; now: number }): Promise<void> {
  await db.run(
    `INSERT INTO batch_files (tenant_id, batch_id, name, dataset_id, path, size, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (tenant_id, batch_id, name) DO UPDATE SET path = excluded.path, size = excluded.size, created_at = excluded.created_at`,
    [f.tenantId, f.batchId, f.name, f.datasetId, f.path, f.size, f.now],
  );
}

/** A batch's files in upload-name order (the order they are processed in). */
export async function listFiles(db: SqlExecutor, tenantId: number, batchId: string): Promise<Array<{ name: string; path: string; size: number }>> {
  const rows = await db.all<{ name: string; path: string; size: number }>('SELECT name, path, size FROM batch_files WHERE tenant_id = ? AND batch_id = ? ORDER BY name', [tenantId, batchId]);
  return rows.map((r) => ({ ...r, size: Number(r.size) }));
}

/** Stores refused records, numbered after the batch's existing errors. */
export async function insertErrors(db: SqlExecutor, tenantId: number, batchId: string, firstSeq: number, errors: readonly BatchError[]): Promise<void> {
  let seq = firstSeq;
  for (const e of errors) {
    await db.run('INSERT INTO batch_errors (tenant_id, batch_id, seq, file, row_index, code, message, path) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
      tenantId, batchId, seq++, e.file, e.row, e.code, e.message, e.path,
    ]);
  }
}

/** A page of a batch's refused records, in the order they were found. */
export async function listErrors(db: SqlExecutor, tenantId: number, batchId: string, page: { limit: number; start: number }): Promise<BatchError[]> {
  const rows = await db.all<{ file: string; row_index: number; code: string; path: string; message: string }>(
    'SELECT file, row_index, code, path, message FROM batch_errors WHERE tenant_id = ? AND batch_id = ? ORDER BY seq LIMIT ? OFFSET ?',
    [tenantId, batchId, page.limit, page.start],
  );
  return rows.map((r) => ({ file: r.file, row: Number(r.row_index), code: r.code, path: r.path, message: r.message }));
}

/** Rewrites a batch's stored body (Catalog's mutable fields live there) if it is still `read`; returns whether it was. */
export async function updateBody(db: SqlExecutor, read: Batch, body: Readonly<Record<string, unknown>>, now: number): Promise<boolean> {
  const result = await db.run('UPDATE batches SET body = ?, modified_at = ? WHERE tenant_id = ? AND id = ? AND body = ? AND status = ?', [
    JSON.stringify(body), now, read.tenantId, read.id, JSON.stringify(read.body), read.status,
  ]);
  return result.changes === 1;
}

/** Deletes a batch's row, file rows and error rows (not the profile data it wrote). */
export async function deleteBatchRows(db: SqlExecutor, tenantId: number, id: string): Promise<void> {
  for (const table of ['batch_files', 'batch_errors']) await db.run(`DELETE FROM ${table} WHERE tenant_id = ? AND batch_id = ?`, [tenantId, id]);
  // The batch's job goes too: a batch created again under the same id must get a fresh job, not the old one's
  // status and checkpoint (jobs are unique per tenant, kind and ref).
  await db.run('DELETE FROM jobs WHERE tenant_id = ? AND kind = ? AND ref = ?', [tenantId, BATCH_JOB, id]);
  await db.run('DELETE FROM batches WHERE tenant_id = ? AND id = ?', [tenantId, id]);
}

/** The newest batch of each dataset, optionally only those in one status; one ranked query per call. */
export async function newestPerDataset(
  db: SqlExecutor,
  tenantId: number,
  datasetIds: readonly string[],
  status?: BatchStatus,
): Promise<Map<string, { id: string; status: BatchStatus; createdAt: number; modifiedAt: number }>> {
  if (datasetIds.length === 0) return new Map();
  const marks = datasetIds.map(() => '?').join(', ');
  const filter = status === undefined ? '' : ' AND status = ?';
  const rows = await db.all<{ dataset_id: string; id: string; status: string; created_at: number; modified_at: number }>(
    `SELECT dataset_id, id, status, created_at, modified_at FROM (
       SELECT dataset_id, id, status, created_at, modified_at, ROW_NUMBER() OVER (PARTITION BY dataset_id ORDER BY created_at DESC, id DESC) AS rn
       FROM batches WHERE tenant_id = ? AND dataset_id IN (${marks})${filter}) ranked
     WHERE rn = 1`,
    [tenantId, ...datasetIds, ...(status === undefined ? [] : [status])],
  );
  return new Map(rows.map((r) => [r.dataset_id, { id: r.id, status: r.status as BatchStatus, createdAt: Number(r.created_at), modifiedAt: Number(r.modified_at) }]));
}
