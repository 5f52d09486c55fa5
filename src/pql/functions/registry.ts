/** The shape of built-in functions and methods, shared by the compiler (build) and the checker (type). */
import type { Node } from '../ast.js';
import { tick, type Env, type Fn } from '../env.js';
import type { PqlErrorCode } from '../errors.js';
import type { PqlType } from '../types.js';

/** A compiled argument; `lambda` is set when the argument was written `(K, G) => body`. */
export interface Arg {
  readonly fn: Fn;
  readonly node: Node;
  readonly lambda?: { readonly slots: readonly number[]; readonly body: Fn };
}

/** What a builder may ask of the compiler: fail at the call's position, read a literal argument. */
export interface BuildInfo {
  readonly name: string;
  fail(code: PqlErrorCode, detail: string, at?: Node): never;
  /** The value of argument i when it is a literal, else undefined. */
  literal(i: number): unknown;
}

export interface MethodSpec {
  /** Fewest and most arguments, the receiver not counted. */
  readonly arity: readonly [number, number];
  /** Arguments evaluated once per element with the element as the implicit context (projections, predicates). */
  readonly itemArgs?: readonly number[];
  /** Whether argument 0 may be a lambda. */
  readonly lambda?: boolean;
  /** What the receiver should be, so the checker can reject `person.age.startsWith("1")` when types are known. */
  readonly expects?: 'string' | 'temporal' | 'list' | 'map';
  readonly build: (recv: Fn, args: readonly Arg[], info: BuildInfo) => Fn;
  readonly type: (recv: PqlType, args: readonly PqlType[]) => PqlType;
}

export interface FunctionSpec {
  readonly arity: readonly [number, number];
  readonly build: (args: readonly Arg[], info: BuildInfo) => Fn;
  readonly type: (args: readonly PqlType[]) => PqlType;
}

/** A method whose arguments are plain values: evaluates receiver and arguments, then applies `impl`. */
export function valueMethod(
  arity: readonly [number, number],
  type: MethodSpec['type'],
  impl: (env: Env, recv: unknown, args: unknown[]) => unknown,
  expects?: MethodSpec['expects'],
): MethodSpec {
  return {
    arity,
    type,
    ...(expects ? { expects } : {}),
    build: (recv, args) => {
      const fns = args.map((a) => a.fn);
      if (fns.length === 0) return (env) => impl(env, recv(env), []);
      if (fns.length === 1) {
        const [a0] = fns as [Fn];
        return (env) => impl(env, recv(env), [a0(env)]);
      }
      return (env) => impl(env, recv(env), fns.map((f) => f(env)));
    },
  };
}

/** Runs `body` for each item with the item as the current element; an evaluation that throws is abandoned whole. */
export function eachItem(env: Env, items: readonly unknown[], body: (item: unknown, index: number) => boolean | void): void {
  env.up.push(env.cur);
  for (let i = 0; i < items.length; i++) {
    if (++env.steps > env.maxSteps) tick(env, 0);
    env.cur = items[i];
    if (body(items[i], i) === false) break;
  }
  env.cur = env.up.pop();
}
