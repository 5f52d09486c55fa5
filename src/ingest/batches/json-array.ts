/** Splits a streamed top-level JSON array into the text of each element, holding one element in memory at a time. */

/** One element's text, or a problem with the array itself (which ends the stream). */
export type ArrayPart = { text: string } | { error: string };

/**
 * Yields each element's JSON text; a syntax problem at the array level ends the stream with an error part, and so
 * does an element longer than `maxElement` characters (what one element may hold in memory: a gzip file of a
 * megabyte can expand to gigabytes without a comma).
 */
export async function* splitJsonArray(chunks: AsyncIterable<string | Buffer>, maxElement = Number.POSITIVE_INFINITY): AsyncGenerator<ArrayPart> {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let started = false;
  let current = '';
  let closed = false;
  for await (const raw of chunks) {
    const chunk = typeof raw === 'string' ? raw : raw.toString('utf8');
    let from = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (closed) {
        if (c.trim() !== '') {
          yield { error: 'JSON array: text after the closing ]' };
          return;
        }
        continue;
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (c === '\\') escaped = true;
        else if (c === '"') inString = false;
        continue;
      }
      if (!started) {
        if (c === '[') {
          started = true;
          depth = 1;
          from = i + 1;
        }
        continue;
      }
      if (c === '"') inString = true;
      else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) {
          current += chunk.slice(from, i);
          if (current.trim() !== '') yield { text: current.trim() };
          current = '';
          closed = true;
          continue;
        }
      } else if (c === ',' && depth === 1) {
        current += chunk.slice(from, i);
        yield { text: current.trim() };
        current = '';
        from = i + 1;
      }
    }
    if (started && !closed) current += chunk.slice(from);
    if (current.length > maxElement) {
      yield { error: `JSON array: an element is longer than ${maxElement} characters` };
      return;
    }
  }
  if (!closed) yield { error: started ? 'JSON array: not closed with ]' : 'JSON array: no [ found' };
}
