/** The PQL abstract syntax tree: plain frozen objects, shared by the text and JSON readers and every later pass. */
import type { Span } from './errors.js';

export type CmpOp = '=' | '!=' | '<' | '<=' | '>' | '>=';
export type ArithOp = '+' | '-' | '*' | '/' | '%';
export type BinaryOp = CmpOp | ArithOp | 'like' | 'in' | 'notIn';
export type TimeWord = 'now' | 'today' | 'yesterday' | 'tomorrow';
export type Unit =
  | 'millisecond' | 'second' | 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year' | 'decade' | 'century' | 'millennium';
export type Direction = 'before' | 'after' | 'from';
export type Quantifier = 'exists' | 'forall' | 'none' | 'one';
export type AggName = 'sum' | 'count' | 'average' | 'min' | 'max';

interface Base {
  readonly span?: Span | undefined;
}

export interface LiteralNode extends Base {
  readonly kind: 'literal';
  readonly type: 'string' | 'integer' | 'double' | 'boolean' | 'null';
  readonly value: string | number | boolean | null;
}
export interface ListNode extends Base { readonly kind: 'list'; readonly items: readonly Node[] }
export interface ObjectNode extends Base {
  readonly kind: 'object';
  readonly entries: readonly { readonly key: string; readonly value: Node }[];
}
/** A field lookup; `object` null means the implicit context (the current element, or the profile at the top). */
export interface FieldNode extends Base { readonly kind: 'field'; readonly object: Node | null; readonly name: string }
/** `$1`, `$2`: positional parameters, 1-based. */
export interface ParamNode extends Base { readonly kind: 'param'; readonly position: number }
/** A variable bound by let, a quantifier, select, an aggregate's `over`, a lambda or the query's lambda head. */
export interface VarNode extends Base { readonly kind: 'var'; readonly name: string }
export interface XEventNode extends Base { readonly kind: 'xEvent' }
/** `this`: the current element (inside `.map({...})` after groupBy, the current group). */
export interface ThisNode extends Base { readonly kind: 'this' }
/** `^`, `^^`: the element of an enclosing filter, `levels` filters out. */
export interface UpNode extends Base { readonly kind: 'up'; readonly levels: number }
export interface TimeWordNode extends Base { readonly kind: 'timeWord'; readonly word: TimeWord }
/** `this month`, `last week`, `next year`: a calendar period relative to now; only valid as an occurs reference. */
export interface PeriodNode extends Base {
  readonly kind: 'period';
  readonly which: 'this' | 'last' | 'next';
  readonly unit: Unit;
}
export interface NotNode extends Base { readonly kind: 'not'; readonly operand: Node }
export interface NegNode extends Base { readonly kind: 'neg'; readonly operand: Node }
export interface BinaryNode extends Base {
  readonly kind: 'binary';
  readonly op: BinaryOp;
  readonly left: Node;
  readonly right: Node;
}
/** `and` / `or`, n-ary like pql/json; a parenthesized group stays a separate child. */
export interface LogicalNode extends Base {
  readonly kind: 'logical';
  readonly op: 'and' | 'or';
  readonly operands: readonly Node[];
}
export type OccursTail =
  | {
      readonly form: 'relative';
      readonly op: CmpOp;
      readonly amount: number;
      readonly unit: Unit;
      readonly direction: Direction;
      readonly ref: Node;
    }
  | { readonly form: 'direction'; readonly direction: Direction; readonly ref: Node }
  | { readonly form: 'on'; readonly ref: Node }
  | { readonly form: 'between'; readonly from: Node; readonly to: Node };
export interface OccursNode extends Base { readonly kind: 'occurs'; readonly subject: Node; readonly tail: OccursTail }
/** A global function: `if`, `date`, `currentMonth`, `inSegment`, `mapEntry`, `modelInstances`, `xdmObject`. */
export interface CallNode extends Base { readonly kind: 'call'; readonly name: string; readonly args: readonly Node[] }
export interface MethodNode extends Base {
  readonly kind: 'method';
  readonly receiver: Node;
  readonly name: string;
  readonly args: readonly Node[];
}
/** `array[condition]`; an integer literal condition is an index instead. */
export interface FilterNode extends Base { readonly kind: 'filter'; readonly array: Node; readonly predicate: Node }
export interface LambdaNode extends Base { readonly kind: 'lambda'; readonly params: readonly string[]; readonly body: Node }
export interface LetNode extends Base { readonly kind: 'let'; readonly name: string; readonly value: Node; readonly body: Node }
export interface VarDecl {
  readonly name: string;
  readonly from: Node;
  readonly where: Node | null;
  readonly span?: Span | undefined;
}
export interface QuantNode extends Base {
  readonly kind: 'quant';
  readonly quantifier: Quantifier;
  readonly vars: readonly VarDecl[];
}
export interface SelectNode extends Base { readonly kind: 'select'; readonly vars: readonly VarDecl[] }
/** `sum X.a over X from xEvent where ...` */
export interface AggOverNode extends Base {
  readonly kind: 'aggOver';
  readonly agg: AggName;
  readonly projection: Node;
  readonly decl: VarDecl;
}
export interface ChainStep {
  readonly label: string;
  readonly what: Node;
  readonly when: OccursTail | null;
  readonly count: { readonly op: CmpOp; readonly n: number } | null;
  readonly where: Node | null;
  readonly span?: Span | undefined;
}
export interface ChainNode extends Base {
  readonly kind: 'chain';
  readonly events: Node;
  readonly timestampField: readonly string[];
  readonly steps: readonly ChainStep[];
}

export type Node =
  | LiteralNode | ListNode | ObjectNode | FieldNode | ParamNode | VarNode | XEventNode | ThisNode | UpNode
  | TimeWordNode | PeriodNode | NotNode | NegNode | BinaryNode | LogicalNode | OccursNode | CallNode | MethodNode
  | FilterNode | LambdaNode | LetNode | QuantNode | SelectNode | AggOverNode | ChainNode;

export type NodeKind = Node['kind'];

/** The root: an optional lambda head `(Profile) =>` naming the parameters, the body, and the text it came from. */
export interface PqlQuery {
  readonly kind: 'query';
  readonly params: readonly string[];
  readonly body: Node;
  readonly source?: string | undefined;
}

export const UNITS: readonly Unit[] = [
  'millisecond', 'second', 'minute', 'hour', 'day', 'week', 'month', 'year', 'decade', 'century', 'millennium',
];

const UNIT_WORDS: Readonly<Record<string, Unit>> = {
  millisecond: 'millisecond', milliseconds: 'millisecond', second: 'second', seconds: 'second',
  minute: 'minute', minutes: 'minute', hour: 'hour', hours: 'hour', day: 'day', days: 'day',
  week: 'week', weeks: 'week', month: 'month', months: 'month', year: 'year', years: 'year',
  decade: 'decade', decades: 'decade', century: 'century', centuries: 'century',
  millennium: 'millennium', millennia: 'millennium',
};

/** The unit a (case-insensitive) unit word names, singular or plural, or undefined. */
export function unitOf(word: string): Unit | undefined {
  const lower = word.toLowerCase();
  return Object.hasOwn(UNIT_WORDS, lower) ? UNIT_WORDS[lower] : undefined;
}

const PLURALS: Readonly<Record<Unit, string>> = {
  millisecond: 'milliseconds', second: 'seconds', minute: 'minutes', hour: 'hours', day: 'days', week: 'weeks',
  month: 'months', year: 'years', decade: 'decades', century: 'centuries', millennium: 'millennia',
};

/** How the formatter spells `n unit`: `1 day`, `7 days`. */
export function unitWord(unit: Unit, amount: number): string {
  return amount === 1 ? unit : PLURALS[unit];
}

/** Freezes a node and the arrays and plain objects it holds, so no pass can change a tree another pass holds. */
export function freeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) freeze(child);
  }
  return value;
}

/** The direct child nodes of a node, in source order, for passes that only need to walk the tree. */
export function children(node: Node): Node[] {
  switch (node.kind) {
    case 'list': return [...node.items];
    case 'object': return node.entries.map((e) => e.value);
    case 'field': return node.object ? [node.object] : [];
    case 'not': case 'neg': return [node.operand];
    case 'binary': return [node.left, node.right];
    case 'logical': return [...node.operands];
    case 'occurs': return [node.subject, ...tailChildren(node.tail)];
    case 'call': return [...node.args];
    case 'method': return [node.receiver, ...node.args];
    case 'filter': return [node.array, node.predicate];
    case 'lambda': return [node.body];
    case 'let': return [node.value, node.body];
    case 'quant': case 'select': return node.vars.flatMap(declChildren);
    case 'aggOver': return [node.projection, ...declChildren(node.decl)];
    case 'chain':
      return [node.events, ...node.steps.flatMap((s) => [s.what, ...(s.when ? tailChildren(s.when) : []), ...(s.where ? [s.where] : [])])];
    default: return [];
  }
}

/** The reference nodes inside an occurs tail. */
export function tailChildren(tail: OccursTail): Node[] {
  return tail.form === 'between' ? [tail.from, tail.to] : [tail.ref];
}

function declChildren(decl: VarDecl): Node[] {
  return decl.where ? [decl.from, decl.where] : [decl.from];
}
