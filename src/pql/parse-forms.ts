/** The parser's special forms: let, quantifiers, select, `agg … over`, chain and the tails of `occurs`. */
import { unitOf, type AggName, type ChainStep, type CmpOp, type Direction, type Node, type OccursTail, type Quantifier, type VarDecl } from './ast.js';
import { CMP_OPS, type Cursor } from './cursor.js';
import type { Token } from './lexer.js';
import { BP_CMP } from './precedence.js';

/** What the special forms need from the parser: the cursor plus expression parsing. */
export interface ExprParser extends Cursor {
  expr(minBp: number): Node;
  atDecl(k: number): boolean;
}

const MAX_CHAIN_STEPS = 6;

/** `[a, b, ...]` */
export function parseList(p: ExprParser): Node {
  const open = p.next();
  const items = p.bracketed(() => {
    const out: Node[] = [];
    if (!p.atPunct(']')) {
      do out.push(p.expr(0));
      while (p.eatPunct(','));
    }
    return out;
  });
  p.expectPunct(']', `to close the list opened at ${open.line}:${open.column}`);
  return { kind: 'list', items, span: p.spanFrom(open) };
}

/** `{"key": value, ...}`: keys are quoted and unique (ref §2.1 object literals). */
export function parseObject(p: ExprParser): Node {
  const open = p.next();
  const entries = p.bracketed(() => {
    const out: { key: string; value: Node }[] = [];
    if (!p.atPunct('}')) {
      do {
        const key = p.peek();
        if (key.type !== 'string') p.expected('a quoted key in the object');
        p.next();
        if (out.some((e) => e.key === key.text)) p.fail('PQL_DUPLICATE', `key ${JSON.stringify(key.text)} appears twice in the object`, key);
        p.expectPunct(':', `after the key ${JSON.stringify(key.text)}`);
        out.push({ key: key.text, value: p.expr(0) });
      } while (p.eatPunct(','));
    }
    return out;
  });
  p.expectPunct('}', `to close the object opened at ${open.line}:${open.column}`);
  return { kind: 'object', entries, span: p.spanFrom(open) };
}

/** `let X = value in body`; the value ends at its first top-level `in`. */
export function parseLet(p: ExprParser): Node {
  const start = p.next();
  const name = p.expectName("after 'let'");
  p.expectPunct('=', `after 'let ${name.text}'`);
  const saved = p.noIn;
  p.noIn = true;
  const value = p.expr(0);
  p.noIn = saved;
  p.expectKw('in', `after the value of 'let ${name.text}'`);
  const body = p.withScope([name.text], () => p.expr(0));
  return { kind: 'let', name: name.text, value, body, span: p.spanFrom(start) };
}

/** `exists X from A where c, Y from B where d` and its aliases some/forall/all/none/one. */
export function parseQuant(p: ExprParser, quantifier: Quantifier): Node {
  const start = p.next();
  const vars = p.withScope([], () => declList(p, start.text));
  return { kind: 'quant', quantifier, vars, span: p.spanFrom(start) };
}

/** `select X from A where c, ...`: the bindings of the first variable that satisfy every clause. */
export function parseSelect(p: ExprParser): Node {
  const start = p.next();
  const vars = p.withScope([], () => declList(p, 'select'));
  return { kind: 'select', vars, span: p.spanFrom(start) };
}

function declList(p: ExprParser, owner: string): VarDecl[] {
  const vars: VarDecl[] = [];
  do {
    const name = p.expectName(`to declare after '${owner}'`);
    if (vars.some((v) => v.name === name.text)) p.fail('PQL_DUPLICATE', `variable '${name.text}' is declared twice`, name);
    vars.push(decl(p, name));
  } while (p.atPunct(',') && p.atDecl(1) && p.next());
  return vars;
}

function decl(p: ExprParser, name: Token): VarDecl {
  p.expectKw('from', `after '${name.text}'`);
  const from = p.expr(0);
  p.bind(name.text);
  const where = p.eatKw('where') || p.eatPunct(':') ? p.expr(0) : null;
  return { name: name.text, from, where, span: p.spanFrom(name) };
}

/** `sum X.a over X from A where c`: the variable is bound before the projection is read, so look ahead for it. */
export function parseAggOver(p: ExprParser): Node {
  const start = p.next();
  const agg = start.text.toLowerCase() as AggName;
  const bound = lookAheadOver(p);
  const projection = p.withScope(bound ? [bound] : [], () => p.expr(0));
  p.expectKw('over', `after the projection of ${agg}`);
  const name = p.expectName("after 'over'");
  const d = p.withScope([], () => decl(p, name));
  return { kind: 'aggOver', agg, projection, decl: d, span: p.spanFrom(start) };
}

function lookAheadOver(p: ExprParser): string | undefined {
  let depth = 0;
  for (let k = 0; ; k++) {
    const t = p.peek(k);
    if (t.type === 'eof') return undefined;
    if (t.type === 'punct' && '([{'.includes(t.text)) depth++;
    else if (t.type === 'punct' && ')]}'.includes(t.text)) {
      if (--depth < 0) return undefined;
    } else if (depth === 0 && p.isKw(t, 'over')) {
      const v = p.peek(k + 1);
      return v.type === 'ident' ? v.text : undefined;
    }
  }
}

/** `chain(xEvent, timestamp, [A: WHAT(...) WHEN(...) COUNT(n) WHERE(...), ...])`. */
export function parseChain(p: ExprParser): Node {
  const start = p.next();
  p.expectPunct('(', "after 'chain'");
  return p.bracketed(() => {
    const events = p.expr(0);
    p.expectPunct(',', 'after the events of chain');
    const timestampField = [p.expectName('naming the timestamp field of chain').text];
    while (p.eatPunct('.')) timestampField.push(p.expectName("after '.' in the timestamp field").text);
    p.expectPunct(',', 'after the timestamp field of chain');
    const open = p.expectPunct('[', 'to open the steps of chain');
    const steps: ChainStep[] = [];
    do {
      if (steps.length === MAX_CHAIN_STEPS) {
        p.fail('PQL_CHAIN_TOO_LONG', `a chain has at most ${MAX_CHAIN_STEPS} sequential steps`, p.peek());
      }
      steps.push(step(p, steps));
    } while (p.eatPunct(','));
    p.expectPunct(']', `to close the steps opened at ${open.line}:${open.column}`);
    p.expectPunct(')', 'after the steps of chain');
    return { kind: 'chain', events, timestampField, steps, span: p.spanFrom(start) };
  });
}

function step(p: ExprParser, earlier: readonly ChainStep[]): ChainStep {
  const label = p.peek();
  if (label.type !== 'ident') p.expected('a step label such as A:');
  p.next();
  if (earlier.some((s) => s.label === label.text)) p.fail('PQL_DUPLICATE', `step label '${label.text}' is used twice`, label);
  p.expectPunct(':', `after the step label '${label.text}'`);
  const seen = new Set<string>();
  let what: Node | null = null;
  let when: OccursTail | null = null;
  let count: { op: CmpOp; n: number } | null = null;
  let where: Node | null = null;
  for (;;) {
    const t = p.peek();
    const clause = t.type === 'ident' ? t.text.toUpperCase() : '';
    if (!['WHAT', 'WHEN', 'COUNT', 'WHERE'].includes(clause) || !p.atPunct('(', 1)) break;
    if (seen.has(clause)) p.fail('PQL_DUPLICATE', `step ${label.text} has two ${clause} clauses`, t);
    seen.add(clause);
    p.next();
    p.next();
    if (clause === 'WHAT') what = p.expr(0);
    else if (clause === 'WHERE') where = p.expr(0);
    else if (clause === 'WHEN') when = parseOccursTail(p);
    else count = countClause(p);
    p.expectPunct(')', `after the ${clause} clause of step ${label.text}`);
  }
  if (!what) p.expected(`WHAT(...) in step ${label.text}`);
  return { label: label.text, what, when, count, where, span: p.spanFrom(label) };
}

function countClause(p: ExprParser): { op: CmpOp; n: number } {
  const t = p.peek();
  const op = t.type === 'punct' && CMP_OPS.has(t.text) ? (p.next().text as CmpOp) : '>=';
  const n = p.peek();
  if (n.type !== 'int') p.expected('a whole number in COUNT(...)');
  p.next();
  return { op, n: n.number };
}

const DIRECTIONS = new Set(['before', 'after', 'from']);

/** Everything after `occurs` (and inside WHEN): a window, a direction, `between … and …`, or a period. */
export function parseOccursTail(p: ExprParser): OccursTail {
  const t = p.peek();
  if (t.type === 'punct' && CMP_OPS.has(t.text)) {
    p.next();
    const amount = p.peek();
    if (amount.type !== 'int') p.expected(`a whole number after 'occurs ${t.text}'`);
    p.next();
    const unitTok = p.peek();
    const unit = unitTok.type === 'ident' ? unitOf(unitTok.text) : undefined;
    if (!unit) p.expected(`a time unit (days, hours, ...) after '${t.text} ${amount.text}'`);
    p.next();
    const dir = p.peek();
    if (!DIRECTIONS.has(dir.text.toLowerCase()) || dir.type !== 'ident') {
      p.expected(`'before', 'after' or 'from' after '${amount.text} ${unitTok.text}'`);
    }
    p.next();
    return { form: 'relative', op: t.text as CmpOp, amount: amount.number, unit, direction: dir.text.toLowerCase() as Direction, ref: timeRef(p) };
  }
  if (t.type === 'ident' && DIRECTIONS.has(t.text.toLowerCase())) {
    p.next();
    return { form: 'direction', direction: t.text.toLowerCase() as Direction, ref: timeRef(p) };
  }
  if (p.eatKw('between')) {
    const from = timeRef(p);
    p.expectKw('and', "between the two times of 'occurs between'");
    return { form: 'between', from, to: timeRef(p) };
  }
  if (p.atKw('on') && startsExpression(p.peek(1))) p.next();
  return { form: 'on', ref: timeRef(p) };
}

// `on` is optional and may also be a field name, so it is a keyword only when an expression follows it.
function startsExpression(t: Token): boolean {
  if (t.type === 'punct') return ['(', '[', '{', '^', '-', '!'].includes(t.text);
  return t.type !== 'eof';
}

/** `now`, `today`, `last month`, `this week`, or an arithmetic/postfix expression such as `date(2020, 1, 1)`. */
function timeRef(p: ExprParser): Node {
  const t = p.peek();
  if (t.type === 'ident') {
    const lower = t.text.toLowerCase();
    if ((lower === 'this' || lower === 'last' || lower === 'next') && p.peek(1).type === 'ident') {
      const unit = unitOf(p.peek(1).text);
      if (unit) {
        p.next();
        p.next();
        return { kind: 'period', which: lower, unit, span: p.spanFrom(t) };
      }
    }
  }
  // A time reference is an arithmetic or postfix expression (ref §4 `timeRef`): it stops before comparisons.
  return p.expr(BP_CMP);
}
