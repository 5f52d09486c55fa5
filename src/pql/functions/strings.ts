/** String methods (ref §5.4): case flags, any-of equals, `like`, and `matches`/`regexGroup` on the safe regex engine. */
import { meter, type Env } from '../env.js';
import { RegexSyntaxError } from '../regex/parse.js';
import { compileJavaRegex, type JavaRegex } from '../regex/vm.js';
import { BOOLEAN, STRING, arrayOf, type PqlType } from '../types.js';
import { valueMethod, type Arg, type BuildInfo, type MethodSpec } from './registry.js';

/** A string argument: strings as they are, numbers and booleans spelled out (coerced to the receiver's type). */
function asString(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

/** A predicate applied to a receiver that may be a list: true when any string in it satisfies the test. */
export function anyString(recv: unknown, test: (s: string) => boolean): boolean {
  if (typeof recv === 'string') return test(recv);
  if (Array.isArray(recv)) return recv.some((x) => typeof x === 'string' && test(x));
  return false;
}

function hasString(recv: unknown): boolean {
  return typeof recv === 'string' || (Array.isArray(recv) && recv.some((x) => typeof x === 'string'));
}

const boolType = (): PqlType => BOOLEAN;

function affix(test: (s: string, a: string) => boolean, negated: boolean): MethodSpec {
  return valueMethod([1, 2], boolType, (_env, recv, [arg, flag]) => {
    const a = asString(arg);
    if (a === null) return false;
    const sensitive = flag !== false;
    const needle = sensitive ? a : a.toLowerCase();
    const positive = anyString(recv, (s) => test(sensitive ? s : s.toLowerCase(), needle));
    return negated ? hasString(recv) && !positive : positive;
  }, 'string');
}

/** `equals(a)`, `equals(a, false)`, `equals(a, b, c, ...)`: any-of, with an optional trailing case flag (ref §12 #9). */
function equalsAny(recv: unknown, args: unknown[]): boolean {
  let sensitive = true;
  let values = args;
  if (typeof args[args.length - 1] === 'boolean' && args.length > 1) {
    sensitive = args[args.length - 1] !== false;
    values = args.slice(0, -1);
  }
  const wanted = values.map(asString).filter((v): v is string => v !== null).map((v) => (sensitive ? v : v.toLowerCase()));
  return anyString(recv, (s) => wanted.includes(sensitive ? s : s.toLowerCase()));
}

// Patterns built from data are compiled on first use; this bounds how many are remembered.
const dynamicRegexes = new Map<string, JavaRegex | null>();

function dynamicRegex(pattern: string): JavaRegex | null {
  let re = dynamicRegexes.get(pattern);
  if (re === undefined) {
    try {
      re = compileJavaRegex(pattern);
    } catch {
      re = null;
    }
    if (dynamicRegexes.size > 1000) dynamicRegexes.clear();
    dynamicRegexes.set(pattern, re);
  }
  return re;
}

/** A pattern argument: compiled once when it is a literal (errors point at it), per distinct value otherwise. */
function regexArg(args: readonly Arg[], info: BuildInfo): (env: Env) => JavaRegex | null {
  const lit = info.literal(0);
  if (typeof lit === 'string') {
    let re: JavaRegex;
    try {
      re = compileJavaRegex(lit);
    } catch (e) {
      if (e instanceof RegexSyntaxError) info.fail('PQL_BAD_REGEX', `invalid regular expression ${JSON.stringify(lit)}: ${e.message}`, args[0]!.node);
      throw e;
    }
    return () => re;
  }
  const fn = args[0]!.fn;
  return (env) => {
    const p = fn(env);
    return typeof p === 'string' ? dynamicRegex(p) : null;
  };
}

const matches: MethodSpec = {
  arity: [1, 1],
  expects: 'string',
  type: boolType,
  build: (recv, args, info) => {
    const regex = regexArg(args, info);
    return (env) => {
      const r = recv(env);
      const re = regex(env);
      if (!re) return false;
      const m = meter(env);
      return anyString(r, (s) => re.test(s, m));
    };
  },
};

const regexGroup: MethodSpec = {
  arity: [1, 2],
  expects: 'string',
  type: (recv) => (recv.kind === 'array' ? arrayOf(STRING) : STRING),
  build: (recv, args, info) => {
    const regex = regexArg(args, info);
    const groupLit = info.literal(1);
    if (args[1] && groupLit !== undefined && (!Number.isInteger(groupLit) || (groupLit as number) < 0)) {
      info.fail('PQL_BAD_ARGUMENT', 'the group of regexGroup must be a whole number ≥ 0', args[1].node);
    }
    const groupFn = args[1]?.fn;
    return (env) => {
      const re = regex(env);
      const group = groupFn ? groupFn(env) : 1;
      if (!re || !Number.isInteger(group) || (group as number) < 0 || (group as number) > re.groups) return null;
      const m = meter(env);
      const one = (s: string): string | null => {
        const caps = re.exec(s, m);
        const g = group as number;
        return caps && caps[2 * g]! >= 0 ? s.slice(caps[2 * g], caps[2 * g + 1]) : null;
      };
      const r = recv(env);
      if (typeof r === 'string') return one(r);
      if (!Array.isArray(r)) return null;
      return r.filter((x): x is string => typeof x === 'string').map(one).filter((x) => x !== null);
    };
  },
};

export const STRING_METHODS: Readonly<Record<string, MethodSpec>> = {
  contains: affix((s, a) => s.includes(a), false),
  doesNotContain: affix((s, a) => s.includes(a), true),
  startsWith: affix((s, a) => s.startsWith(a), false),
  doesNotStartWith: affix((s, a) => s.startsWith(a), true),
  endsWith: affix((s, a) => s.endsWith(a), false),
  doesNotEndWith: affix((s, a) => s.endsWith(a), true),
  equals: valueMethod([1, 64], boolType, (_env, recv, args) => equalsAny(recv, args), 'string'),
  notEqualTo: valueMethod([1, 64], boolType, (_env, recv, args) => hasString(recv) && !equalsAny(recv, args), 'string'),
  matches,
  regexGroup,
};

type LikeToken = { kind: 'char'; ch: string } | { kind: 'one' } | { kind: 'any' };

/** Reads a `like` pattern: `%` any run, `_` one character, `\%` `\_` `\\` literal (ref §5.4, PROPOSED escapes). */
export function likePattern(pattern: string): LikeToken[] {
  const out: LikeToken[] = [];
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '\\' && i + 1 < chars.length) out.push({ kind: 'char', ch: chars[++i]! });
    else if (c === '%') {
      if (out[out.length - 1]?.kind !== 'any') out.push({ kind: 'any' });
    } else if (c === '_') out.push({ kind: 'one' });
    else out.push({ kind: 'char', ch: c });
  }
  return out;
}

/** Whole-string wildcard match, O(|s|·|pattern|) at worst, charged to `tick`. */
export function likeMatch(s: string, pattern: readonly LikeToken[], tick: (n: number) => void): boolean {
  const text = [...s];
  let t = 0;
  let p = 0;
  let starP = -1;
  let starT = 0;
  let work = 0;
  while (t < text.length) {
    work++;
    const tok = pattern[p];
    if (tok && (tok.kind === 'one' || (tok.kind === 'char' && tok.ch === text[t]))) {
      t++;
      p++;
    } else if (tok?.kind === 'any') {
      starP = p++;
      starT = t;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else {
      tick(work);
      return false;
    }
  }
  while (pattern[p]?.kind === 'any') p++;
  tick(work);
  return p === pattern.length;
}
