/** Compiles time: `now`/`today` values, time references and periods, and every `occurs` form (ref §5.9). */
import type { Node, OccursNode, OccursTail, TimeWord } from './ast.js';
import type { Compiler, Scope } from './compile.js';
import { tick, type Env, type Fn } from './env.js';
import { DAY_MS, addUnits, isDateOnly, period, startOf } from './time.js';
import { PqlInstant, toMs } from './values.js';

type Period = readonly [number, number] | null;
/** The test an occurs tail applies to one timestamp (epoch ms). */
export type Test = (env: Env, t: number) => boolean;

/** Caches a value that depends only on the evaluation (on now), once per evaluation. */
function perEvaluation<T>(c: Compiler, compute: (env: Env) => T): (env: Env) => T {
  const slot = c.memos++;
  return (env) => {
    const hit = env.memo[slot];
    if (hit !== undefined) return hit as T;
    const v = compute(env);
    env.memo[slot] = v;
    return v;
  };
}

function startOfDay(env: Env): number {
  return Math.floor(env.nowMs / DAY_MS) * DAY_MS;
}

function wordPeriod(word: TimeWord, env: Env): [number, number] {
  if (word === 'now') return [env.nowMs, env.nowMs + 1];
  const offset = word === 'today' ? 0 : word === 'yesterday' ? -1 : 1;
  const start = startOfDay(env) + offset * DAY_MS;
  return [start, start + DAY_MS];
}

/** `now` as an instant, `today`/`yesterday`/`tomorrow` as the date at the start of that day. */
export function timeWordValue(c: Compiler, word: TimeWord): Fn {
  return perEvaluation(c, (env) => new PqlInstant(wordPeriod(word, env)[0], word !== 'now'));
}

/** A value as a period: a date is its whole day, an instant (or date-time string or epoch ms) a 1 ms period. */
function toPeriod(v: unknown): Period {
  if (v instanceof PqlInstant) return [v.ms, v.ms + (v.dateOnly ? DAY_MS : 1)];
  const ms = toMs(Array.isArray(v) ? v[0] : v);
  if (ms === undefined) return null;
  return [ms, ms + (typeof v === 'string' && isDateOnly(v) ? DAY_MS : 1)];
}

function compileRef(c: Compiler, ref: Node, scope: Scope): (env: Env) => Period {
  if (ref.kind === 'timeWord') return perEvaluation(c, (env) => wordPeriod(ref.word, env));
  if (ref.kind === 'period') return perEvaluation(c, (env) => period(ref.which, ref.unit, env.nowMs));
  const f = c.compile(ref, scope);
  return (env) => toPeriod(f(env));
}

const nowOnly = (ref: Node): boolean => ref.kind === 'timeWord' || ref.kind === 'period';

/** The test an occurs tail applies to one timestamp (ref §5.9, PROPOSED semantics). */
export function compileTail(c: Compiler, tail: OccursTail, scope: Scope): Test {
  switch (tail.form) {
    case 'on': {
      const ref = compileRef(c, tail.ref, scope);
      return (env, t) => {
        const p = ref(env);
        return p !== null && p[0] <= t && t < p[1];
      };
    }
    case 'direction': {
      const ref = compileRef(c, tail.ref, scope);
      if (tail.direction === 'before') return (env, t) => {
        const p = ref(env);
        return p !== null && t < p[0];
      };
      return (env, t) => {
        const p = ref(env);
        return p !== null && t >= p[1];
      };
    }
    case 'between': {
      const from = compileRef(c, tail.from, scope);
      const to = compileRef(c, tail.to, scope);
      return (env, t) => {
        const a = from(env);
        const b = to(env);
        return a !== null && b !== null && a[0] <= t && t < b[1];
      };
    }
    case 'relative': {
      const ref = compileRef(c, tail.ref, scope);
      const { unit, amount, op } = tail;
      const before = tail.direction === 'before';
      const compute = (env: Env): readonly [number, number, number] | null => {
        const p = ref(env);
        if (!p) return null;
        const bound = addUnits(p[0], unit, before ? -amount : amount);
        return [p[0], bound, startOf(bound, unit)];
      };
      const bounds = nowOnly(tail.ref) ? perEvaluation(c, compute) : compute;
      return (env, t) => {
        const b = bounds(env);
        if (!b) return false;
        const [r, bound, bucket] = b;
        switch (op) {
          case '=': return startOf(t, unit) === bucket;
          case '!=': return startOf(t, unit) !== bucket;
          case '<': return before ? bound < t && t <= r : r <= t && t < bound;
          case '<=': return before ? bound <= t && t <= r : r <= t && t <= bound;
          case '>': return before ? t < bound : t > bound;
          case '>=': return before ? t <= bound : t >= bound;
        }
      };
    }
  }
}

/** `t occurs ...`: a null or unreadable t is false; a list of times is true when any of them occurs so. */
export function compileOccurs(c: Compiler, node: OccursNode, scope: Scope): Fn {
  const subject = c.compile(node.subject, scope);
  const test = compileTail(c, node.tail, scope);
  return (env) => {
    const v = subject(env);
    if (Array.isArray(v)) {
      tick(env, v.length);
      return v.some((x) => {
        const ms = toMs(x);
        return ms !== undefined && test(env, ms);
      });
    }
    const ms = toMs(v);
    return ms !== undefined && test(env, ms);
  };
}
