/** The messages between the main thread and the SQLite writer thread, and how errors cross between them. */
import type { Config } from '../config/config.js';
import type { Notice } from '../store/notices.js';
import type { SqliteSharing } from '../store/sqlite/sqlite-db.js';
import type { PreparedWrite, WriteOutcome } from '../ingest/ingest.service.js';
import type { ChunkWrite } from '../ingest/batches/batch.processor.js';
import { DomainError, isDomainError } from '../shared/errors.js';

/** What the thread starts from. */
export interface WriterThreadData {
  readonly sharing: SqliteSharing;
  readonly config: Config;
  /** The worker entry module's URL, and tsx's loader for a process started without it. */
  readonly entry: string;
  readonly tsx: string;
}

/** An error as it crosses threads: a domain error keeps its code and details, anything else its message. */
export interface WireError {
  readonly domain: boolean;
  readonly code: string;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

/** Main thread to writer. */
export type ToWriter =
  | { readonly type: 'write'; readonly id: number; readonly tenantId: number; readonly prepared: PreparedWrite; readonly batchId: string | null; readonly inletId: string | undefined }
  | { readonly type: 'chunk'; readonly id: number; readonly job: { readonly jobId: number; readonly owner: string }; readonly checkpoint: unknown; readonly chunk: ChunkWrite }
  | { readonly type: 'notices'; readonly notices: readonly Notice[] }
  | { readonly type: 'feed'; readonly run: boolean }
  | { readonly type: 'stop' };

/** Writer to main thread. */
export type FromWriter =
  | { readonly type: 'ready' }
  | { readonly type: 'fatal'; readonly message: string }
  | { readonly type: 'done'; readonly id: number; readonly outcome: WriteOutcome | boolean }
  | { readonly type: 'failed'; readonly id: number; readonly error: WireError }
  | { readonly type: 'notices'; readonly notices: readonly Notice[] }
  | { readonly type: 'lag'; readonly consumer: string; readonly effect: 'effective' | 'none'; readonly lagsMs: readonly number[] }
  | { readonly type: 'fed'; readonly running: boolean }
  | { readonly type: 'log'; readonly level: 'info' | 'warn' | 'error'; readonly message: string };

/** An error as a plain object that structured clone keeps whole. */
export function toWire(err: unknown): WireError {
  if (isDomainError(err)) return { domain: true, code: err.code, message: err.message, details: JSON.parse(JSON.stringify(err.details)) as Record<string, unknown> };
  const e = err instanceof Error ? err : new Error(String(err));
  return { domain: false, code: 'INTERNAL', message: e.stack ?? e.message };
}

/** The error a wire error stands for, on the receiving thread. */
export function fromWire(w: WireError): Error {
  return w.domain ? new DomainError(w.code, w.message, w.details) : new Error(`writer thread: ${w.message}`);
}
