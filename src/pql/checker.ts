/** The checker: resolves paths against a schema when one is given and infers the definition's return type. */
import type { Node, OccursTail, PqlQuery, VarDecl } from './ast.js';
import { PqlError } from './errors.js';
import { compilePql } from './evaluate.js';
import { functionSpec, methodSpec } from './functions/globals.js';
import { parsePql } from './parser.js';
import { schemaTypes, type PqlSchemaInput } from './schema.js';
import { closest } from './suggest.js';
import {
  ANY, BOOLEAN, DATE, DATE_TIME, INTEGER, NULL, NUMBER, STRING, arrayOf, elementOf, isTemporalLike, join, mapOf, returnKind, typeName,
  type PqlType,
} from './types.js';

/** Where a pure path starts: the profile or an event, and the steps walked so far. */
interface Origin {
  readonly root: 'profile' | 'event';
  readonly path: readonly string[];
}
interface Typed {
  readonly t: PqlType;
  readonly origin: Origin | null;
}
interface Ctx {
  readonly cur: Typed;
  readonly up: readonly Typed[];
  readonly vars: ReadonlyMap<string, Typed>;
}

export interface PqlCheckResult {
  /** The inferred type in detail. */
  readonly type: PqlType;
  /** The coarse return type: boolean, number, string, date-time, array, map, object, or any when unknown. */
  readonly returnType: string;
  /** A readable type, e.g. `map<integer>`. */
  readonly typeName: string;
  /** The profile and event field paths the definition reads (dependencies for computed attributes). */
  readonly paths: { readonly profile: readonly string[]; readonly event: readonly string[] };
}

const PASS_THROUGH = new Set(['head', 'topN', 'bottomN', 'filter', 'distinct']);

/** Checks a definition: everything compilePql rejects, unknown fields (with a schema) and definite type errors. */
export function checkPql(input: PqlQuery | string, schema?: PqlSchemaInput): PqlCheckResult {
  const query = typeof input === 'string' ? parsePql(input) : input;
  compilePql(query);
  try {
    return new Checker(query, schemaTypes(schema)).run();
  } catch (e) {
    throw e instanceof PqlError && query.source !== undefined ? e.withSource(query.source) : e;
  }
}

class Checker {
  private readonly profilePaths = new Set<string>();
  private readonly eventPaths = new Set<string>();

  constructor(
    private readonly query: PqlQuery,
    private readonly types: { profile: PqlType; event: PqlType },
  ) {}

  run(): PqlCheckResult {
    const root: Typed = { t: this.types.profile, origin: { root: 'profile', path: [] } };
    const vars = new Map<string, Typed>(this.query.params.map((p, i) => [p, i === 0 ? root : { t: ANY, origin: null }]));
    const { t } = this.infer(this.query.body, { cur: root, up: [], vars });
    return {
      type: t,
      returnType: returnKind(t),
      typeName: typeName(t),
      paths: { profile: leaves(this.profilePaths), event: leaves(this.eventPaths) },
    };
  }

  private fail(code: 'PQL_TYPE' | 'PQL_UNKNOWN_FIELD', detail: string, node: Node): never {
    throw new PqlError(code, detail, node.span);
  }

  private plain(t: PqlType): Typed {
    return { t, origin: null };
  }

  /** A context whose current element is an element of `list` (for predicates and projections). */
  private each(list: Typed, ctx: Ctx): Ctx {
    return { cur: { t: elementOf(list.t), origin: list.origin }, up: [...ctx.up, ctx.cur], vars: ctx.vars };
  }

  private infer(node: Node, ctx: Ctx): Typed {
    switch (node.kind) {
      case 'literal':
        switch (node.type) {
          case 'string': return this.plain(STRING);
          case 'integer': return this.plain(INTEGER);
          case 'double': return this.plain(NUMBER);
          case 'boolean': return this.plain(BOOLEAN);
          default: return this.plain(NULL);
        }
      case 'list': return this.plain(arrayOf(node.items.map((i) => this.infer(i, ctx).t).reduce(join, NULL)));
      case 'object':
        return this.plain({ kind: 'object', fields: new Map(node.entries.map((e) => [e.key, this.infer(e.value, ctx).t])) });
      case 'field': return this.field(node, ctx);
      case 'param': return node.position === 1 ? { t: this.types.profile, origin: { root: 'profile', path: [] } } : this.plain(ANY);
      case 'var': return ctx.vars.get(node.name) ?? this.plain(ANY);
      case 'xEvent': return { t: arrayOf(this.types.event), origin: { root: 'event', path: [] } };
      case 'this': return ctx.cur;
      case 'up': return ctx.up[ctx.up.length - node.levels] ?? this.plain(ANY);
      case 'timeWord': return this.plain(node.word === 'now' ? DATE_TIME : DATE);
      case 'period': return this.plain(ANY);
      case 'not':
        this.infer(node.operand, ctx);
        return this.plain(BOOLEAN);
      case 'neg': return this.plain(this.numeric(this.infer(node.operand, ctx).t, node.operand, '-'));
      case 'binary': return this.plain(this.binary(node, ctx));
      case 'logical':
        node.operands.forEach((o) => this.infer(o, ctx));
        return this.plain(BOOLEAN);
      case 'occurs': {
        const subject = this.infer(node.subject, ctx).t;
        if (!isTemporalLike(subject)) this.fail('PQL_TYPE', `occurs needs a date or date-time, but this is ${article(subject)}`, node.subject);
        this.tailRefs(node.tail, ctx);
        return this.plain(BOOLEAN);
      }
      case 'call': {
        const args = node.args.map((a) => this.infer(a, ctx).t);
        return this.plain(functionSpec(node.name)!.type(args));
      }
      case 'method': return this.method(node, ctx);
      case 'filter': {
        const array = this.infer(node.array, ctx);
        const index = node.predicate.kind === 'literal' && node.predicate.type === 'integer';
        if (!index) this.infer(node.predicate, this.each(array, ctx));
        return { t: index ? elementOf(array.t) : arrayOf(elementOf(array.t)), origin: array.origin };
      }
      case 'lambda': return this.plain(ANY);
      case 'let': {
        const value = this.infer(node.value, ctx);
        return this.infer(node.body, { ...ctx, vars: new Map(ctx.vars).set(node.name, value) });
      }
      case 'quant':
        this.decls(node.vars, ctx);
        return this.plain(BOOLEAN);
      case 'select': return { t: arrayOf(this.decls(node.vars, ctx)[0]!.t), origin: null };
      case 'aggOver': {
        const [inner] = this.declContexts([node.decl], ctx);
        const projection = elementOf(this.infer(node.projection, inner!).t);
        const agg = node.agg;
        return this.plain(agg === 'count' ? INTEGER : agg === 'average' ? NUMBER : agg === 'sum' ? (projection.kind === 'number' ? projection : NUMBER) : projection);
      }
      case 'chain': {
        const events = this.infer(node.events, ctx);
        const inner = this.each(events, ctx);
        for (const s of node.steps) {
          this.infer(s.what, inner);
          if (s.where) this.infer(s.where, inner);
          if (s.when) this.tailRefs(s.when, inner);
        }
        if (events.origin) this.record({ ...events.origin, path: [...events.origin.path, ...node.timestampField] });
        return this.plain(BOOLEAN);
      }
    }
  }

  private tailRefs(tail: OccursTail, ctx: Ctx): void {
    for (const ref of tail.form === 'between' ? [tail.from, tail.to] : [tail.ref]) {
      const t = this.infer(ref, ctx).t;
      if (!isTemporalLike(t)) this.fail('PQL_TYPE', `a time reference must be a date or date-time, but this is ${article(t)}`, ref);
    }
  }

  private declContexts(vars: readonly VarDecl[], ctx: Ctx): Ctx[] {
    const out: Ctx[] = [];
    let c = ctx;
    for (const d of vars) {
      const from = this.infer(d.from, c);
      const element: Typed = { t: elementOf(from.t), origin: from.origin };
      c = { cur: element, up: [...c.up, c.cur], vars: new Map(c.vars).set(d.name, element) };
      if (d.where) this.infer(d.where, c);
      out.push(c);
    }
    return out;
  }

  private decls(vars: readonly VarDecl[], ctx: Ctx): Typed[] {
    return this.declContexts(vars, ctx).map((c) => c.cur);
  }

  private record(origin: Origin): void {
    if (!origin.path.length) return;
    (origin.root === 'profile' ? this.profilePaths : this.eventPaths).add(origin.path.join('.'));
  }

  private field(node: Node & { kind: 'field' }, ctx: Ctx): Typed {
    const base = node.object ? this.infer(node.object, ctx) : ctx.cur;
    const t = this.lookup(base.t, node.name, node);
    const origin = base.origin ? { root: base.origin.root, path: [...base.origin.path, node.name] } : null;
    if (origin) this.record(origin);
    return { t, origin };
  }

  private lookup(t: PqlType, name: string, node: Node): PqlType {
    switch (t.kind) {
      case 'any': case 'null': return ANY;
      case 'map': return t.values;
      case 'array': {
        const inner = this.lookup(t.items, name, node);
        return inner.kind === 'array' ? inner : arrayOf(inner);
      }
      case 'object': {
        if (!t.fields) return ANY;
        const found = t.fields.get(name) ?? t.fields.get(`xdm:${name}`) ?? (name.startsWith('xdm:') ? t.fields.get(name.slice(4)) : undefined);
        if (found) return found;
        const near = closest(name, [...t.fields.keys()]);
        this.fail('PQL_UNKNOWN_FIELD', `unknown field '${name}' on ${t.where ?? 'this object'}${near ? ` (did you mean '${near}'?)` : ''}`, node);
      }
      // falls through: fail never returns
      default:
        return this.fail('PQL_TYPE', `'${name}' looks up a field on ${article(t)}`, node);
    }
  }

  private numeric(t: PqlType, node: Node, op: string): PqlType {
    const e = t.kind;
    if (e === 'number') return t;
    if (e === 'any' || e === 'null') return NUMBER;
    if (e === 'map') return mapOf(NUMBER);
    return this.fail('PQL_TYPE', `'${op}' needs numbers, but this is ${article(t)}`, node);
  }

  private binary(node: Node & { kind: 'binary' }, ctx: Ctx): PqlType {
    const l = this.infer(node.left, ctx).t;
    const r = this.infer(node.right, ctx).t;
    switch (node.op) {
      case '+': case '-': case '*': case '/': case '%': {
        const a = this.numeric(l, node.left, node.op);
        const b = this.numeric(r, node.right, node.op);
        if (a.kind === 'map' || b.kind === 'map') return mapOf(NUMBER);
        return node.op !== '/' && a.kind === 'number' && b.kind === 'number' && a.integer && b.integer ? INTEGER : NUMBER;
      }
      default: return BOOLEAN;
    }
  }

  private method(node: Node & { kind: 'method' }, ctx: Ctx): Typed {
    const spec = methodSpec(node.name)!;
    const recv = this.infer(node.receiver, ctx);
    this.expect(spec.expects, recv.t, node);
    const item = this.each(recv, ctx);
    const args = node.args.map((a, i) => {
      if (a.kind === 'lambda') return this.lambda(a, recv.t, item);
      return this.infer(a, spec.itemArgs?.includes(i) ? item : ctx).t;
    });
    const t = spec.type(recv.t, args);
    return { t, origin: PASS_THROUGH.has(node.name) ? recv.origin : null };
  }

  private lambda(node: Node & { kind: 'lambda' }, recv: PqlType, item: Ctx): PqlType {
    const keyed = recv.kind === 'map' || recv.kind === 'object';
    const value: Typed = { t: elementOf(recv.kind === 'object' ? ANY : recv), origin: item.cur.origin };
    const vars = new Map(item.vars);
    const [a, b] = node.params;
    if (b === undefined) vars.set(a!, value);
    else {
      vars.set(a!, this.plain(keyed ? ANY : INTEGER));
      vars.set(b, value);
    }
    return this.infer(node.body, { ...item, vars }).t;
  }

  private expect(what: 'string' | 'temporal' | 'list' | 'map' | undefined, t: PqlType, node: Node & { kind: 'method' }): void {
    const e = elementOf(t).kind;
    const unknown = (k: string): boolean => k === 'any' || k === 'null';
    const ok =
      what === undefined || what === 'list' ? true
      : what === 'string' ? unknown(e) || e === 'string'
      : what === 'temporal' ? isTemporalLike(t)
      : unknown(t.kind) || t.kind === 'map' || t.kind === 'object' || t.kind === 'array';
    if (!ok) this.fail('PQL_TYPE', `${node.name}() needs ${what === 'temporal' ? 'a date or date-time' : `a ${what}`}, but its receiver is ${article(t)}`, node.receiver);
  }
}

/** The recorded paths without those that only lead to another one (`a` when `a.b` is read). */
function leaves(paths: ReadonlySet<string>): string[] {
  const all = [...paths];
  return all.filter((p) => !all.some((q) => q.startsWith(`${p}.`))).sort();
}

function article(t: PqlType): string {
  const name = typeName(t);
  return /^[aeiou]/.test(name) ? `an ${name}` : `a ${name}`;
}

