/** Compiles the special forms: chain, quantifiers, select, `agg … over` and let. */
import type { AggOverNode, ChainNode, LetNode, QuantNode, SelectNode, VarDecl } from './ast.js';
import type { Compiler, Scope } from './compile.js';
import { compileTail, type Test } from './compile-time.js';
import { tick, type Env, type Fn } from './env.js';
import { aggregateValues } from './functions/arrays.js';
import { eachItem } from './functions/registry.js';
import { lookup, toList, toMs, truthy } from './values.js';

/** `let X = v in body`: the value is evaluated once, into the variable's slot. */
export function compileLet(c: Compiler, node: LetNode, scope: Scope): Fn {
  const value = c.compile(node.value, scope);
  const { scope: inner, slots } = c.bind(scope, [node.name], false);
  const body = c.compile(node.body, inner);
  const slot = slots[0]!;
  return (env) => {
    env.slots[slot] = value(env);
    return body(env);
  };
}

interface Clause {
  readonly slot: number;
  readonly from: Fn;
  readonly where: Fn | null;
}

/** Compiles declarations in order, each in the scope of those before it and one element frame deeper. */
function clauses(c: Compiler, vars: readonly VarDecl[], scope: Scope): { cl: Clause[]; scope: Scope } {
  const cl: Clause[] = [];
  let s = scope;
  for (const d of vars) {
    const from = c.compile(d.from, s);
    const bound = c.bind(s, [d.name], true);
    s = bound.scope;
    cl.push({ slot: bound.slots[0]!, from, where: d.where ? c.compile(d.where, s) : null });
  }
  return { cl, scope: s };
}

/** ∃ over clauses i..: each element must satisfy its where and the rest (ref §5.11: nested, a conjunction). */
function existsFrom(cl: readonly Clause[], i: number, env: Env): boolean {
  const { slot, from, where } = cl[i]!;
  const last = i + 1 === cl.length;
  let found = false;
  eachItem(env, toList(from(env)), (item) => {
    env.slots[slot] = item;
    if ((!where || truthy(where(env))) && (last || existsFrom(cl, i + 1, env))) {
      found = true;
      return false;
    }
  });
  return found;
}

function forallFrom(cl: readonly Clause[], i: number, env: Env): boolean {
  const { slot, from, where } = cl[i]!;
  let all = true;
  eachItem(env, toList(from(env)), (item) => {
    env.slots[slot] = item;
    if (!((!where || truthy(where(env))) && (i + 1 === cl.length || forallFrom(cl, i + 1, env)))) {
      all = false;
      return false;
    }
  });
  return all;
}

/** The elements of the first clause for which every clause holds (select, and `one` counts them). */
function qualifying(cl: readonly Clause[], env: Env, limit = Infinity): unknown[] {
  const { slot, from, where } = cl[0]!;
  const out: unknown[] = [];
  eachItem(env, toList(from(env)), (item) => {
    env.slots[slot] = item;
    if ((!where || truthy(where(env))) && (cl.length === 1 || existsFrom(cl, 1, env))) out.push(item);
    return out.length < limit;
  });
  return out;
}

/** exists/forall/none/one over nested declarations. */
export function compileQuant(c: Compiler, node: QuantNode, scope: Scope): Fn {
  const { cl } = clauses(c, node.vars, scope);
  switch (node.quantifier) {
    case 'exists': return (env) => existsFrom(cl, 0, env);
    case 'none': return (env) => !existsFrom(cl, 0, env);
    case 'forall': return (env) => forallFrom(cl, 0, env);
    case 'one': return (env) => qualifying(cl, env, 2).length === 1;
  }
}

/** `select X from A where c, ...`: the qualifying bindings of X, as a list. */
export function compileSelect(c: Compiler, node: SelectNode, scope: Scope): Fn {
  const { cl } = clauses(c, node.vars, scope);
  return (env) => qualifying(cl, env);
}

/** `sum X.a over X from A where c`: here `where` filters the domain, as in SQL. */
export function compileAggOver(c: Compiler, node: AggOverNode, scope: Scope): Fn {
  const { cl: [cl], scope: inner } = clauses(c, [node.decl], scope) as { cl: [Clause]; scope: Scope };
  const projection = c.compile(node.projection, inner);
  return (env) => {
    const values: unknown[] = [];
    eachItem(env, toList(cl.from(env)), (item) => {
      env.slots[cl.slot] = item;
      if (cl.where && !truthy(cl.where(env))) return;
      const v = projection(env);
      if (Array.isArray(v)) values.push(...v.filter((x) => x !== null));
      else if (v !== null) values.push(v);
    });
    return aggregateValues(node.agg, values);
  };
}

interface Step {
  readonly what: Fn;
  readonly where: Fn | null;
  readonly when: Test | null;
  readonly count: { readonly op: string; readonly n: number } | null;
}

/** `chain(...)`: events sorted by time, steps matched greedily in strict time order (ref §5.14, PROPOSED). */
export function compileChain(c: Compiler, node: ChainNode, scope: Scope): Fn {
  const events = c.compile(node.events, scope);
  const inner = c.inner(scope);
  const steps: Step[] = node.steps.map((s, i) => {
    if (s.count && !['>=', '>'].includes(s.count.op) && i !== node.steps.length - 1) {
      c.fail('PQL_BAD_ARGUMENT', `COUNT(${s.count.op} ${s.count.n}) is only allowed on the last step of a chain`, s);
    }
    return {
      what: c.compile(s.what, inner),
      where: s.where ? c.compile(s.where, inner) : null,
      when: s.when ? compileTail(c, s.when, inner) : null,
      count: s.count,
    };
  });
  const field = node.timestampField;
  return (env) => {
    const timed: { ms: number; ev: unknown }[] = [];
    for (const ev of toList(events(env))) {
      let ts: unknown = ev;
      for (const f of field) ts = lookup(ts, f);
      const ms = toMs(ts);
      if (ms !== undefined) timed.push({ ms, ev });
    }
    tick(env, Math.ceil(timed.length * Math.log2(timed.length + 1)));
    timed.sort((a, b) => a.ms - b.ms);
    let pos = 0;
    for (const step of steps) {
      const matches = (i: number): boolean => {
        const { ms, ev } = timed[i]!;
        env.cur = ev;
        return truthy(step.what(env)) && (!step.where || truthy(step.where(env))) && (!step.when || step.when(env, ms));
      };
      const op = step.count?.op ?? '>=';
      const n = step.count?.n ?? 1;
      const saved = env.cur;
      env.up.push(saved);
      let ok: boolean;
      if (op === '>=' || op === '>') {
        const need = op === '>' ? n + 1 : n;
        let found = 0;
        let last = -1;
        for (let i = pos; i < timed.length && found < need; i++) {
          tick(env);
          if (matches(i)) {
            found++;
            last = i;
          }
        }
        ok = found >= need;
        if (ok && last >= 0) {
          const anchorMs = timed[last]!.ms;
          pos = last + 1;
          while (pos < timed.length && timed[pos]!.ms <= anchorMs) pos++;
        }
      } else {
        let found = 0;
        for (let i = pos; i < timed.length; i++) {
          tick(env);
          if (matches(i)) found++;
        }
        ok = op === '<' ? found < n : op === '<=' ? found <= n : op === '=' ? found === n : found !== n;
      }
      env.up.pop();
      env.cur = saved;
      if (!ok) return false;
    }
    return true;
  };
}
