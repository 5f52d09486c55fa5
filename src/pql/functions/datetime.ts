/** Date functions (ref §5.9): `date(y, m, d)`, currentMonth()/Year()/DayOfMonth(), getMonth()/getYear()/getDayOfMonth(). */
import { calendar, dateMs } from '../time.js';
import { DATE, INTEGER, arrayOf, type PqlType } from '../types.js';
import { PqlInstant, toMs } from '../values.js';
import { valueMethod, type FunctionSpec, type MethodSpec } from './registry.js';

function part(pick: (c: ReturnType<typeof calendar>) => number): MethodSpec {
  const one = (v: unknown): number | null => {
    const ms = toMs(v);
    return ms === undefined ? null : pick(calendar(ms));
  };
  return valueMethod([0, 0], (recv: PqlType) => (recv.kind === 'array' ? arrayOf(INTEGER) : INTEGER), (_env, recv) => {
    if (!Array.isArray(recv)) return one(recv);
    return recv.map(one).filter((x) => x !== null);
  }, 'temporal');
}

export const DATE_METHODS: Readonly<Record<string, MethodSpec>> = {
  getMonth: part((c) => c.month),
  getYear: part((c) => c.year),
  getDayOfMonth: part((c) => c.day),
};

function current(pick: (c: ReturnType<typeof calendar>) => number): FunctionSpec {
  return { arity: [0, 0], type: () => INTEGER, build: () => (env) => pick(calendar(env.nowMs)) };
}

/** `date(2015, 1, 8)`: month 1-based; literal arguments are checked when compiled, computed ones give null if invalid. */
const date: FunctionSpec = {
  arity: [3, 3],
  type: () => DATE,
  build: (args, info) => {
    const lits = [0, 1, 2].map((i) => info.literal(i));
    if (lits.every((v) => v !== undefined)) {
      const ms = dateMs(lits[0] as number, lits[1] as number, lits[2] as number);
      if (Number.isNaN(ms)) info.fail('PQL_BAD_ARGUMENT', `date(${lits.map(String).join(', ')}) is not a calendar date (month and day are 1-based)`);
      const value = new PqlInstant(ms, true);
      return () => value;
    }
    const [y, m, d] = args.map((a) => a.fn) as [typeof args[0]['fn'], typeof args[0]['fn'], typeof args[0]['fn']];
    return (env) => {
      const ms = dateMs(y(env) as number, m(env) as number, d(env) as number);
      return Number.isNaN(ms) ? null : new PqlInstant(ms, true);
    };
  },
};

export const DATE_FUNCTIONS: Readonly<Record<string, FunctionSpec>> = {
  date,
  currentMonth: current((c) => c.month),
  currentYear: current((c) => c.year),
  currentDayOfMonth: current((c) => c.day),
};
