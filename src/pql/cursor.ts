/** The parser's token cursor: lookahead, expectations that fail with a helpful PqlError, spans, depth and scopes. */
import { PqlError, type PqlErrorCode, type Span } from './errors.js';
import { describe, type Token } from './lexer.js';

/** Words that can never be a bare field or variable name (they are compared case-insensitively). */
export const RESERVED = new Set([
  'and', 'or', 'not', 'in', 'notin', 'like', 'occurs', 'between', 'select', 'exists', 'forall', 'where', 'let',
  'true', 'false', 'null', 'xevent', 'this', 'now', 'today', 'yesterday', 'tomorrow', 'over', 'from',
]);

export const CMP_OPS = new Set(['=', '!=', '<', '<=', '>', '>=']);

/** Token navigation shared by the parser and its special forms. */
export class Cursor {
  protected pos = 0;
  protected depth = 0;
  /** Set while parsing a let's bound value, so its first top-level `in` ends it; brackets reset it. */
  noIn = false;
  private readonly scopes: string[][] = [];

  constructor(
    readonly source: string,
    protected readonly tokens: readonly Token[],
    protected readonly maxDepth: number,
  ) {}

  peek(k = 0): Token {
    return this.tokens[Math.min(this.pos + k, this.tokens.length - 1)]!;
  }

  next(): Token {
    const t = this.peek();
    if (t.type !== 'eof') this.pos++;
    return t;
  }

  /** The end offset of the last consumed token, for closing spans. */
  get prevEnd(): number {
    return this.pos > 0 ? this.tokens[this.pos - 1]!.end : 0;
  }

  isKw(t: Token, word: string): boolean {
    return t.type === 'ident' && t.text.toLowerCase() === word;
  }

  atKw(word: string, k = 0): boolean {
    return this.isKw(this.peek(k), word);
  }

  atPunct(p: string, k = 0): boolean {
    const t = this.peek(k);
    return t.type === 'punct' && t.text === p;
  }

  eatPunct(p: string): boolean {
    if (!this.atPunct(p)) return false;
    this.pos++;
    return true;
  }

  eatKw(word: string): boolean {
    if (!this.atKw(word)) return false;
    this.pos++;
    return true;
  }

  expectPunct(p: string, context: string): Token {
    if (!this.atPunct(p)) this.expected(`'${p}' ${context}`);
    return this.next();
  }

  expectKw(word: string, context: string): Token {
    if (!this.atKw(word)) this.expected(`'${word}' ${context}`);
    return this.next();
  }

  /** A name that may be bound as a variable: an identifier that is not reserved. */
  expectName(context: string): Token {
    const t = this.peek();
    if (t.type !== 'ident' || RESERVED.has(t.text.toLowerCase())) this.expected(`a name ${context}`);
    return this.next();
  }

  expected(what: string, t: Token = this.peek()): never {
    return this.fail('PQL_SYNTAX', `expected ${what}, found ${describe(t)}`, t);
  }

  fail(code: PqlErrorCode, detail: string, at: Token | Span): never {
    throw new PqlError(code, detail, { start: at.start, end: Math.max(at.end, at.start + 1), line: at.line, column: at.column }, this.source);
  }

  spanFrom(start: Token): Span {
    return { start: start.start, end: Math.max(start.start, this.prevEnd), line: start.line, column: start.column };
  }

  enter(at: Token): void {
    if (++this.depth > this.maxDepth) {
      this.fail('PQL_TOO_DEEP', `expression nests deeper than ${this.maxDepth} levels`, at);
    }
  }

  leave(): void {
    this.depth--;
  }

  /** Runs `body` with `names` bound as variables, so identifiers with those names become variable references. */
  withScope<T>(names: readonly string[], body: () => T): T {
    this.scopes.push([...names]);
    try {
      return body();
    } finally {
      this.scopes.pop();
    }
  }

  bind(name: string): void {
    this.scopes[this.scopes.length - 1]!.push(name);
  }

  isBound(name: string): boolean {
    return this.scopes.some((s) => s.includes(name));
  }

  /** Runs `body` with the let-`in` rule off, as every bracketed construct does. */
  bracketed<T>(body: () => T): T {
    const saved = this.noIn;
    this.noIn = false;
    try {
      return body();
    } finally {
      this.noIn = saved;
    }
  }

  /** True when `( a, b ) =>` starts at the cursor: a lambda rather than a parenthesized expression. */
  atLambda(): boolean {
    if (!this.atPunct('(')) return false;
    let k = 1;
    if (this.peek(k).type !== 'ident') return false;
    k++;
    while (this.atPunct(',', k)) {
      if (this.peek(k + 1).type !== 'ident') return false;
      k += 2;
    }
    return this.atPunct(')', k) && this.atPunct('=>', k + 1);
  }

  /** True when the two tokens at k and k+1 touch, as `xdm` `:` `name` must for a prefixed field name. */
  touching(k: number): boolean {
    return this.peek(k).end === this.peek(k + 1).start;
  }
}
