/** compilePql: text or AST to a reusable evaluator over {profile, events, now, segments}, with limits and a clock. */
import type { PqlQuery } from './ast.js';
import { Compiler } from './compile.js';
import type { Env, Fn } from './env.js';
import { PqlError } from './errors.js';
import { checkDepth, DEFAULT_LIMITS, type PqlLimits } from './limits.js';
import { parsePql } from './parser.js';
import { parseTemporal } from './time.js';
import { lookup, toList, toOutput } from './values.js';

/** What one evaluation sees. `now` defaults to the compile options' clock, then to the system clock. */
export interface PqlContext {
  /** The merged profile (XED field names); bare paths and `$1` resolve against it. */
  readonly profile?: unknown;
  /** The profile's experience events (`xEvent`). */
  readonly events?: readonly unknown[];
  /** The evaluation time: a Date, epoch ms or an ISO-8601 string (UTC). */
  readonly now?: Date | number | string;
  /**
   * Segment ids the profile belongs to, for inSegment(...). Without it, the profile's own
   * `segmentMembership.ups[id].status` of realized or existing counts as membership.
   */
  readonly segments?: ReadonlySet<string> | readonly string[] | ((id: string) => boolean);
  /** Instances of other models for pql/json's modelInstances("<schema $id>"), keyed by $id. */
  readonly models?: Readonly<Record<string, readonly unknown[]>>;
  /** Positional parameters for `$1`, `$2`, ... and a lambda head; defaults to [profile]. */
  readonly params?: readonly unknown[];
}

export interface PqlCompileOptions extends Partial<PqlLimits> {
  /** Injectable clock (epoch ms) used when a context gives no `now`. */
  readonly clock?: () => number;
  /** Whether isNull() treats an empty array as null (ref §5.8, PROPOSED; default true). */
  readonly emptyArrayIsNull?: boolean;
}

/** A compiled definition; safe to evaluate many times and from many profiles (it holds no per-evaluation state). */
export interface CompiledPql {
  readonly query: PqlQuery;
  /** The result as plain JSON-ready data (dates as ISO strings, maps as objects). */
  evaluate(ctx: PqlContext): unknown;
  /** The result and the number of steps it took, for tests, benchmarks and budgeting. */
  evaluateWithStats(ctx: PqlContext): { value: unknown; steps: number };
}

const ACTIVE = new Set(['realized', 'existing']);

/** Compiles pql/text or a parsed query once; throws PqlError for unknown functions, bad arguments and limits. */
export function compilePql(input: string | PqlQuery, options: PqlCompileOptions = {}): CompiledPql {
  const limits = { ...DEFAULT_LIMITS, ...options };
  const query = typeof input === 'string' ? parsePql(input, limits) : input;
  if (!query || query.kind !== 'query') throw new PqlError('PQL_BAD_ARGUMENT', 'compilePql expects PQL text or a query from parsePql/fromPqlJson');
  checkDepth(query.body, limits.maxDepth, query.source);
  const compiler = new Compiler(query.source);
  let compiled: { fn: Fn; paramSlots: number[] };
  try {
    compiled = compiler.compileQuery(query);
  } catch (e) {
    throw e instanceof PqlError && query.source !== undefined ? e.withSource(query.source) : e;
  }
  const { fn, paramSlots } = compiled;
  const { slots, memos } = compiler;
  const emptyArrayIsNull = options.emptyArrayIsNull ?? true;
  const clock = options.clock ?? Date.now;

  const run = (ctx: PqlContext): { value: unknown; steps: number } => {
    const profile = ctx.profile ?? null;
    const params = ctx.params ?? [profile];
    const env: Env = {
      profile,
      events: ctx.events === undefined ? [] : toList(ctx.events),
      nowMs: nowOf(ctx.now, clock),
      inSegment: membership(ctx.segments, profile),
      models: (uri) => (ctx.models && Object.hasOwn(ctx.models, uri) ? toList(ctx.models[uri]) : []),
      params,
      emptyArrayIsNull,
      cur: params[0] ?? null,
      up: [],
      slots: new Array<unknown>(slots),
      memo: new Array<unknown>(memos),
      steps: 0,
      maxSteps: limits.maxSteps,
    };
    paramSlots.forEach((slot, i) => {
      env.slots[slot] = params[i] ?? null;
    });
    const value = toOutput(fn(env));
    return { value, steps: env.steps };
  };
  return Object.freeze({ query, evaluate: (ctx: PqlContext) => run(ctx).value, evaluateWithStats: run });
}

function nowOf(now: PqlContext['now'], clock: () => number): number {
  if (now === undefined) return clock();
  const ms = now instanceof Date ? now.getTime() : typeof now === 'number' ? now : typeof now === 'string' ? parseTemporal(now) : NaN;
  if (!Number.isFinite(ms)) throw new PqlError('PQL_BAD_ARGUMENT', `'now' must be a Date, epoch milliseconds or an ISO-8601 string, got ${String(now)}`);
  return ms;
}

function membership(segments: PqlContext['segments'], profile: unknown): (id: string) => boolean {
  if (typeof segments === 'function') return (id) => segments(id) === true;
  if (segments instanceof Set) return (id) => segments.has(id);
  if (Array.isArray(segments)) return (id) => segments.includes(id);
  const ups = lookup(lookup(profile, 'segmentMembership'), 'ups');
  return (id) => {
    const status = lookup(lookup(ups, id), 'status');
    return typeof status === 'string' && ACTIVE.has(status);
  };
}
