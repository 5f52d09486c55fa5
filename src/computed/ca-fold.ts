/**
 * The aggregate state of one person and one definition, folded one event at a time. Every decision compares
 * (timestamp, event key), never arrival order, so folding events in any order gives what PQL gives over the sorted list.
 */
import { toMs } from '../pql/index.js';
import type { CaFunction } from './ca-plan.js';

/** One qualifying event's part: its time, `datasetId \0 eventId`, and the projection's value (null without one). */
export interface Contribution {
  readonly ts: number;
  readonly key: string;
  readonly value: unknown;
}

type Kind = 'num' | 'time' | 'str' | 'bool';
interface Ranked {
  ts: number;
  key: string;
  v: unknown;
}

/** Stored as JSON in the value row; members appear as the function needs them. */
export interface FoldState {
  /** Qualifying events folded. */
  n: number;
  /** The earliest qualifying event's time (when the value first changes as the window moves on). */
  lo: number | null;
  /** SUM, AVG: the sum and the count of numeric values. */
  s?: number;
  c?: number;
  /** MIN, MAX: the kind of the first value in time order (PQL orders by it), and the extreme of each kind. */
  lead?: { kind: Kind | 'none'; ts: number; key: string };
  /** Each kind's extreme, and where it came from: of equal values (one instant spelled two ways) the earliest wins, as in PQL. */
  ext?: Partial<Record<Kind, { v: unknown; ts: number; key: string }>>;
  /** MOST_RECENT, FIRST, LIST: the newest (or oldest) events with their values. */
  top?: Ranked[];
  /** COUNT_DISTINCT: the distinct values, as JSON texts, sorted. */
  d?: string[];
}

/** A state with nothing folded. */
export function emptyState(): FoldState {
  return { n: 0, lo: null };
}

/** A projected value as PQL's aggregates see it: arrays flattened one level, nulls dropped. */
function flat(v: unknown): unknown[] {
  if (v === null || v === undefined) return [];
  return Array.isArray(v) ? v.filter((x) => x !== null && x !== undefined) : [v];
}

/** A field read over a list of events, as PQL's path lookup does: a null value adds nothing, an array its elements (nulls too). */
function looked(v: unknown): unknown[] {
  if (v === null || v === undefined) return [];
  return Array.isArray(v) ? v.map((x) => (x === undefined ? null : x)) : [v];
}

/** PQL's ordering kinds (src/pql/functions/arrays.ts orderFor): numbers, times, strings, booleans. */
function kindOf(v: unknown): Kind | undefined {
  if (typeof v === 'number') return 'num';
  if (typeof v === 'string') return toMs(v) !== undefined ? 'time' : 'str';
  if (typeof v === 'boolean') return 'bool';
  return undefined;
}

/** Which values an ordering of `kind` accepts, and how it orders them. */
function accepts(kind: Kind, v: unknown): boolean {
  switch (kind) {
    case 'num': return typeof v === 'number';
    case 'time': return typeof v === 'string' && toMs(v) !== undefined;
    case 'str': return typeof v === 'string';
    case 'bool': return typeof v === 'boolean';
  }
}

function order(kind: Kind, a: unknown, b: unknown): number {
  switch (kind) {
    case 'num': return (a as number) - (b as number);
    case 'time': return toMs(a)! - toMs(b)!;
    case 'str': return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
    case 'bool': return Number(a) - Number(b);
  }
}

/** (ts, key) order: the order of the sorted event list PQL evaluates. */
const before = (a: { ts: number; key: string }, b: { ts: number; key: string }): boolean => a.ts < b.ts || (a.ts === b.ts && a.key < b.key);

/** Folds one qualifying event into `state` (mutated). */
export function fold(fn: CaFunction, size: number, state: FoldState, c: Contribution): void {
  state.n += 1;
  if (state.lo === null || c.ts < state.lo) state.lo = c.ts;
  const values = flat(c.value);
  switch (fn) {
    case 'COUNT':
      return;
    case 'SUM':
    case 'AVG':
      for (const v of values) {
        if (typeof v !== 'number') continue;
        state.s = (state.s ?? 0) + v;
        state.c = (state.c ?? 0) + 1;
      }
      return;
    case 'MIN':
    case 'MAX': {
      const sign = fn === 'MIN' ? -1 : 1;
      const ext = (state.ext ??= {});
      for (const v of values) {
        const kind = kindOf(v);
        if (kind === undefined) continue;
        // Every kind's extreme is kept, so an earlier event of another kind can still take the lead.
        for (const k of ['num', 'time', 'str', 'bool'] as const) {
          if (!accepts(k, v)) continue;
          const best = ext[k];
          const cmp = best === undefined ? 1 : sign * order(k, v, best.v);
          if (cmp > 0 || (cmp === 0 && before(c, best!))) ext[k] = { v, ts: c.ts, key: c.key };
        }
      }
      // PQL orders by the kind of the first value in time order; a first value of no kind (an object) gives null.
      if (values.length > 0 && (!state.lead || before(c, state.lead))) state.lead = { kind: kindOf(values[0]) ?? 'none', ts: c.ts, key: c.key };
      return;
    }
    case 'MOST_RECENT':
    case 'FIRST':
    case 'LIST': {
      const top = (state.top ??= []);
      const entry: Ranked = { ts: c.ts, key: c.key, v: fn === 'LIST' ? looked(c.value) : c.value };
      // Newest first for MOST_RECENT and LIST, oldest first for FIRST; equal times keep (dataset, event id) order.
      const ahead = (a: Ranked, b: Ranked) => (fn === 'FIRST' ? before(a, b) : a.ts > b.ts || (a.ts === b.ts && a.key < b.key));
      let i = 0;
      while (i < top.length && ahead(top[i]!, entry)) i++;
      top.splice(i, 0, entry);
      if (top.length > size) top.length = size;
      return;
    }
    case 'COUNT_DISTINCT': {
      const d = (state.d ??= []);
      for (const [i, v] of looked(c.value).entries()) {
        // PQL's distinct tells objects apart by identity: each one counts, however alike.
        const text = v !== null && typeof v === 'object' ? `\u0000${c.key}\u0000${i}` : JSON.stringify(v);
        let lo = 0;
        let hi = d.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (d[mid]! < text) lo = mid + 1;
          else hi = mid;
        }
        if (d[lo] !== text) d.splice(lo, 0, text);
      }
      return;
    }
  }
}

/** The value the state stands for; what PQL gives over no events when nothing was folded (0 or null). */
export function valueOf(fn: CaFunction, state: FoldState): unknown {
  switch (fn) {
    case 'COUNT': return state.n;
    case 'SUM': return state.s ?? 0;
    case 'AVG': return state.c ? state.s! / state.c : null;
    case 'MIN':
    case 'MAX': return state.lead && state.lead.kind !== 'none' ? (state.ext?.[state.lead.kind]?.v ?? null) : null;
    case 'MOST_RECENT':
    case 'FIRST': return state.top?.[0]?.v ?? null;
    // What PQL gives: the values of the newest events, [] when there are none.
    case 'LIST': return (state.top ?? []).flatMap((t) => t.v as unknown[]);
    case 'COUNT_DISTINCT': return state.d?.length ?? 0;
  }
}

/** MOST_RECENT and FIRST: the time of the event the value came from (AEP returns both). */
export function timestampOf(fn: CaFunction, state: FoldState): number | undefined {
  return fn === 'MOST_RECENT' || fn === 'FIRST' ? state.top?.[0]?.ts : undefined;
}
