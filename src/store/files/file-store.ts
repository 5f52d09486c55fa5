/**
 * The file-store contract: where upload and export files live, by key. A local folder now; API and worker processes on
 * different hosts can share an object store behind the same contract later.
 */
import type { Readable } from 'node:stream';

/** A file being written: it appears under its key only once `commit` returns, whole, or never. */
export interface FileWrite {
  write(bytes: Uint8Array): Promise<void>;
  /** Makes the file visible under its key (replacing any earlier one); returns its size in bytes. */
  commit(): Promise<number>;
  /** Drops what was written. */
  abort(): Promise<void>;
}

/** Files by key: `a/b/c.parquet`-like paths of letters, digits, spaces, `.`, `-`, `_` and `/`, never `..`. */
export interface FileStore {
  /** Starts writing `key`; a crash before `commit` leaves no file under it. */
  create(key: string): Promise<FileWrite>;
  /** The file's bytes, or the inclusive byte range [start, end]. */
  read(key: string, range?: { start: number; end: number }): Readable;
  /** The file's size, or undefined when there is none. */
  size(key: string): Promise<number | undefined>;
  /** Removes every file whose key starts with `prefix/` (a job's or a batch's folder). */
  removeAll(prefix: string): Promise<void>;
  /** Removes what writes under `prefix/` left uncommitted (a writer killed mid-file); committed files stay. */
  sweep(prefix: string): Promise<void>;
}

const SAFE_KEY = /^[\w.-][\w. -]*(\/[\w.-][\w. -]*)*$/;

/** Refuses a key that could leave the store's root (`..`, absolute paths, odd characters): keys are built by code. */
export function assertKey(key: string): void {
  if (!SAFE_KEY.test(key) || key.split('/').some((part) => part === '..' || part === '.')) throw new Error(`file-store key '${key}' is not a safe key`);
}

/** The folder of a batch's uploaded files, or of a tenant's (without a batch). */
export function uploadsFolder(tenantId: number, batchId?: string): string {
  return batchId === undefined ? `uploads/${tenantId}` : `uploads/${tenantId}/${batchId}`;
}

/** The folder of an export batch's files, or of a tenant's (without a batch). */
export function exportsFolder(tenantId: number, batchId?: string): string {
  return batchId === undefined ? `exports/${tenantId}` : `exports/${tenantId}/${batchId}`;
}
