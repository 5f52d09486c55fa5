/** PqlError: the one error type PQL throws, with a stable code, a position and a caret excerpt. */

/** Every PQL error code; callers match on these, never on message text. */
export const PQL_ERROR_CODES = [
  'PQL_SOURCE_TOO_LONG',
  'PQL_BAD_CHARACTER',
  'PQL_UNTERMINATED_STRING',
  'PQL_BAD_ESCAPE',
  'PQL_BAD_NUMBER',
  'PQL_SYNTAX',
  'PQL_TOO_DEEP',
  'PQL_CHAIN_TOO_LONG',
  'PQL_DUPLICATE',
  'PQL_UNKNOWN_FUNCTION',
  'PQL_ARITY',
  'PQL_BAD_ARGUMENT',
  'PQL_BAD_REGEX',
  'PQL_UNBOUND',
  'PQL_UNKNOWN_FIELD',
  'PQL_FORBIDDEN_FIELD',
  'PQL_TYPE',
  'PQL_JSON',
  'PQL_NOT_REPRESENTABLE',
  'PQL_STEP_LIMIT',
] as const;

export type PqlErrorCode = (typeof PQL_ERROR_CODES)[number];

/** Field names that reach an object's prototype chain; PQL refuses them wherever a path is written. */
const FORBIDDEN_FIELDS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Throws PQL_FORBIDDEN_FIELD for a field name such as `__proto__`; `span` and `source` place it in pql/text. */
export function assertFieldName(name: string, span?: Span, source?: string): void {
  if (FORBIDDEN_FIELDS.has(name)) throw new PqlError('PQL_FORBIDDEN_FIELD', `the field name '${name}' is not allowed`, span, source);
}

/** Where in the source text a node or token sits; offsets are UTF-16 indexes, line and column are 1-based. */
export interface Span {
  readonly start: number;
  readonly end: number;
  readonly line: number;
  readonly column: number;
}

/** An error raised by any PQL pass; `message` starts with `PQL line:col:` when the position is known. */
export class PqlError extends Error {
  override readonly name = 'PqlError';
  readonly code: PqlErrorCode;
  /** The message without the `PQL 1:2:` prefix. */
  readonly detail: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly span: Span | undefined;
  /** The offending source line with a caret under the span, or '' when the source is unknown. */
  readonly excerpt: string;

  constructor(code: PqlErrorCode, detail: string, span?: Span, source?: string) {
    super(span ? `PQL ${span.line}:${span.column}: ${detail}` : `PQL: ${detail}`);
    this.code = code;
    this.detail = detail;
    this.span = span;
    this.line = span?.line;
    this.column = span?.column;
    this.excerpt = span && source !== undefined ? caretExcerpt(source, span) : '';
  }

  /** The message and, when known, the caret excerpt below it, as the CLI prints it. */
  format(): string {
    return this.excerpt ? `${this.message}\n${this.excerpt}` : this.message;
  }

  /** The same error, with the excerpt drawn from `source` (for passes that got an AST and learn the text later). */
  withSource(source: string): PqlError {
    return this.excerpt || !this.span ? this : new PqlError(this.code, this.detail, this.span, source);
  }
}

/** The 1-based line and column of a UTF-16 offset. */
export function lineColumn(source: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, source.length);
  for (let i = 0; i < end; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** A span at one offset of `source`, `length` characters long. */
export function spanAt(source: string, start: number, end: number): Span {
  return { start, end, ...lineColumn(source, start) };
}

// Long lines are windowed around the caret so a 64 KiB one-line definition still prints a readable excerpt.
const WINDOW = 100;

function caretExcerpt(source: string, span: Span): string {
  const lineStart = span.start - (span.column - 1);
  let lineEnd = source.indexOf('\n', lineStart);
  if (lineEnd < 0) lineEnd = source.length;
  let from = lineStart;
  let to = lineEnd;
  if (to - from > WINDOW) {
    from = Math.max(lineStart, span.start - WINDOW / 2);
    to = Math.min(lineEnd, from + WINDOW);
  }
  const text = source.slice(from, to).replace(/\t/g, ' ').replace(/\r$/, '');
  const width = Math.max(1, Math.min(span.end, to) - span.start);
  const prefix = from > lineStart ? '…' : '';
  const suffix = to < lineEnd ? '…' : '';
  const pad = ' '.repeat(span.start - from + prefix.length);
  return `  ${prefix}${text}${suffix}\n  ${pad}${'^'.repeat(width)}`;
}
