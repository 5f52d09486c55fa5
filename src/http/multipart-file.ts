/** Streams the bytes of the first part of a multipart/form-data body (Adobe's collection sends file chunks that way). */
import { Readable } from 'node:stream';
import { DomainError } from '../shared/errors.js';

/** Part headers larger than this are not a file upload. */
const MAX_PREAMBLE = 16 * 1024;

/** The boundary of a multipart/form-data Content-Type, or undefined when it has none. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data\b/i.test(contentType)) return undefined;
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  return m?.[1] ?? m?.[2];
}

function invalid(message: string): DomainError {
  return new DomainError('MULTIPART_INVALID', message);
}

/**
 * The content of the body's first part, as a stream: the part headers are skipped, and the stream ends at the next
 * boundary. Only a tail the size of the boundary is held back, so memory stays bounded whatever the part's size. Nothing
 * is read until the stream is consumed, so a malformed body fails the consumer, never an unwatched stream.
 */
export function firstPart(body: Readable, boundary: string): Readable {
  return Readable.from(partBytes(body, boundary), { objectMode: false });
}

async function* partBytes(body: Readable, boundary: string): AsyncGenerator<Buffer> {
  const opening = Buffer.from(`--${boundary}`);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  let state: 'preamble' | 'content' | 'done' = 'preamble';
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of body as AsyncIterable<Buffer>) {
    // After the closing delimiter the rest (epilogue, other parts) is read and dropped, so the request ends cleanly.
    if (state === 'done') continue;
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    if (state === 'preamble') {
      const start = pending.indexOf(opening);
      const headersEnd = start < 0 ? -1 : pending.indexOf('\r\n\r\n', start);
      if (headersEnd < 0) {
        if (pending.length > MAX_PREAMBLE) throw invalid(`The multipart body has no part headers ending within ${MAX_PREAMBLE} bytes after its boundary`);
        continue;
      }
      pending = pending.subarray(headersEnd + 4);
      state = 'content';
    }
    const end = pending.indexOf(delimiter);
    if (end >= 0) {
      state = 'done';
      if (end > 0) yield pending.subarray(0, end);
      pending = Buffer.alloc(0);
      continue;
    }
    const safe = Math.max(0, pending.length - (delimiter.length - 1));
    if (safe > 0) yield pending.subarray(0, safe);
    pending = pending.subarray(safe);
  }
  if (state !== 'done') throw invalid(`The multipart body ends before its closing boundary '--${boundary}'`);
}
