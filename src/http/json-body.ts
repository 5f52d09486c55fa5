/** Our JSON body parser: errors name the position, line and column, and prototype-polluting keys are refused. */
import { DomainError } from '../shared/errors.js';
import { jsonErrorOffset } from './json-error-offset.js';

const SUSPICIOUS = /"(?:__proto__|constructor|prototype)"\s*:/;

/** Parses a request body; throws JSON_MALFORMED with where the text went wrong. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') throw new DomainError('BODY_EMPTY', 'Body cannot be empty when Content-Type is application/json');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new DomainError('JSON_MALFORMED', describeJsonError(text, (err as Error).message));
  }
  if (SUSPICIOUS.test(text)) assertNoForbiddenKeys(value);
  return value;
}

/** Turns V8's message into one that always says where: "Malformed JSON at line 1, column 9 (position 8): …". */
export function describeJsonError(text: string, message: string): string {
  const position = jsonErrorOffset(text);
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  const found = position < text.length ? `unexpected ${JSON.stringify(text[position])}` : 'unexpected end of input';
  const reason = `${found} (${message.replace(/,\s*(?:\.\.\.)?"[\s\S]*$/, '').replace(/\s*in JSON at position \d+.*$/s, '')})`;
  return `Malformed JSON at line ${line}, column ${column} (position ${position}): ${reason}`;
}

function assertNoForbiddenKeys(value: unknown): void {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    for (const key of Object.keys(node)) {
      if (key === '__proto__' || (key === 'constructor' && typeof (node as Record<string, unknown>)[key] === 'object')) {
        throw new DomainError('JSON_FORBIDDEN_KEY', `JSON key '${key}' is not allowed`);
      }
      stack.push((node as Record<string, unknown>)[key]);
    }
  }
}
