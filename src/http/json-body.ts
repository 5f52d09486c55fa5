/** Our JSON body parser: errors name the position, line and column; the parsed value is screened (shared/json-screen). */
import { DomainError } from '../shared/errors.js';
import { describeJsonProblem, screenJson } from '../shared/json-screen.js';
import { jsonErrorOffset } from './json-error-offset.js';

/**
 * Parses a request body; throws JSON_MALFORMED with where the text went wrong. The parsed value is screened for
 * prototype keys, depth and NUL unless `screen` is false: routes that carry records screen each record alone, so
 * that one poison record is refused without failing its neighbours.
 */
export function parseJsonBody(text: string, screen = true): unknown {
  if (text.trim() === '') throw new DomainError('BODY_EMPTY', 'Body cannot be empty when Content-Type is application/json');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new DomainError('JSON_MALFORMED', describeJsonError(text, (err as Error).message));
  }
  if (screen) {
    const problem = screenJson(value);
    if (problem) throw new DomainError(problem.code, describeJsonProblem(problem), { errors: [{ path: problem.path, code: problem.code, message: problem.reason }] });
  }
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
