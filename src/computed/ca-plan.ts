/** Reads a computed attribute's PQL into a plan: which aggregate over which events, and whether it can be kept incrementally. */
import { children, type FieldNode, type MethodNode, type Node, type OccursNode, type PqlQuery, type Unit } from '../pql/index.js';

/** The aggregate functions a definition can be recognised as (the first six are AEP's; the last three ours). */
export const CA_FUNCTIONS = ['SUM', 'COUNT', 'MIN', 'MAX', 'MOST_RECENT', 'LIST', 'AVG', 'FIRST', 'COUNT_DISTINCT'] as const;

/** One of CA_FUNCTIONS. */
export type CaFunction = (typeof CA_FUNCTIONS)[number];

/** The longest LIST a definition may keep (`topN(timestamp, n)`). */
export const MAX_LIST = 100;

/** A window written into the event filter: `timestamp occurs < n units before now` (or `<=`). */
export interface ExprWindow {
  readonly amount: number;
  readonly unit: Unit;
  /** `<=` keeps an event exactly at the window's start; `<` does not. */
  readonly inclusive: boolean;
}

/**
 * What a definition computes. `fn` set: an aggregate over the events that pass `filter`, each contributing
 * `projection` (evaluated with the event as its context), foldable one event at a time. `fn` null: any other
 * expression, evaluated whole over the profile and the window's events.
 */
export interface CaPlan {
  readonly fn: CaFunction | null;
  /** `xEvent[...]` as a query over a one-event list (null: every event qualifies). */
  readonly filter: PqlQuery | null;
  /** The projected value per event (SUM/AVG/MIN/MAX, MOST_RECENT/FIRST/LIST, COUNT_DISTINCT). */
  readonly projection: PqlQuery | null;
  /** LIST: how many of the newest events. */
  readonly size: number;
  /** The window conjuncts of the filter (the lookback they imply, intersected with the definition's duration). */
  readonly windows: readonly ExprWindow[];
  /**
   * Whether folding events one at a time gives the same value as evaluating the expression: the filter's other
   * conjuncts and the projection read nothing but the event (no `now`, no profile, no segments).
   */
  readonly incremental: boolean;
  /** Whether the expression reads events at all (`xEvent` anywhere). */
  readonly readsEvents: boolean;
  /** Whether its value can change with the clock alone (`now`, `today`, `this month`, `currentMonth()`). */
  readonly readsClock: boolean;
}

/** Whether any node of the tree satisfies `test`. */
function some(node: Node, test: (n: Node) => boolean): boolean {
  return test(node) || children(node).some((c) => some(c, test));
}

const query = (body: Node, source?: string): PqlQuery => ({ kind: 'query', params: [], body, ...(source === undefined ? {} : { source }) });

/** Splits a trailing field chain off `node`: `m().a.b` → (`m()`, [a, b]). */
function trailingPath(node: Node): { base: Node; path: string[] } | undefined {
  const path: string[] = [];
  let n: Node = node;
  while (n.kind === 'field' && n.object !== null) {
    path.unshift(n.name);
    n = n.object;
  }
  return path.length > 0 ? { base: n, path } : undefined;
}

/** `n` when it is a call of method `name` with `arity` arguments. */
const method = (n: Node, name: string, arity: number): MethodNode | undefined => (n.kind === 'method' && n.name === name && n.args.length === arity ? n : undefined);
const isTimestamp = (n: Node | undefined): boolean => n !== undefined && n.kind === 'field' && n.object === null && n.name === 'timestamp';
const fieldChain = (names: readonly string[]): Node => names.reduce<Node | null>((object, name) => ({ kind: 'field', object, name }) as FieldNode, null)!;

/** `xEvent` or `xEvent[pred]`: the predicate (null for none); undefined when `node` is neither. */
function eventsOf(node: Node): { predicate: Node | null } | undefined {
  if (node.kind === 'xEvent') return { predicate: null };
  if (node.kind === 'filter' && node.array.kind === 'xEvent' && !(node.predicate.kind === 'literal' && node.predicate.type === 'integer')) return { predicate: node.predicate };
  return undefined;
}

/** `timestamp occurs < n units before now` (or `<=`) as a window; undefined for any other conjunct. */
function windowOf(node: Node): ExprWindow | undefined {
  if (node.kind !== 'occurs' || !isTimestamp((node as OccursNode).subject)) return undefined;
  const t = (node as OccursNode).tail;
  if (t.form !== 'relative' || t.direction !== 'before' || (t.op !== '<' && t.op !== '<=')) return undefined;
  if (t.ref.kind !== 'timeWord' || t.ref.word !== 'now') return undefined;
  return { amount: t.amount, unit: t.unit, inclusive: t.op === '<=' };
}

const CLOCK_CALLS = new Set(['currentMonth', 'currentYear', 'currentDayOfMonth', 'inSegment', 'modelInstances', 'xdmObject']);

/** Whether `node` reads only the current element: no clock, no profile (`$1`, `^`), no other events, no segments. */
function eventLocal(node: Node): boolean {
  switch (node.kind) {
    case 'timeWord': case 'period': case 'param': case 'up': case 'xEvent': case 'var': case 'this':
      return false;
    case 'call':
      if (CLOCK_CALLS.has(node.name)) return false;
      break;
    case 'let': case 'quant': case 'select': case 'aggOver': case 'chain': case 'lambda':
      return false;
    default:
      break;
  }
  return children(node).every(eventLocal);
}

/** The conjuncts of a predicate (a top-level `and`, flattened). */
function conjuncts(node: Node): Node[] {
  return node.kind === 'logical' && node.op === 'and' ? node.operands.flatMap(conjuncts) : [node];
}

/** The filter's windows, and whether everything else in it is event-local. */
function filterParts(predicate: Node | null): { windows: ExprWindow[]; local: boolean } {
  if (predicate === null) return { windows: [], local: true };
  const windows: ExprWindow[] = [];
  let local = true;
  for (const c of conjuncts(predicate)) {
    const w = windowOf(c);
    if (w) windows.push(w);
    else if (!eventLocal(c)) local = false;
  }
  return { windows, local };
}

/** Recognises the aggregate forms documented in docs/computed-attributes.md. */
function recognise(body: Node): { fn: CaFunction; events: Node; projection: Node | null; size: number } | undefined {
  if (body.kind === 'method') {
    const on = eventsOf(body.receiver);
    if (on) {
      if (method(body, 'count', 0)) return { fn: 'COUNT', events: body.receiver, projection: null, size: 0 };
      const agg = ({ sum: 'SUM', average: 'AVG', min: 'MIN', max: 'MAX' } as const)[body.name as 'sum'];
      if (agg && body.args.length === 1) return { fn: agg, events: body.receiver, projection: body.args[0]!, size: 0 };
    }
    // X.path.distinct().count()
    const distinct = method(body, 'count', 0) && method(body.receiver, 'distinct', 0);
    if (distinct) {
      const split = trailingPath(distinct.receiver);
      if (split && eventsOf(split.base)) return { fn: 'COUNT_DISTINCT', events: split.base, projection: fieldChain(split.path), size: 0 };
    }
    return undefined;
  }
  const split = trailingPath(body);
  if (!split) return undefined;
  const { base, path } = split;
  // X.topN(timestamp, 1).head().path / X.bottomN(timestamp, 1).head().path
  const head = method(base, 'head', 0);
  if (head) {
    const ranked = head.receiver;
    if (ranked.kind === 'method' && (ranked.name === 'topN' || ranked.name === 'bottomN') && ranked.args.length === 2 && isTimestamp(ranked.args[0]) && isOne(ranked.args[1]!) && eventsOf(ranked.receiver)) {
      return { fn: ranked.name === 'topN' ? 'MOST_RECENT' : 'FIRST', events: ranked.receiver, projection: fieldChain(path), size: 1 };
    }
    return undefined;
  }
  // X.topN(timestamp, n).path
  const top = method(base, 'topN', 2);
  if (top && isTimestamp(top.args[0]) && eventsOf(top.receiver)) {
    const n = top.args[1]!;
    if (n.kind === 'literal' && n.type === 'integer' && typeof n.value === 'number' && n.value >= 1 && n.value <= MAX_LIST) {
      return { fn: 'LIST', events: top.receiver, projection: fieldChain(path), size: n.value };
    }
  }
  return undefined;
}

function isOne(n: Node): boolean {
  return n.kind === 'literal' && n.type === 'integer' && n.value === 1;
}

/** The plan of a checked definition. */
export function planOf(q: PqlQuery): CaPlan {
  const readsEvents = some(q.body, (n) => n.kind === 'xEvent');
  const readsClock = some(q.body, (n) => n.kind === 'timeWord' || n.kind === 'period' || (n.kind === 'call' && /^current/.test(n.name)));
  const found = q.params.length === 0 ? recognise(q.body) : undefined;
  if (!found) return { fn: null, filter: null, projection: null, size: 0, windows: [], incremental: false, readsEvents, readsClock };
  const predicate = eventsOf(found.events)!.predicate;
  const { windows, local } = filterParts(predicate);
  const projectionLocal = found.projection === null || eventLocal(found.projection);
  return {
    fn: found.fn,
    filter: predicate === null ? null : query(found.events),
    projection: found.projection === null ? null : query(found.projection),
    size: found.size,
    windows,
    incremental: local && projectionLocal,
    readsEvents,
    readsClock,
  };
}
