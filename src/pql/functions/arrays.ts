/** List, set and aggregate methods (ref §5.5, §5.6): projections run per element, nulls are skipped. */
import type { AggName } from '../ast.js';
import { tick, type Env, type Fn } from '../env.js';
import { ANY, BOOLEAN, INTEGER, NUMBER, arrayOf, elementOf, mapOf, type PqlType } from '../types.js';
import { PqlEntry, PqlInstant, equals, identityKey, isPlainObject, toList, toMs, truthy } from '../values.js';
import { eachItem, valueMethod, type MethodSpec } from './registry.js';

/** The values a projection yields over a list, one level of arrays flattened and nulls dropped. */
export function projected(env: Env, list: readonly unknown[], proj: Fn | undefined): unknown[] {
  const out: unknown[] = [];
  const push = (v: unknown): void => {
    if (v === null || v === undefined) return;
    if (Array.isArray(v)) {
      for (const x of v) if (x !== null && x !== undefined) out.push(x);
    } else out.push(v);
  };
  if (!proj) {
    tick(env, list.length);
    for (const v of list) push(v);
  } else eachItem(env, list, () => push(proj(env)));
  return out;
}

/** Sum of the numbers in `values` (non-numbers ignored); 0 for none, as `sum` of nothing is 0 (ref §5.6). */
function sumOf(values: readonly unknown[]): number {
  let total = 0;
  for (const v of values) if (typeof v === 'number') total += v;
  return total;
}

type Order = (a: unknown, b: unknown) => number;

/** An ordering for min/max/topN chosen from the first value: numbers, times (instants or ISO strings) or strings. */
function orderFor(sample: unknown): { accepts: (v: unknown) => boolean; order: Order } | null {
  if (typeof sample === 'number') return { accepts: (v) => typeof v === 'number', order: (a, b) => (a as number) - (b as number) };
  if (sample instanceof PqlInstant || (typeof sample === 'string' && toMs(sample) !== undefined)) {
    return { accepts: (v) => toMs(v) !== undefined && typeof v !== 'number', order: (a, b) => toMs(a)! - toMs(b)! };
  }
  if (typeof sample === 'string') return { accepts: (v) => typeof v === 'string', order: (a, b) => ((a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0) };
  if (typeof sample === 'boolean') return { accepts: (v) => typeof v === 'boolean', order: (a, b) => Number(a) - Number(b) };
  return null;
}

function extreme(values: readonly unknown[], sign: 1 | -1): unknown {
  const o = orderFor(values[0]);
  if (!o) return null;
  let best: unknown = null;
  for (const v of values) if (o.accepts(v) && (best === null || sign * o.order(v, best) > 0)) best = v;
  return best;
}

/** An aggregate over already projected values: count, sum (0 for none), average/min/max (null for none). */
export function aggregateValues(agg: AggName, values: readonly unknown[]): unknown {
  switch (agg) {
    case 'count': return values.length;
    case 'sum': return sumOf(values);
    case 'average': {
      const nums = values.filter((x) => typeof x === 'number');
      return nums.length ? sumOf(nums) / nums.length : null;
    }
    case 'min': return extreme(values, -1);
    case 'max': return extreme(values, 1);
  }
}

function aggregate(agg: AggName, type: (elem: PqlType) => PqlType): MethodSpec {
  return {
    arity: [0, 1],
    itemArgs: [0],
    expects: 'list',
    type: (recv, args) => type(args.length ? elementOf(args[0]!) : elementOf(recv)),
    build: (recv, args) => {
      const proj = args[0]?.fn;
      return (env) => aggregateValues(agg, projected(env, toList(recv(env)), proj));
    },
  };
}

const count: MethodSpec = {
  arity: [0, 1],
  itemArgs: [0],
  expects: 'list',
  type: () => INTEGER,
  build: (recv, args) => {
    const proj = args[0]?.fn;
    if (!proj) return (env) => toList(recv(env)).length;
    return (env) => {
      let n = 0;
      eachItem(env, toList(recv(env)), () => {
        const v = proj(env);
        if (v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0)) n++;
      });
      return n;
    };
  },
};

/** topN/bottomN (ref §5.5, following the examples): a stable sort by the projection, nulls last, first n items. */
function ranked(descending: boolean): MethodSpec {
  return {
    arity: [2, 2],
    itemArgs: [0],
    expects: 'list',
    type: (recv) => arrayOf(elementOf(recv)),
    build: (recv, args) => {
      const [proj, amount] = [args[0]!.fn, args[1]!.fn];
      return (env) => {
        const list = toList(recv(env));
        const n = amount(env);
        if (typeof n !== 'number' || !(n > 0)) return [];
        const keyed: { item: unknown; key: unknown; i: number }[] = [];
        eachItem(env, list, (item, i) => {
          const k = proj(env);
          keyed.push({ item, key: Array.isArray(k) ? (k[0] ?? null) : k, i });
        });
        const o = orderFor(keyed.find((k) => k.key !== null)?.key);
        tick(env, Math.ceil(keyed.length * Math.log2(keyed.length + 1)));
        const valid = (k: unknown): boolean => k !== null && !!o && o.accepts(k);
        keyed.sort((a, b) => {
          const va = valid(a.key);
          const vb = valid(b.key);
          if (!va || !vb) return va === vb ? a.i - b.i : va ? -1 : 1;
          const c = o!.order(a.key, b.key);
          return (descending ? -c : c) || a.i - b.i;
        });
        return keyed.slice(0, Math.floor(n)).map((k) => k.item);
      };
    },
  };
}

function contains(env: Env, list: readonly unknown[], item: unknown): boolean {
  tick(env, list.length);
  return list.some((x) => equals(x, item));
}

function setMethod(type: PqlType | null, impl: (env: Env, a: readonly unknown[], b: readonly unknown[], recvNull: boolean) => unknown): MethodSpec {
  return valueMethod([1, 1], (recv) => type ?? arrayOf(elementOf(recv)), (env, recv, [other]) =>
    impl(env, toList(recv), toList(other), recv === null || other === null), 'list');
}

/** Keys groupBy can use: scalars, and instants spelled as ISO strings; a list key groups by its first element. */
function groupKey(k: unknown): unknown {
  const v = Array.isArray(k) ? (k[0] ?? null) : k;
  if (v instanceof PqlInstant) return v.toJSON();
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : null;
}

const groupBy: MethodSpec = {
  arity: [1, 1],
  itemArgs: [0],
  expects: 'list',
  type: (recv) => mapOf(arrayOf(elementOf(recv))),
  build: (recv, args) => {
    const key = args[0]!.fn;
    return (env) => {
      const groups = new Map<unknown, unknown[]>();
      eachItem(env, toList(recv(env)), (item) => {
        const k = groupKey(key(env));
        if (k === null) return;
        const g = groups.get(k);
        if (g) g.push(item);
        else groups.set(k, [item]);
      });
      return groups;
    };
  },
};

/** `.map(expr)` / `.map((K, G) => ...)`: over a map the lambda gets (key, value); results that are all entries fold back. */
const map: MethodSpec = {
  arity: [1, 1],
  itemArgs: [0],
  lambda: true,
  type: (_recv, args) => {
    const t = args[0] ?? ANY;
    return t.kind === 'map' ? t : arrayOf(t);
  },
  build: (recv, args) => {
    const arg = args[0]!;
    return (env) => {
      const r = recv(env);
      const pairs: [unknown, unknown][] =
        r instanceof Map ? [...r.entries()]
        : isPlainObject(r) ? Object.entries(r)
        : toList(r).map((v, i) => [i, v]);
      const keyed = r instanceof Map || isPlainObject(r);
      const out: unknown[] = [];
      const lambda = arg.lambda;
      eachItem(env, pairs.map((p) => p[1]), (value, i) => {
        if (lambda) {
          const [a, b] = lambda.slots;
          if (b === undefined) env.slots[a!] = value;
          else {
            env.slots[a!] = keyed ? pairs[i]![0] : i;
            env.slots[b] = value;
          }
          out.push(lambda.body(env));
        } else out.push(arg.fn(env));
      });
      if (out.length && out.every((x) => x instanceof PqlEntry)) {
        const folded = new Map<unknown, unknown>();
        for (const e of out as PqlEntry[]) {
          const k = groupKey(e.key);
          if (k !== null) folded.set(k, e.value);
        }
        return folded;
      }
      return out;
    };
  },
};

function predicateMethod(kind: 'filter' | 'exists'): MethodSpec {
  return {
    arity: [1, 1],
    itemArgs: [0],
    expects: 'list',
    type: (recv) => (kind === 'exists' ? BOOLEAN : arrayOf(elementOf(recv))),
    build: (recv, args) => {
      const cond = args[0]!.fn;
      if (kind === 'exists') {
        return (env) => {
          let found = false;
          eachItem(env, toList(recv(env)), () => !(found = truthy(cond(env))));
          return found;
        };
      }
      return (env) => {
        const out: unknown[] = [];
        eachItem(env, toList(recv(env)), (item) => void (truthy(cond(env)) && out.push(item)));
        return out;
      };
    },
  };
}

export const ARRAY_METHODS: Readonly<Record<string, MethodSpec>> = {
  count,
  sum: aggregate('sum', (e) => (e.kind === 'number' ? e : NUMBER)),
  average: aggregate('average', () => NUMBER),
  min: aggregate('min', (e) => e),
  max: aggregate('max', (e) => e),
  distinct: valueMethod([0, 0], (recv) => arrayOf(elementOf(recv)), (env, recv) => {
    const list = toList(recv);
    tick(env, list.length);
    const seen = new Set<unknown>();
    return list.filter((x) => !seen.has(identityKey(x)) && !!seen.add(identityKey(x)));
  }, 'list'),
  head: valueMethod([0, 0], (recv) => elementOf(recv), (_env, recv) => toList(recv)[0] ?? null, 'list'),
  topN: ranked(true),
  bottomN: ranked(false),
  includes: valueMethod([1, 1], () => BOOLEAN, (env, recv, [item]) => item !== null && contains(env, toList(recv), item), 'list'),
  intersects: setMethod(BOOLEAN, (env, a, b) => a.some((x) => contains(env, b, x))),
  intersection: setMethod(null, (env, a, b) => {
    const seen = new Set<unknown>();
    return a.filter((x) => contains(env, b, x) && !seen.has(identityKey(x)) && !!seen.add(identityKey(x)));
  }),
  subsetOf: setMethod(BOOLEAN, (env, a, b, anyNull) => !anyNull && a.every((x) => contains(env, b, x))),
  supersetOf: setMethod(BOOLEAN, (env, a, b, anyNull) => !anyNull && b.every((x) => contains(env, a, x))),
  groupBy,
  map,
  filter: predicateMethod('filter'),
  exists: predicateMethod('exists'),
};
