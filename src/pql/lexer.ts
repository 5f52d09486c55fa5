/** The PQL lexer: source text to a flat token array with positions; keywords stay identifiers for the parser to judge. */
import { PqlError, type Span } from './errors.js';

export type TokenType = 'ident' | 'int' | 'double' | 'string' | 'param' | 'punct' | 'eof';

export interface Token extends Span {
  readonly type: TokenType;
  /** Identifier text, punctuation, or the decoded string. */
  readonly text: string;
  /** The numeric value of int, double and param tokens. */
  readonly number: number;
}

const PUNCT2 = new Set(['!=', '<=', '>=', '=>']);
const PUNCT1 = new Set(['(', ')', '[', ']', '{', '}', ',', '.', ':', '^', '=', '<', '>', '+', '-', '*', '/', '%', '!']);
const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isIdentStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isIdentPart = (c: number): boolean => isIdentStart(c) || isDigit(c);
const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13 || c === 160 || c === 0xfeff;

/** Splits `source` into tokens, ending with one `eof` token. */
export function lex(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const fail = (code: ConstructorParameters<typeof PqlError>[0], detail: string, start: number, end: number): never => {
    throw new PqlError(code, detail, { start, end, line, column: start - lineStart + 1 }, source);
  };
  const push = (type: TokenType, text: string, start: number, number = 0, startLine = line, startCol = start - lineStart + 1): void => {
    tokens.push({ type, text, number, start, end: i, line: startLine, column: startCol });
  };
  while (i < source.length) {
    const c = source.charCodeAt(i);
    if (isSpace(c)) {
      if (c === 10) {
        line++;
        lineStart = i + 1;
      }
      i++;
      continue;
    }
    const start = i;
    if (isIdentStart(c)) {
      while (i < source.length && isIdentPart(source.charCodeAt(i))) i++;
      push('ident', source.slice(start, i), start);
    } else if (isDigit(c)) {
      lexNumber();
    } else if (c === 34) {
      lexString();
    } else if (c === 36) {
      i++;
      while (i < source.length && isDigit(source.charCodeAt(i))) i++;
      const digits = source.slice(start + 1, i);
      if (!digits) fail('PQL_BAD_CHARACTER', "expected a parameter number after '$'", start, i);
      const position = Number(digits);
      if (position < 1 || position > 99) fail('PQL_BAD_NUMBER', `parameter $${digits} is out of range ($1 to $99)`, start, i);
      push('param', source.slice(start, i), start, position);
    } else {
      const two = source.slice(i, i + 2);
      if (PUNCT2.has(two)) {
        i += 2;
        push('punct', two, start);
      } else if (PUNCT1.has(source[i]!)) {
        i++;
        push('punct', source[start]!, start);
      } else {
        const ch = String.fromCodePoint(source.codePointAt(i)!);
        const shown = c === 39 ? "'\\''; strings use double quotes" : JSON.stringify(ch);
        fail('PQL_BAD_CHARACTER', `unexpected character ${shown}`, start, start + ch.length);
      }
    }
  }
  tokens.push({ type: 'eof', text: '', number: 0, start: i, end: i, line, column: i - lineStart + 1 });
  return tokens;

  function lexNumber(): void {
    const start = i;
    let type: TokenType = 'int';
    while (i < source.length && isDigit(source.charCodeAt(i))) i++;
    if (source[i] === '.' && isDigit(source.charCodeAt(i + 1))) {
      type = 'double';
      i++;
      while (i < source.length && isDigit(source.charCodeAt(i))) i++;
    }
    if ((source[i] === 'e' || source[i] === 'E') && /^[eE][+-]?\d/.test(source.slice(i, i + 3))) {
      type = 'double';
      i += source[i + 1] === '+' || source[i + 1] === '-' ? 2 : 1;
      while (i < source.length && isDigit(source.charCodeAt(i))) i++;
    }
    if (i < source.length && isIdentPart(source.charCodeAt(i))) {
      fail('PQL_BAD_NUMBER', `a number must not run into letters: '${source.slice(start, i + 1)}'`, start, i + 1);
    }
    const text = source.slice(start, i);
    const value = Number(text);
    if (type === 'int' && !Number.isSafeInteger(value)) {
      fail('PQL_BAD_NUMBER', `integer ${text} is too large (at most ${Number.MAX_SAFE_INTEGER})`, start, i);
    }
    if (!Number.isFinite(value)) fail('PQL_BAD_NUMBER', `number ${text} is out of range`, start, i);
    push(type, text, start, value);
  }

  function lexString(): void {
    const start = i;
    const startLine = line;
    const startCol = start - lineStart + 1;
    let out = '';
    i++;
    for (;;) {
      if (i >= source.length) {
        throw new PqlError('PQL_UNTERMINATED_STRING', 'unterminated string: expected a closing \'"\'', {
          start, end: i, line: startLine, column: startCol,
        }, source);
      }
      const ch = source[i]!;
      if (ch === '"') break;
      if (ch === '\n') {
        line++;
        lineStart = i + 1;
      }
      if (ch !== '\\') {
        out += ch;
        i++;
        continue;
      }
      const e = source[i + 1];
      if (e === 'u') {
        const hex = source.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('PQL_BAD_ESCAPE', 'expected four hex digits after \\u', i, i + 2 + hex.length);
        out += String.fromCharCode(parseInt(hex, 16));
        i += 6;
      } else if (e !== undefined && Object.hasOwn(ESCAPES, e)) {
        out += ESCAPES[e];
        i += 2;
      } else {
        const shown = e === undefined ? 'end of input' : `'\\${e}'`;
        fail('PQL_BAD_ESCAPE', `unknown escape ${shown} in a string (write a backslash as \\\\)`, i, i + 2);
      }
    }
    i++;
    push('string', out, start, 0, startLine, startCol);
  }
}

/** How an error message shows a token: `'from'`, `string "a"`, `end of input`. */
export function describe(token: Token): string {
  switch (token.type) {
    case 'eof': return 'end of input';
    case 'string': return `string ${JSON.stringify(token.text.length > 30 ? token.text.slice(0, 30) + '…' : token.text)}`;
    default: return `'${token.text}'`;
  }
}
