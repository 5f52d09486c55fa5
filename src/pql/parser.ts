/** The Pratt parser for pql/text: operators by binding power, postfix paths, calls, literals and the lambda head. */
import { freeze, type BinaryOp, type Node, type PqlQuery } from './ast.js';
import { CMP_OPS, Cursor, RESERVED } from './cursor.js';
import { PqlError, assertFieldName } from './errors.js';
import { lex, type Token } from './lexer.js';
import { checkDepth, DEFAULT_LIMITS, type PqlLimits } from './limits.js';
import { BP_ADD, BP_AND, BP_CMP, BP_MUL, BP_NEG, BP_NOT, BP_OR } from './precedence.js';
import { parseAggOver, parseChain, parseLet, parseList, parseObject, parseOccursTail, parseQuant, parseSelect } from './parse-forms.js';

/** Global functions, matched case-insensitively so `IF(...)`, `CHAIN(...)` and `Date(...)` read as written in the docs. */
const FUNCTIONS = [
  'if', 'date', 'currentMonth', 'currentYear', 'currentDayOfMonth', 'inSegment', 'mapEntry', 'modelInstances', 'xdmObject',
];
const FUNCTION_BY_LOWER = new Map(FUNCTIONS.map((f) => [f.toLowerCase(), f]));
const AGGREGATES = new Set(['sum', 'count', 'average', 'min', 'max']);
const QUANTIFIERS: Readonly<Record<string, 'exists' | 'forall' | 'none' | 'one'>> = {
  exists: 'exists', some: 'exists', forall: 'forall', all: 'forall', none: 'none', one: 'one',
};

/** Parses pql/text into a frozen AST; throws PqlError with line, column and a caret excerpt. */
export function parsePql(text: string, limits: Partial<PqlLimits> = {}): PqlQuery {
  const { maxSourceLength, maxDepth } = { ...DEFAULT_LIMITS, ...limits };
  if (typeof text !== 'string') throw new PqlError('PQL_SYNTAX', 'expected PQL text (a string)');
  if (text.length > maxSourceLength) {
    throw new PqlError('PQL_SOURCE_TOO_LONG', `the definition is ${text.length} characters long; the limit is ${maxSourceLength}`);
  }
  const p = new Parser(text, lex(text), maxDepth);
  const query = p.query();
  checkDepth(query.body, maxDepth, text);
  return freeze(query);
}

/** The expression parser; the special forms live in parse-forms.ts. */
export class Parser extends Cursor {
  query(): PqlQuery {
    let params: string[] = [];
    if (this.atLambda()) params = this.lambdaHead();
    const body = this.withScope(params, () => this.expr(0));
    if (this.peek().type !== 'eof') this.expected('an operator or the end of the definition');
    return { kind: 'query', params, body, source: this.source };
  }

  /** Parses an expression whose operators all bind tighter than `minBp`. */
  expr(minBp: number): Node {
    const start = this.peek();
    this.enter(start);
    let left = this.prefix();
    let logical: { op: 'and' | 'or'; operands: Node[] } | null = null;
    let lastWasCmp = false;
    for (;;) {
      const t = this.peek();
      const op = this.infixOf(t);
      if (!op || op.bp <= minBp) break;
      if (op.bp === BP_CMP && lastWasCmp) {
        this.fail('PQL_SYNTAX', `comparisons cannot be chained: add parentheses before '${t.text}'`, t);
      }
      this.next();
      if (op.name === 'and' || op.name === 'or') {
        if (!logical || logical.op !== op.name) {
          logical = { op: op.name, operands: [left] };
        }
        logical.operands.push(this.expr(op.bp));
        left = { kind: 'logical', op: logical.op, operands: logical.operands, span: this.spanFrom(start) };
        lastWasCmp = false;
        continue;
      }
      logical = null;
      lastWasCmp = op.bp === BP_CMP;
      if (op.name === 'occurs') {
        left = { kind: 'occurs', subject: left, tail: parseOccursTail(this), span: this.spanFrom(start) };
      } else {
        const right = this.expr(op.bp);
        left = { kind: 'binary', op: op.name as BinaryOp, left, right, span: this.spanFrom(start) };
      }
    }
    this.leave();
    return left;
  }

  private infixOf(t: Token): { name: string; bp: number } | null {
    if (t.type === 'punct') {
      if (CMP_OPS.has(t.text)) return { name: t.text, bp: BP_CMP };
      if (t.text === '+' || t.text === '-') return { name: t.text, bp: BP_ADD };
      if (t.text === '*' || t.text === '/' || t.text === '%') return { name: t.text, bp: BP_MUL };
      return null;
    }
    if (t.type !== 'ident') return null;
    switch (t.text.toLowerCase()) {
      case 'or': return { name: 'or', bp: BP_OR };
      case 'and': return { name: 'and', bp: BP_AND };
      case 'like': return { name: 'like', bp: BP_CMP };
      case 'occurs': return { name: 'occurs', bp: BP_CMP };
      case 'notin': return { name: 'notIn', bp: BP_CMP };
      case 'in': return this.noIn ? null : { name: 'in', bp: BP_CMP };
      default: return null;
    }
  }

  private prefix(): Node {
    const t = this.peek();
    if (t.type === 'punct') {
      if (t.text === '-') {
        this.next();
        const operand = this.expr(BP_NEG);
        if (operand.kind === 'literal' && (operand.type === 'integer' || operand.type === 'double')) {
          return { kind: 'literal', type: operand.type, value: -(operand.value as number), span: this.spanFrom(t) };
        }
        return { kind: 'neg', operand, span: this.spanFrom(t) };
      }
      if (t.text === '!') {
        this.next();
        return { kind: 'not', operand: this.expr(BP_NOT), span: this.spanFrom(t) };
      }
    }
    if (this.isKw(t, 'not')) {
      this.next();
      return { kind: 'not', operand: this.expr(BP_NOT), span: this.spanFrom(t) };
    }
    return this.postfix(this.primary(), t);
  }

  private postfix(node: Node, start: Token): Node {
    for (;;) {
      if (this.eatPunct('.')) {
        const name = this.peek();
        if (name.type !== 'ident') this.expected("a field or method name after '.'");
        this.next();
        if (this.atPunct('(')) {
          const args = this.args(name.text);
          node = { kind: 'method', receiver: node, name: name.text, args, span: this.spanFrom(start) };
        } else {
          node = { kind: 'field', object: node, name: this.prefixedName(name), span: this.spanFrom(start) };
        }
      } else if (this.atPunct('[')) {
        const open = this.next();
        const predicate = this.bracketed(() => this.expr(0));
        this.expectPunct(']', `to close the filter opened at ${open.line}:${open.column}`);
        node = { kind: 'filter', array: node, predicate, span: this.spanFrom(start) };
      } else {
        return node;
      }
    }
  }

  /** `xdm:name`: a JSON-LD prefixed step, accepted only when the colon touches both words. */
  private prefixedName(first: Token): string {
    assertFieldName(first.text, { start: first.start, end: first.end, line: first.line, column: first.column }, this.source);
    if (this.atPunct(':') && this.peek(1).type === 'ident' && this.tokens[this.pos - 1]!.end === this.peek().start && this.touching(0)) {
      this.next();
      return `${first.text}:${this.next().text}`;
    }
    return first.text;
  }

  args(owner: string): Node[] {
    this.expectPunct('(', `after ${owner}`);
    return this.bracketed(() => {
      const args: Node[] = [];
      if (!this.atPunct(')')) {
        do args.push(this.atLambda() ? this.lambda() : this.expr(0));
        while (this.eatPunct(','));
      }
      this.expectPunct(')', `after arguments of ${owner}`);
      return args;
    });
  }

  private lambdaHead(): string[] {
    this.next();
    const params: string[] = [];
    do {
      const name = this.expectName('as a lambda parameter');
      if (params.includes(name.text)) this.fail('PQL_DUPLICATE', `lambda parameter '${name.text}' is declared twice`, name);
      params.push(name.text);
    } while (this.eatPunct(','));
    this.expectPunct(')', 'after the lambda parameters');
    this.expectPunct('=>', 'after the lambda parameters');
    return params;
  }

  private lambda(): Node {
    const start = this.peek();
    const params = this.lambdaHead();
    const body = this.withScope(params, () => this.expr(0));
    return { kind: 'lambda', params, body, span: this.spanFrom(start) };
  }

  private primary(): Node {
    const t = this.peek();
    switch (t.type) {
      case 'int':
      case 'double':
        this.next();
        return { kind: 'literal', type: t.type === 'int' ? 'integer' : 'double', value: t.number, span: this.spanFrom(t) };
      case 'string':
        this.next();
        return { kind: 'literal', type: 'string', value: t.text, span: this.spanFrom(t) };
      case 'param':
        this.next();
        return { kind: 'param', position: t.number, span: this.spanFrom(t) };
      case 'punct':
        return this.punctPrimary(t);
      case 'ident':
        return this.identPrimary(t);
      default:
        return this.expected('an expression');
    }
  }

  private punctPrimary(t: Token): Node {
    switch (t.text) {
      case '(': {
        if (this.atLambda()) this.fail('PQL_BAD_ARGUMENT', 'a lambda is only allowed as the argument of map', t);
        this.next();
        const inner = this.bracketed(() => this.expr(0));
        this.expectPunct(')', `to close the parenthesis opened at ${t.line}:${t.column}`);
        return inner;
      }
      case '[':
        return parseList(this);
      case '{':
        return parseObject(this);
      case '^': {
        let levels = 0;
        while (this.eatPunct('^')) levels++;
        const up: Node = { kind: 'up', levels, span: this.spanFrom(t) };
        const dotted = this.atPunct('.') && this.peek(1).type === 'ident';
        if (dotted) this.next();
        if (dotted || (this.peek().type === 'ident' && this.touching(-1))) {
          const name = this.next();
          return { kind: 'field', object: up, name: this.prefixedName(name), span: this.spanFrom(t) };
        }
        return up;
      }
      default:
        return this.expected('an expression');
    }
  }

  private identPrimary(t: Token): Node {
    const lower = t.text.toLowerCase();
    switch (lower) {
      case 'true':
      case 'false':
        this.next();
        return { kind: 'literal', type: 'boolean', value: lower === 'true', span: this.spanFrom(t) };
      case 'null':
        this.next();
        return { kind: 'literal', type: 'null', value: null, span: this.spanFrom(t) };
      case 'xevent':
        this.next();
        return { kind: 'xEvent', span: this.spanFrom(t) };
      case 'this':
        this.next();
        return { kind: 'this', span: this.spanFrom(t) };
      case 'now':
      case 'today':
      case 'yesterday':
      case 'tomorrow':
        this.next();
        return { kind: 'timeWord', word: lower, span: this.spanFrom(t) };
      case 'let':
        return parseLet(this);
      case 'select':
        return parseSelect(this);
    }
    if (Object.hasOwn(QUANTIFIERS, lower) && (lower === 'exists' || lower === 'forall' || this.atDecl(1))) {
      return parseQuant(this, QUANTIFIERS[lower]!);
    }
    if (lower === 'chain' && this.atPunct('(', 1)) return parseChain(this);
    if (AGGREGATES.has(lower) && this.atAggOver()) return parseAggOver(this);
    if (RESERVED.has(lower)) this.expected('an expression');
    this.next();
    if (this.atPunct('(')) {
      const name = FUNCTION_BY_LOWER.get(lower) ?? t.text;
      const args = this.args(name);
      return { kind: 'call', name, args, span: this.spanFrom(t) };
    }
    if (this.isBound(t.text)) return { kind: 'var', name: t.text, span: this.spanFrom(t) };
    return { kind: 'field', object: null, name: this.prefixedName(t), span: this.spanFrom(t) };
  }

  /** `X from`: a variable declaration starts at offset k. */
  atDecl(k: number): boolean {
    const t = this.peek(k);
    return t.type === 'ident' && !RESERVED.has(t.text.toLowerCase()) && this.atKw('from', k + 1);
  }

  /** `sum X.a over X from ...`: an aggregate followed by a projection rather than a call or an operator. */
  private atAggOver(): boolean {
    const t = this.peek(1);
    return (t.type === 'ident' && !RESERVED.has(t.text.toLowerCase())) || t.type === 'param' || (t.type === 'punct' && t.text === '^');
  }
}
