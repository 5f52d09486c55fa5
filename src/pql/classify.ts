/** The evaluation-mode classifier of ref §10.4: streaming, edge or batch, and the reasons for the verdict. */
import { children, unitWord, type Node, type OccursTail, type PqlQuery } from './ast.js';
import { parsePql } from './parser.js';
import { fixedUnitMs } from './time.js';

export type PqlMode = 'streaming' | 'edge' | 'batch';

/** What a referenced segment is, as far as the caller knows: profile-only, or built on events. */
export type SegmentKind = 'profile' | 'events';

export interface PqlClassifyOptions {
  /** Tells what an inSegment(...) target is; unknown targets make an event definition batch. */
  readonly segmentKind?: (id: string) => SegmentKind | undefined;
}

export interface PqlEventUse {
  readonly kind: 'chain' | 'xEvent';
  /** The time window as written (`< 24 hours before now`, `today`), or null when there is none. */
  readonly window: string | null;
  readonly withinDay: boolean;
}

export interface PqlClassification {
  readonly mode: PqlMode;
  readonly streaming: boolean;
  readonly edge: boolean;
  /** Why: the rule that made it eligible, or every rule that made it batch. */
  readonly reasons: readonly string[];
  /** Segment Builder's validation warnings (more than 3 aggregations, arrays nested more than 2 levels). */
  readonly warnings: readonly string[];
  readonly events: readonly PqlEventUse[];
  readonly segments: readonly string[];
}

const DAY = 86_400_000;
const AGGREGATES = new Set(['sum', 'average', 'min', 'max', 'count']);
const EDGE_NOTE = 'edge evaluation also needs a request with exactly one primary identity';

/** Classifies a query after the conventions of ref §10.1–10.4 (the rules of 20 May 2025). */
export function classifyPql(input: PqlQuery | string, options: PqlClassifyOptions = {}): PqlClassification {
  const body = (typeof input === 'string' ? parsePql(input) : input).body;
  const blockers: string[] = [];
  const events: PqlEventUse[] = [];
  const segments: string[] = [];
  let aggregations = 0;
  let maxNesting = 0;

  const visit = (node: Node, parents: readonly Node[], nesting: number): void => {
    maxNesting = Math.max(maxNesting, nesting);
    if (node.kind === 'chain') {
      for (const s of node.steps) {
        const window = s.when ? tailText(s.when) : null;
        const withinDay = s.when ? tailWithinDay(s.when) : false;
        events.push({ kind: 'chain', window, withinDay });
        if (!s.when) blockers.push(`step ${s.label} of a chain has no time window (a single event without a window is batch)`);
        else if (!withinDay) blockers.push(`step ${s.label} has the window '${window}', longer than 24 hours`);
      }
    } else if (node.kind === 'xEvent' && !(parents[parents.length - 1]?.kind === 'chain')) {
      events.push(xEventUse(node, parents, blockers));
    } else if (node.kind === 'call' && node.name === 'inSegment') {
      const arg = node.args[0];
      segments.push(arg?.kind === 'literal' && typeof arg.value === 'string' ? arg.value : '?');
    }
    if ((node.kind === 'method' && AGGREGATES.has(node.name)) || node.kind === 'aggOver') aggregations++;
    const nested = node.kind === 'filter' || node.kind === 'quant' || node.kind === 'select' ? nesting + 1 : nesting;
    for (const child of children(node)) visit(child, [...parents, node], nested);
  };
  visit(body, [], 0);

  const warnings: string[] = [];
  if (aggregations > 3) warnings.push(`${aggregations} aggregation functions (Segment Builder warns above 3)`);
  if (maxNesting > 2) warnings.push(`arrays or maps nested ${maxNesting} levels deep (Segment Builder warns above 2)`);
  const done = (streaming: boolean, edge: boolean, reasons: string[]): PqlClassification => ({
    mode: streaming ? 'streaming' : edge ? 'edge' : 'batch',
    streaming,
    edge,
    reasons: edge ? [...reasons, EDGE_NOTE] : reasons,
    warnings,
    events,
    segments,
  });

  if (!events.length && !segments.length) return done(true, true, ['profile-only definition']);
  if (!events.length) {
    return done(false, true, ['segment of segments: edge evaluates it (membership of the referenced segments is re-read every 24 hours); streaming needs an event']);
  }
  if (wholeNegated(body)) blockers.push('the whole expression is negated (only some events may be negated)');
  if (segments.length) {
    for (const id of segments) {
      const kind = id === '?' ? undefined : options.segmentKind?.(id);
      if (kind === 'events') blockers.push(`inSegment("${id}") is itself built on events; combine two event audiences as inSegment(a) and inSegment(b)`);
      else if (kind === undefined) blockers.push(`cannot tell whether inSegment("${id}") is profile-only (single event plus inSegment is eligible only then)`);
    }
  }
  if (blockers.length) return done(false, false, blockers);
  const what = events.length === 1 ? 'a single event within 24 hours' : 'events all within 24 hours, in strict time order';
  const extra = segments.length ? ' plus profile-only segment membership' : '';
  return done(true, true, [`${what}${extra}`]);
}

function wholeNegated(body: Node): boolean {
  return body.kind === 'not';
}

/** An xEvent reference outside a chain: eligible only when a filter or quantifier bounds it to the last 24 hours. */
function xEventUse(node: Node, parents: readonly Node[], blockers: string[]): PqlEventUse {
  const parent = parents[parents.length - 1];
  let predicate: Node | null = null;
  if (parent?.kind === 'filter' && parent.array === node) predicate = parent.predicate;
  else if ((parent?.kind === 'quant' || parent?.kind === 'select') && parent.vars[0]?.from === node) predicate = parent.vars[0].where;
  else if (parent?.kind === 'aggOver' && parent.decl.from === node) predicate = parent.decl.where;
  const aggregated = parents.some((p) => (p.kind === 'method' && ['sum', 'average', 'min', 'max'].includes(p.name)) || (p.kind === 'aggOver' && p.agg !== 'count'));
  const window = predicate ? windowOf(predicate) : null;
  const withinDay = window !== null && tailWithinDay(window);
  if (aggregated) blockers.push('aggregates event values (sum, average, min or max), which only batch evaluation computes');
  else if (!window) blockers.push('refers to events without a time window');
  else if (!withinDay) blockers.push(`the event window '${tailText(window)}' is longer than 24 hours`);
  return { kind: 'xEvent', window: window ? tailText(window) : null, withinDay };
}

/** The time window a predicate puts on `timestamp`, from its top-level conjuncts. */
function windowOf(predicate: Node): OccursTail | null {
  const conjuncts = predicate.kind === 'logical' && predicate.op === 'and' ? predicate.operands : [predicate];
  for (const c of conjuncts) {
    if (c.kind === 'occurs' && c.subject.kind === 'field' && c.subject.name === 'timestamp') return c.tail;
  }
  return null;
}

/** Whether a window is within the last 24 hours: today, or `<`/`<=` at most 24 hours before now (ref §10.4). */
export function tailWithinDay(tail: OccursTail): boolean {
  if (tail.form === 'on') {
    const r = tail.ref;
    return (r.kind === 'timeWord' && r.word === 'today') || (r.kind === 'period' && r.which === 'this' && (fixedUnitMs(r.unit) ?? Infinity) <= DAY);
  }
  if (tail.form !== 'relative') return false;
  const unit = fixedUnitMs(tail.unit);
  const nowRef = tail.ref.kind === 'timeWord' && tail.ref.word === 'now';
  return nowRef && tail.direction === 'before' && (tail.op === '<' || tail.op === '<=') && unit !== undefined && tail.amount * unit <= DAY;
}

function tailText(tail: OccursTail): string {
  const ref = (n: Node): string => (n.kind === 'timeWord' ? n.word : n.kind === 'period' ? `${n.which} ${n.unit}` : 'a time');
  switch (tail.form) {
    case 'relative': return `${tail.op} ${tail.amount} ${unitWord(tail.unit, tail.amount)} ${tail.direction} ${ref(tail.ref)}`;
    case 'direction': return `${tail.direction} ${ref(tail.ref)}`;
    case 'between': return `between ${ref(tail.from)} and ${ref(tail.to)}`;
    case 'on': return ref(tail.ref);
  }
}
