/** Streams an upload body to a file on disk with a byte ceiling, never holding it in memory. */
import { createWriteStream } from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DomainError } from '../../shared/errors.js';

/**
 * Writes `body` to `path` (`append` adds to its end) and returns the bytes written; past `max` bytes the stream stops
 * with the error `tooLarge` builds. The caller removes or truncates what was written on failure.
 */
export async function writeCapped(body: Readable, path: string, max: number, tooLarge: () => DomainError, append = false): Promise<number> {
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > max) done(tooLarge());
      else done(null, chunk);
    },
  });
  await pipeline(body, counter, createWriteStream(path, { flags: append ? 'a' : 'w' }));
  return size;
}
