/** Streams the records of an uploaded file in bounded memory: NDJSON, a JSON array, or Parquet (row group by row group). */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { splitJsonArray } from './json-array.js';

/** One record of a file: its parsed value, or why it could not be read. `index` counts from 0 within the file. */
export type FileRecord = { index: number; record: unknown; text?: string } | { index: number; error: string };

/** The formats a batch file may have. */
export type FileFormat = 'json' | 'parquet';

/** Reads the first bytes to tell Parquet ("PAR1") from JSON. */
export async function sniffFormat(path: string): Promise<FileFormat> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4), 0, 4, 0);
    return bytesRead === 4 && buffer.toString('latin1') === 'PAR1' ? 'parquet' : 'json';
  } finally {
    await handle.close();
  }
}

/** The records of a file, starting at record `skip` (to resume after a crash). */
export async function* readRecords(path: string, skip = 0): AsyncGenerator<FileRecord> {
  if ((await sniffFormat(path)) === 'parquet') yield* readParquet(path, skip);
  else yield* readJson(path, skip);
}

async function firstChar(path: string): Promise<string> {
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 4096 })) {
    const trimmed = (chunk as string).trimStart();
    if (trimmed !== '') return trimmed[0]!;
  }
  return '';
}

async function* readJson(path: string, skip: number): AsyncGenerator<FileRecord> {
  // The file is closed in `finally`, also when a reader (the preview) stops early.
  const input = createReadStream(path, { encoding: 'utf8' });
  try {
    if ((await firstChar(path)) === '[') {
      let index = 0;
      for await (const part of splitJsonArray(input)) {
        if (index >= skip) yield 'error' in part ? { index, error: part.error } : parse(index, part.text);
        index++;
      }
      return;
    }
    // NDJSON: one record per non-blank line.
    let index = 0;
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      if (line.trim() === '') continue;
      if (index >= skip) yield parse(index, line);
      index++;
    }
  } finally {
    input.destroy();
  }
}

function parse(index: number, text: string): FileRecord {
  try {
    return { index, record: JSON.parse(text), text };
  } catch (err) {
    return { index, error: `not valid JSON: ${(err as Error).message}` };
  }
}

async function* readParquet(path: string, skip: number): AsyncGenerator<FileRecord> {
  const file = await asyncBufferFromFile(path);
  const metadata = await parquetMetadataAsync(file);
  let start = 0;
  for (const group of metadata.row_groups) {
    const end = start + Number(group.num_rows);
    if (end > skip) {
      const rows = await parquetReadObjects({ file, metadata, rowStart: Math.max(start, skip), rowEnd: end, compressors });
      let index = Math.max(start, skip);
      for (const row of rows) yield { index: index++, record: toJson(row) };
    }
    start = end;
  }
}

/** Parquet values to JSON values: int64 as numbers, timestamps as ISO strings, bytes as base64, nulls dropped. */
function toJson(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = toJson(v);
    return out;
  }
  return value;
}
