/** Batch preview: the first records of a batch's uploaded files as columns and rows, read record by record. */
import { access } from 'node:fs/promises';
import type { Db } from '../../store/db.js';
import { DomainError } from '../../shared/errors.js';
import type { BatchService } from './batch.service.js';
import * as rows from './batch.store.js';
import { type FileFormat, checkFile, readRecords } from './readers.js';

/** Rows a preview shows when the caller asks for none (nrow=0, the spec's default), and at most. */
export const PREVIEW_DEFAULT_ROWS = 10;
export const PREVIEW_MAX_ROWS = 100;

/** The import API's Preview: columns `{cid, name}` and rows keyed by column id. */
export interface Preview {
  readonly columns: Array<{ cid: string; name: string }>;
  readonly rows: Array<Record<string, string>>;
}

const cell = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/**
 * The first `nrow` records of the batch's files (upload-name order), columns being their top-level fields in order of
 * first appearance. Files are read while on disk: after processing they are removed, and the preview is empty.
 */
export async function previewBatch(db: Db, batches: BatchService, tenantId: number, batchId: string, datasetId: string, nrow: number): Promise<Preview> {
  const batch = await batches.get(tenantId, batchId);
  const wanted = Math.min(nrow === 0 ? PREVIEW_DEFAULT_ROWS : nrow, PREVIEW_MAX_ROWS);
  const columns = new Map<string, string>();
  const out: Array<Record<string, string>> = [];
  if (batch.datasetId !== datasetId) {
    throw new DomainError('BATCH_DATASET_MISMATCH', `Batch '${batchId}' belongs to dataset '${batch.datasetId}', not '${datasetId}'`);
  }
  for (const file of await rows.listFiles(db, tenantId, batchId)) {
    if (out.length >= wanted) break;
    if (!(await access(file.path).then(() => true, () => false))) continue;
    // A file that is not what the batch claims previews nothing, as the job would refuse it; one that breaks partway
    // (truncated gzip, say) previews the rows before the break.
    if ((await checkFile(file.path, batch.format as FileFormat)) !== undefined) continue;
    try {
      for await (const r of readRecords(file.path)) {
        if ('error' in r) continue;
        const row: Record<string, string> = {};
        const fields = r.record !== null && typeof r.record === 'object' && !Array.isArray(r.record) ? Object.entries(r.record) : [['value', r.record] as const];
        for (const [name, value] of fields) {
          if (!columns.has(name)) columns.set(name, String(columns.size));
          row[columns.get(name)!] = cell(value);
        }
        out.push(row);
        if (out.length >= wanted) break;
      }
    } catch {
      continue;
    }
  }
  return { columns: [...columns].map(([name, cid]) => ({ cid, name })), rows: out };
}
