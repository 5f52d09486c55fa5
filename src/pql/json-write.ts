/** AST → pql/json: Adobe's node types where they exist (ref §6), documented `fnApply` extensions elsewhere. */
import type { ChainStep, Node, OccursTail, PqlQuery, VarDecl } from './ast.js';
import { methodSpec } from './functions/globals.js';

/** A pql/json node: `{nodeType, ...}` as in the adobe/xdm filter-expression schema. */
export type PqlJson = { readonly nodeType: string; readonly [key: string]: unknown };

const lit = (literalType: string, value: unknown): PqlJson => ({ nodeType: 'literal', literalType, value });
const str = (value: string): PqlJson => lit('String', value);
const int = (value: number): PqlJson => lit('Integer', value);
const apply = (fnName: string, params: readonly unknown[]): PqlJson => ({ nodeType: 'fnApply', fnName, params });
const PARAM_1: PqlJson = { nodeType: 'parameterReference', position: 1 };

/** Converts a query (or a bare node) to pql/json; a lambda head becomes a root `fnCreate`. */
export function toPqlJson(ast: PqlQuery | Node): PqlJson {
  if (ast.kind !== 'query') return node(ast, true);
  const body = node(ast.body, true);
  return ast.params.length ? { nodeType: 'fnCreate', params: ast.params.map((varName) => ({ varName })), body } : body;
}

// A list literal stays a `literal List` only when every item reads back as the same literal kind.
function listAsLiteral(items: readonly Node[]): unknown[] | null {
  if (!items.length) return null;
  const values: unknown[] = [];
  for (const i of items) {
    if (i.kind !== 'literal') return null;
    const ok = i.type === 'string' || i.type === 'boolean' || i.type === 'integer' || (i.type === 'double' && !Number.isInteger(i.value));
    if (!ok) return null;
    values.push(i.value);
  }
  return values;
}

/**
 * `root` is true where the implicit context is still the profile: there a bare path is written the way Adobe's
 * conversion example writes it, on `parameterReference 1` (ref §6); inside filters and projections it is not.
 */
function node(n: Node, root: boolean): PqlJson {
  const at = (x: Node): PqlJson => node(x, root);
  const inner = (x: Node): PqlJson => node(x, false);
  switch (n.kind) {
    case 'literal':
      switch (n.type) {
        case 'string': return str(n.value as string);
        case 'integer': return int(n.value as number);
        case 'double': return lit('Number', n.value);
        case 'boolean': return lit('Boolean', n.value);
        default: return lit('Null', null);
      }
    case 'list': {
      const values = listAsLiteral(n.items);
      return values ? lit('List', values) : apply('list', n.items.map(at));
    }
    case 'object': return apply('object', n.entries.flatMap((e) => [str(e.key), at(e.value)]));
    case 'field':
      if (n.object) return { nodeType: 'fieldLookup', fieldName: n.name, object: at(n.object) };
      return root ? { nodeType: 'fieldLookup', fieldName: n.name, object: PARAM_1 } : { nodeType: 'fieldLookup', fieldName: n.name };
    case 'param': return { nodeType: 'parameterReference', position: n.position };
    case 'var': return { nodeType: 'varRef', varName: n.name };
    case 'xEvent': return { nodeType: 'varRef', varName: 'xEvent' };
    case 'this': return { nodeType: 'varRef', varName: 'this' };
    case 'up': return apply('^', [int(n.levels)]);
    case 'timeWord': return apply(n.word, []);
    case 'period': return apply('period', [str(n.which), str(n.unit)]);
    case 'not': return apply('not', [at(n.operand)]);
    case 'neg': return apply('neg', [at(n.operand)]);
    case 'binary': return apply(n.op, [at(n.left), at(n.right)]);
    case 'logical': return apply(n.op, n.operands.map(at));
    case 'occurs': return apply('occurs', [at(n.subject), tail(n.tail, root)]);
    case 'call':
      if (n.name === 'xdmObject' && n.args.length === 1 && n.args[0]!.kind === 'literal' && n.args[0]!.type === 'string') {
        return lit('XDMObject', n.args[0]!.value);
      }
      return apply(n.name, n.args.map(at));
    case 'method': {
      const items = methodSpec(n.name)?.itemArgs ?? [];
      return apply(n.name, [at(n.receiver), ...n.args.map((a, i) => (items.includes(i) || a.kind === 'lambda' ? inner(a) : at(a)))]);
    }
    case 'filter': return apply('[]', [at(n.array), inner(n.predicate)]);
    case 'lambda': return { nodeType: 'fnCreate', params: n.params.map((varName) => ({ varName })), body: inner(n.body) };
    case 'let': return apply('let', [decl({ name: n.name, from: n.value, where: null }, root), at(n.body)]);
    case 'quant': {
      const quantifier = n.quantifier === 'exists' ? 'some' : n.quantifier === 'forall' ? 'all' : n.quantifier;
      return { nodeType: 'quantification', quantifier, variables: n.vars.map((d, i) => decl(d, root && i === 0)) };
    }
    case 'select': return { nodeType: 'select', variables: n.vars.map((d, i) => decl(d, root && i === 0)) };
    case 'aggOver': return apply('over', [str(n.agg), inner(n.projection), decl(n.decl, root)]);
    case 'chain': return apply('chain', [at(n.events), str(n.timestampField.join('.')), ...n.steps.map(step)]);
  }
}

/** A declaration's domain keeps the enclosing context; its condition runs per element. */
function decl(d: VarDecl, root: boolean): PqlJson {
  const out: Record<string, unknown> = { nodeType: 'varDecl', varName: d.name, from: node(d.from, root) };
  if (d.where) out.where = node(d.where, false);
  return out as PqlJson;
}

function step(s: ChainStep): PqlJson {
  const clauses: PqlJson[] = [str(s.label), apply('WHAT', [node(s.what, false)])];
  if (s.when) clauses.push(apply('WHEN', [tail(s.when, false)]));
  if (s.count) clauses.push(apply('COUNT', [str(s.count.op), int(s.count.n)]));
  if (s.where) clauses.push(apply('WHERE', [node(s.where, false)]));
  return apply('step', clauses);
}

/** An occurs tail as its own node: `window`, `before`/`after`/`from`, `on` or `between`. */
function tail(t: OccursTail, root: boolean): PqlJson {
  const at = (x: Node): PqlJson => node(x, root);
  switch (t.form) {
    case 'relative': return apply('window', [str(t.op), int(t.amount), str(t.unit), str(t.direction), at(t.ref)]);
    case 'direction': return apply(t.direction, [at(t.ref)]);
    case 'on': return apply('on', [at(t.ref)]);
    case 'between': return apply('between', [at(t.from), at(t.to)]);
  }
}
