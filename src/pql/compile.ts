/** Compiles the AST once into closures over an Env; evaluation then allocates little and never re-reads the tree. */
import type { BinaryNode, FieldNode, LiteralNode, MethodNode, Node, PqlQuery } from './ast.js';
import { compileAggOver, compileChain, compileLet, compileQuant, compileSelect } from './compile-forms.js';
import { compileOccurs, timeWordValue } from './compile-time.js';
import { tick, type Fn } from './env.js';
import { PqlError, type PqlErrorCode } from './errors.js';
import { FUNCTION_NAMES, METHOD_NAMES, functionSpec, methodSpec } from './functions/globals.js';
import { eachItem, type Arg, type BuildInfo } from './functions/registry.js';
import { anyString, likeMatch, likePattern } from './functions/strings.js';
import { closest } from './suggest.js';
import { arith, inList } from './functions/operators.js';
import { compare, lookup, lookup1, makeObject, toList, truthy } from './values.js';

/** Variables in scope (name → slot) and how many element frames enclose this point (for `^`). */
export interface Scope {
  readonly vars: ReadonlyMap<string, number>;
  readonly depth: number;
}

/** The compiler's state: slot and memo counters and the source for error excerpts. */
export class Compiler {
  slots = 0;
  memos = 0;

  constructor(readonly source: string | undefined) {}

  fail(code: PqlErrorCode, detail: string, node?: { span?: PqlError['span'] }): never {
    throw new PqlError(code, detail, node?.span, this.source);
  }

  bind(scope: Scope, names: readonly string[], deeper: boolean): { scope: Scope; slots: number[] } {
    const vars = new Map(scope.vars);
    const slots = names.map((n) => {
      const slot = this.slots++;
      vars.set(n, slot);
      return slot;
    });
    return { scope: { vars, depth: scope.depth + (deeper ? 1 : 0) }, slots };
  }

  /** A scope one element frame deeper: for predicates and projections run per element. */
  inner(scope: Scope): Scope {
    return { vars: scope.vars, depth: scope.depth + 1 };
  }

  compileQuery(query: PqlQuery): { fn: Fn; paramSlots: number[] } {
    const { scope, slots } = this.bind({ vars: new Map(), depth: 0 }, query.params, false);
    return { fn: this.compile(query.body, scope), paramSlots: slots };
  }

  compile(node: Node, scope: Scope): Fn {
    switch (node.kind) {
      case 'literal': {
        const v = node.value;
        return () => v;
      }
      case 'list': {
        const items = node.items.map((i) => this.compile(i, scope));
        if (node.items.every((i) => i.kind === 'literal')) {
          const constant = Object.freeze(node.items.map((i) => (i as LiteralNode).value));
          return () => constant;
        }
        return (env) => items.map((f) => f(env));
      }
      case 'object': {
        const entries = node.entries.map((e) => [e.key, this.compile(e.value, scope)] as const);
        return (env) => makeObject(entries.map(([k, f]) => [k, f(env)]));
      }
      case 'field': return this.path(node, scope);
      case 'param': {
        const i = node.position - 1;
        return (env) => env.params[i] ?? null;
      }
      case 'var': {
        const slot = scope.vars.get(node.name);
        if (slot === undefined) this.fail('PQL_UNBOUND', `variable '${node.name}' is not bound here`, node);
        return (env) => env.slots[slot];
      }
      case 'xEvent': return (env) => env.events;
      case 'this': return (env) => env.cur;
      case 'up': {
        const levels = node.levels;
        if (levels > scope.depth) {
          this.fail('PQL_UNBOUND', `'${'^'.repeat(levels)}' reaches ${levels} filter level(s) out, but only ${scope.depth} enclose it`, node);
        }
        return (env) => env.up[env.up.length - levels];
      }
      case 'timeWord': return timeWordValue(this, node.word);
      case 'period':
        return this.fail('PQL_BAD_ARGUMENT', `'${node.which} ${node.unit}' is a period; it is only valid after 'occurs'`, node);
      case 'not': {
        const f = this.compile(node.operand, scope);
        return (env) => !truthy(f(env));
      }
      case 'neg': {
        const f = this.compile(node.operand, scope);
        return (env) => {
          const v = f(env);
          return typeof v === 'number' ? -v : null;
        };
      }
      case 'binary': return this.binary(node, scope);
      case 'logical': return this.logical(node.op, node.operands.map((o) => this.compile(o, scope)));
      case 'occurs': return compileOccurs(this, node, scope);
      case 'call': return this.call(node.name, node.args, node, scope);
      case 'method': return this.method(node, scope);
      case 'filter': return this.filter(node.array, node.predicate, scope);
      case 'lambda': return this.fail('PQL_BAD_ARGUMENT', 'a lambda is only allowed as the argument of map', node);
      case 'let': return compileLet(this, node, scope);
      case 'quant': return compileQuant(this, node, scope);
      case 'select': return compileSelect(this, node, scope);
      case 'aggOver': return compileAggOver(this, node, scope);
      case 'chain': return compileChain(this, node, scope);
    }
  }

  /** `a.b.c` as one closure: the steps are walked in a loop, arrays mapped and flattened as ref §3 says. */
  private path(node: FieldNode, scope: Scope): Fn {
    const names: string[] = [];
    let base: Node | null = node;
    while (base && base.kind === 'field') {
      names.unshift(base.name);
      base = base.object;
    }
    const from: Fn = base ? this.compile(base, scope) : (env) => env.cur;
    // JSON-LD steps (`xdm:homeAddress`) also find the XED field (`homeAddress`) that profiles are stored with.
    const alts = names.map((n) => (n.startsWith('xdm:') ? n.slice(4) : null));
    if (alts.some((a) => a !== null)) {
      return (env) => {
        let v = from(env);
        for (let i = 0; i < names.length && v !== null; i++) {
          if (Array.isArray(v)) tick(env, v.length);
          const found = lookup(v, names[i]!);
          const alt = alts[i];
          v = alt && (found === null || (Array.isArray(found) && found.length === 0)) ? lookup(v, alt) : found;
        }
        return v;
      };
    }
    if (names.length === 1) {
      const name = names[0]!;
      return (env) => {
        const v = from(env);
        if (!Array.isArray(v)) return lookup1(v, name);
        tick(env, v.length);
        return lookup(v, name);
      };
    }
    return (env) => {
      let v = from(env);
      for (let i = 0; i < names.length && v !== null; i++) {
        if (!Array.isArray(v)) v = lookup1(v, names[i]!);
        else {
          tick(env, v.length);
          v = lookup(v, names[i]!);
        }
      }
      return v;
    };
  }

  private binary(node: BinaryNode, scope: Scope): Fn {
    const l = this.compile(node.left, scope);
    const r = this.compile(node.right, scope);
    const op = node.op;
    switch (op) {
      case '=': case '!=': case '<': case '<=': case '>': case '>=': {
        const right = node.right;
        if (right.kind === 'literal' && (right.type === 'string' || right.type === 'integer' || right.type === 'double')) {
          const lit = right.value;
          const kind = typeof lit;
          if (op === '=') return (env) => {
            const v = l(env);
            return typeof v === kind ? v === lit : compare(op, v, lit);
          };
          return (env) => compare(op, l(env), lit);
        }
        return (env) => compare(op, l(env), r(env));
      }
      case '+': case '-': case '*': case '/': case '%':
        return (env) => arith(op, l(env), r(env));
      case 'like': return this.like(node, l, r);
      case 'in':
        return (env) => inList(env, l(env), r(env));
      case 'notIn':
        return (env) => {
          const v = l(env);
          const list = r(env);
          if (v === null || list === null || (Array.isArray(v) && v.length === 0)) return false;
          return !inList(env, v, list);
        };
    }
  }

  private like(node: BinaryNode, l: Fn, r: Fn): Fn {
    const lit = node.right.kind === 'literal' && node.right.type === 'string' ? likePattern(node.right.value as string) : null;
    return (env) => {
      const pattern = lit ?? (typeof r(env) === 'string' ? likePattern(r(env) as string) : null);
      if (!pattern) return false;
      const m = (n: number): void => tick(env, n);
      return anyString(l(env), (s) => likeMatch(s, pattern, m));
    };
  }

  private logical(op: 'and' | 'or', fns: Fn[]): Fn {
    if (fns.length === 2) {
      const [a, b] = fns as [Fn, Fn];
      return op === 'and' ? (env) => truthy(a(env)) && truthy(b(env)) : (env) => truthy(a(env)) || truthy(b(env));
    }
    return op === 'and' ? (env) => fns.every((f) => truthy(f(env))) : (env) => fns.some((f) => truthy(f(env)));
  }

  private info(name: string, args: readonly Node[], at: Node): BuildInfo {
    return {
      name,
      fail: (code, detail, node) => this.fail(code, detail, node ?? at),
      literal: (i) => {
        const a = args[i];
        if (!a) return undefined;
        if (a.kind === 'literal') return a.value;
        return undefined;
      },
    };
  }

  private call(name: string, argNodes: readonly Node[], node: Node, scope: Scope): Fn {
    const spec = functionSpec(name);
    if (!spec) {
      const hint = methodSpec(name) ? ` (${name} is a method: write x.${name}(...))` : suggestion(name, FUNCTION_NAMES);
      this.fail('PQL_UNKNOWN_FUNCTION', `unknown function '${name}'${hint}`, node);
    }
    this.arity(name, spec.arity, argNodes.length, node);
    const args: Arg[] = argNodes.map((a) => ({ fn: this.compile(a, scope), node: a }));
    return spec.build(args, this.info(name, argNodes, node));
  }

  private method(node: MethodNode, scope: Scope): Fn {
    const spec = methodSpec(node.name);
    if (!spec) {
      const hint = functionSpec(node.name) ? ` (${node.name} is a function: write ${node.name}(...))` : suggestion(node.name, METHOD_NAMES);
      this.fail('PQL_UNKNOWN_FUNCTION', `unknown method '${node.name}'${hint}`, node);
    }
    this.arity(node.name, spec.arity, node.args.length, node);
    const recv = this.compile(node.receiver, scope);
    const args: Arg[] = node.args.map((a, i) => {
      const perItem = spec.itemArgs?.includes(i) ?? false;
      if (a.kind === 'lambda') {
        if (!spec.lambda || i !== 0) this.fail('PQL_BAD_ARGUMENT', `a lambda is only allowed as the argument of map`, a);
        if (a.params.length > 2) this.fail('PQL_ARITY', 'a lambda for map takes one parameter (the item) or two (key and value)', a);
        const bound = this.bind(scope, a.params, true);
        return { fn: () => null, node: a, lambda: { slots: bound.slots, body: this.compile(a.body, bound.scope) } };
      }
      return { fn: this.compile(a, perItem ? this.inner(scope) : scope), node: a };
    });
    return spec.build(recv, args, this.info(node.name, node.args, node));
  }

  private arity(name: string, [min, max]: readonly [number, number], n: number, node: Node): void {
    if (n < min || n > max) {
      const want = min === max ? `${min}` : max >= 64 ? `at least ${min}` : `${min} to ${max}`;
      this.fail('PQL_ARITY', `${name} takes ${want} argument${want === '1' ? '' : 's'}, got ${n}`, node);
    }
  }

  private filter(arrayNode: Node, predicate: Node, scope: Scope): Fn {
    const array = this.compile(arrayNode, scope);
    if (predicate.kind === 'literal' && predicate.type === 'integer') {
      const i = predicate.value as number;
      return (env) => (i >= 0 ? (toList(array(env))[i] ?? null) : null);
    }
    const cond = this.compile(predicate, this.inner(scope));
    return (env) => {
      const out: unknown[] = [];
      eachItem(env, toList(array(env)), (item) => {
        if (truthy(cond(env))) out.push(item);
      });
      return out;
    };
  }
}

function suggestion(name: string, known: readonly string[]): string {
  const near = closest(name, known);
  return near ? ` (did you mean '${near}'?)` : '';
}
