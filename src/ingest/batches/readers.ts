/** Streams the records of an uploaded file in bounded memory: NDJSON or a JSON array (plain or gzip), or Parquet. */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { type Readable, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { splitJsonArray } from './json-array.js';

/**
 * One record of a file: its parsed value, or why it could not be read. `index` counts records from 0 (the resume
 * point); `row` is where a person finds it, from 1: the line of NDJSON, the element of an array, the Parquet row.
 */
export type FileRecord = { index: number; row: number; record: unknown; text?: string } | { index: number; row: number; error: string };

/** The formats a batch file may have. */
export type FileFormat = 'json' | 'parquet';

/** The file-level problem of a file without records (0 bytes, blank lines, or `[]`). */
export const EMPTY_FILE = 'empty file: no records';

const GZIP = Buffer.from([0x1f, 0x8b]);
const PAR1 = Buffer.from('PAR1', 'latin1');

async function head(path: string, bytes: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(bytes), 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

const isGzip = (start: Buffer) => start.subarray(0, 2).equals(GZIP);

/** Reads the magic bytes: "PAR1" is Parquet, anything else (gzip-compressed or not) is read as JSON. */
export async function sniffFormat(path: string): Promise<FileFormat> {
  return (await head(path, 4)).equals(PAR1) ? 'parquet' : 'json';
}

/** The file's text, decompressed when it starts with gzip's magic bytes. */
async function openText(path: string): Promise<Readable> {
  const raw = createReadStream(path);
  if (!isGzip(await head(path, 2))) return raw.setEncoding('utf8');
  const text = raw.pipe(createGunzip());
  // pipe() forwards no errors: a read error or broken gzip must reach whoever reads `text` (as a rejected read), never
  // go unhandled, which would end the process for every tenant.
  raw.on('error', (err) => text.destroy(err));
  // Destroying the text stream (a reader that stops early) closes the file under the gunzip too.
  text.on('close', () => raw.destroy());
  return text.setEncoding('utf8');
}

/** The first few KB of text (decompressed), without a byte-order mark; empty for an empty file; throws on broken gzip. */
async function textHead(path: string): Promise<string> {
  let text = '';
  const stream = await openText(path);
  try {
    for await (const chunk of stream) {
      text += chunk as string;
      if (text.length >= 4096) break;
    }
  } finally {
    stream.destroy();
  }
  return text.replace(/^\uFEFF/, '');
}

/** What a file's start looks like, for messages that say what it is instead of what it is not. */
function looksLike(text: string): string {
  const first = text.trimStart().split(/\r?\n/, 1)[0] ?? '';
  if (first.startsWith('{') || first.startsWith('[')) return 'JSON';
  if (/[,;\t]/.test(first) && !/[{}]/.test(first)) return 'CSV';
  return 'text';
}

/**
 * Checks a file against the format its batch claims, before any record is read: one file-level problem
 * ("looks like CSV", "not Parquet", "empty file: no records") instead of an error per line, or undefined.
 */
export async function checkFile(path: string, claimed: FileFormat): Promise<string | undefined> {
  const start = await head(path, 4);
  if (start.length === 0) return EMPTY_FILE;
  if (claimed === 'parquet') {
    if (isGzip(start)) return 'not Parquet: the file is gzip-compressed (Parquet compresses its own pages; upload the .parquet file itself)';
    if (!start.equals(PAR1)) return `not Parquet: the file does not start with PAR1 (it looks like ${looksLike(await textHead(path))})`;
    try {
      await parquetMetadataAsync(await asyncBufferFromFile(path));
      return undefined;
    } catch (err) {
      return `not Parquet: its footer cannot be read (${(err as Error).message})`;
    }
  }
  if (start.equals(PAR1)) return 'not JSON: the file is Parquet; create the batch with inputFormat.format "parquet"';
  let text: string;
  try {
    text = await textHead(path);
  } catch (err) {
    return `not gzip-compressed JSON: ${(err as Error).message}`;
  }
  const trimmed = text.trimStart();
  if (trimmed === '') return EMPTY_FILE;
  if (trimmed[0] === '{' || trimmed[0] === '[') return undefined;
  const kind = looksLike(text);
  const firstLine = JSON.stringify(trimmed.split(/\r?\n/, 1)[0]!.slice(0, 60));
  return kind === 'CSV'
    ? `looks like CSV, not JSON (first line ${firstLine}): convert it to NDJSON, one JSON object per line`
    : `not JSON: the file starts with ${firstLine}; expected NDJSON (one object per line) or a JSON array`;
}

/** The records of a file, starting at record `skip` (to resume after a crash); call `checkFile` first. */
export async function* readRecords(path: string, skip = 0): AsyncGenerator<FileRecord> {
  if ((await sniffFormat(path)) === 'parquet') yield* readParquet(path, skip);
  else yield* readJson(path, skip);
}

/** How many records a file holds, read without parsing them (for progress and ETA), or undefined if it cannot tell. */
export async function countRecords(path: string, claimed: FileFormat): Promise<number | undefined> {
  if ((await checkFile(path, claimed)) !== undefined) return undefined;
  if (claimed === 'parquet') {
    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(path));
    return Number(metadata.num_rows);
  }
  let count = 0;
  if ((await textHead(path)).trimStart().startsWith('[')) {
    for await (const part of splitJsonArray(await openText(path))) if ('text' in part) count++;
    return count;
  }
  for await (const line of createInterface({ input: await openText(path), crlfDelay: Infinity })) if (line.trim() !== '') count++;
  return count;
}

async function* readJson(path: string, skip: number): AsyncGenerator<FileRecord> {
  // The file is closed in `finally`, also when a reader (the preview) stops early.
  // Look at the head first: a stream opened before it would decompress (and could fail) with nobody reading it.
  const isArray = (await textHead(path)).trimStart().startsWith('[');
  const input = await openText(path);
  try {
    if (isArray) {
      let index = 0;
      for await (const part of splitJsonArray(input, MAX_RECORD_TEXT)) {
        if (index >= skip) yield 'error' in part ? { index, row: index + 1, error: part.error } : parse(index, index + 1, part.text);
        index++;
      }
      return;
    }
    // NDJSON: one record per non-blank line; the row is the line number, as editors count.
    let index = 0;
    let line = 0;
    // readline holds a whole line in memory, so a line is capped before it gets there.
    const capped = lineCap(MAX_RECORD_TEXT);
    // pipe() forwards no errors: a read error (a broken gzip stream) must reach the loop below through `capped`.
    input.on('error', (err) => capped.destroy(err));
    input.pipe(capped);
    for await (const text of createInterface({ input: capped, crlfDelay: Infinity })) {
      line++;
      if (text.trim() === '') continue;
      if (index >= skip) yield parse(index, line, line === 1 ? text.replace(/^\uFEFF/, '') : text);
      index++;
    }
  } finally {
    input.destroy();
  }
}

/**
 * What one record's text may hold in memory while it is read: far above the record size guardrails (which refuse the
 * record itself), it only stops a line or an element without end from filling memory.
 */
export const MAX_RECORD_TEXT = 16 * 1024 * 1024;

/** Passes text through, failing once a run without a newline passes `max` characters. */
function lineCap(max: number): Transform {
  let run = 0;
  return new Transform({
    decodeStrings: false,
    transform(chunk: Buffer | string, _encoding, done) {
      const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      const newline = text.lastIndexOf('\n');
      run = newline === -1 ? run + text.length : text.length - newline - 1;
      if (run > max) return done(new Error(`a line is longer than ${max} characters`));
      done(null, text);
    },
  });
}

function parse(index: number, row: number, text: string): FileRecord {
  try {
    return { index, row, record: JSON.parse(text), text };
  } catch (err) {
    return { index, row, error: `not valid JSON: ${(err as Error).message}` };
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
      for (const row of rows) {
        yield { index, row: index + 1, record: toJson(row) };
        index++;
      }
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
