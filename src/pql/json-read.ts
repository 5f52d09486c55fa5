/** pql/json → AST, tolerant as ref §6 asks: envelopes, text where JSON was promised, and a missing literalType. */
import { freeze, unitOf, type CmpOp, type Direction, type Node, type OccursTail, type PqlQuery, type VarDecl } from './ast.js';
import { PqlError, assertFieldName } from './errors.js';
import { asArray, asObject, asString, readLiteral, type Json } from './json-literal.js';
import { functionSpec, methodSpec } from './functions/globals.js';
import { checkDepth, DEFAULT_LIMITS, type PqlLimits } from './limits.js';
import { parsePql } from './parser.js';


const BINARY = new Set(['=', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '%']);
const NAMED_BINARY: Readonly<Record<string, 'like' | 'in' | 'notIn'>> = { like: 'like', in: 'in', notin: 'notIn' };
const QUANTIFIERS: Readonly<Record<string, 'exists' | 'forall' | 'none' | 'one'>> = {
  some: 'exists', exists: 'exists', all: 'forall', forall: 'forall', none: 'none', one: 'one',
};
const CMP = new Set(['=', '!=', '<', '<=', '>', '>=']);

/** Reads pql/json (an object, a JSON string, or a `{format, value}` envelope); plain text is parsed as pql/text. */
export function fromPqlJson(input: unknown, limits: Partial<PqlLimits> = {}): PqlQuery {
  const { maxDepth, maxSourceLength } = { ...DEFAULT_LIMITS, ...limits };
  if (typeof input === 'string') {
    if (input.length > maxSourceLength) {
      throw new PqlError('PQL_SOURCE_TOO_LONG', `the definition is ${input.length} characters long; the limit is ${maxSourceLength}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(input);
    } catch {
      return parsePql(input, limits);
    }
    // A bare JSON string or number is still a pql/text expression ("true", "3"), not a node.
    if (parsed === null || typeof parsed !== 'object') return parsePql(input, limits);
    input = parsed;
  }
  const root = asObject(input, '$');
  if (!('nodeType' in root) && 'format' in root && 'value' in root) {
    const format = String(root.format).toLowerCase();
    if (format === 'pql/text') return parsePql(String(root.value), limits);
    if (format === 'pql/json') return fromPqlJson(root.value, limits);
    throw new PqlError('PQL_JSON', `unsupported expression format ${JSON.stringify(root.format)} (expected pql/text or pql/json)`);
  }
  const r = new Reader(maxDepth);
  let query: PqlQuery;
  if (root.nodeType === 'fnCreate') {
    const params = r.params(root, '$');
    query = { kind: 'query', params, body: r.node(root.body, '$.body') };
  } else {
    query = { kind: 'query', params: [], body: r.node(root, '$') };
  }
  checkDepth(query.body, maxDepth);
  return freeze(query);
}

class Reader {
  private depth = 0;
  /** How many per-element contexts enclose the node being read; 0 is the root, where `$1.x` reads back as `x`. */
  private elements = 0;

  private inner<T>(read: () => T): T {
    this.elements++;
    try {
      return read();
    } finally {
      this.elements--;
    }
  }

  constructor(private readonly maxDepth: number) {}

  params(o: Json, path: string): string[] {
    return asArray(o.params, `${path}.params`).map((p, i) => asString(asObject(p, `${path}.params[${i}]`).varName, `${path}.params[${i}].varName`));
  }

  node(v: unknown, path: string): Node {
    if (++this.depth > this.maxDepth) throw new PqlError('PQL_TOO_DEEP', `${path}: expression nests deeper than ${this.maxDepth} levels`);
    try {
      return this.read(asObject(v, path), path);
    } finally {
      this.depth--;
    }
  }

  private read(o: Json, path: string): Node {
    switch (o.nodeType) {
      case 'literal': return readLiteral(o, path);
      case 'fieldLookup': {
        const name = asString(o.fieldName, `${path}.fieldName`);
        assertFieldName(name);
        const obj = o.object as Json | undefined | null;
        const implicit = obj === undefined || obj === null || (this.elements === 0 && obj.nodeType === 'parameterReference' && obj.position === 1);
        return { kind: 'field', name, object: implicit ? null : this.node(obj, `${path}.object`) };
      }
      case 'parameterReference': {
        const position = o.position;
        if (!Number.isInteger(position) || (position as number) < 1) throw new PqlError('PQL_JSON', `${path}.position: expected a whole number ≥ 1`);
        return { kind: 'param', position: position as number };
      }
      case 'varRef': {
        const name = asString(o.varName, `${path}.varName`);
        return name === 'xEvent' ? { kind: 'xEvent' } : name === 'this' ? { kind: 'this' } : { kind: 'var', name };
      }
      case 'quantification': {
        const q = QUANTIFIERS[String(o.quantifier).toLowerCase()];
        if (!q) throw new PqlError('PQL_JSON', `${path}.quantifier: expected all, some, none or one`);
        return { kind: 'quant', quantifier: q, vars: this.decls(o.variables, `${path}.variables`) };
      }
      case 'select': return { kind: 'select', vars: this.decls(o.variables, `${path}.variables`) };
      case 'fnCreate': return { kind: 'lambda', params: this.params(o, path), body: this.inner(() => this.node(o.body, `${path}.body`)) };
      case 'fnApply': return this.apply(asString(o.fnName, `${path}.fnName`), asArray(o.params ?? [], `${path}.params`), path);
      default:
        throw new PqlError('PQL_JSON', `${path}.nodeType: unknown node type ${JSON.stringify(o.nodeType)}`);
    }
  }

  private decls(v: unknown, path: string): VarDecl[] {
    const list = asArray(v, path);
    if (!list.length) throw new PqlError('PQL_JSON', `${path}: expected at least one varDecl`);
    return list.map((d, i) => (i === 0 ? this.decl(d, `${path}[${i}]`) : this.inner(() => this.decl(d, `${path}[${i}]`))));
  }

  /** A declaration: the domain in the enclosing context, the condition per element. */
  private decl(v: unknown, path: string): VarDecl {
    const o = asObject(v, path);
    if (o.nodeType !== 'varDecl') throw new PqlError('PQL_JSON', `${path}.nodeType: expected varDecl`);
    const name = asString(o.varName, `${path}.varName`);
    if (!/^[_A-Za-z0-9]+$/.test(name)) throw new PqlError('PQL_JSON', `${path}.varName: must match ^[_A-Za-z0-9]+$`);
    const from = this.node(o.from, `${path}.from`);
    return { name, from, where: o.where === undefined ? null : this.inner(() => this.node(o.where, `${path}.where`)) };
  }

  private apply(fnName: string, raw: unknown[], path: string): Node {
    const p = (i: number): Node => {
      if (i >= raw.length) throw new PqlError('PQL_JSON', `${path}.params: ${fnName} needs at least ${i + 1} parameter(s)`);
      return this.node(raw[i], `${path}.params[${i}]`);
    };
    const all = (from = 0): Node[] => raw.slice(from).map((_, i) => p(i + from));
    const exactly = (n: number): void => {
      if (raw.length !== n) throw new PqlError('PQL_JSON', `${path}.params: ${fnName} takes ${n} parameter(s), got ${raw.length}`);
    };
    const lower = fnName.toLowerCase();
    if (lower === 'and' || lower === 'or') {
      if (!raw.length) throw new PqlError('PQL_JSON', `${path}.params: ${fnName} needs at least one parameter`);
      return { kind: 'logical', op: lower, operands: all() };
    }
    if (lower === 'not') {
      exactly(1);
      return { kind: 'not', operand: p(0) };
    }
    if (BINARY.has(fnName) || Object.hasOwn(NAMED_BINARY, lower)) {
      if (fnName === '=' && raw.length === 3) return { kind: 'method', name: 'equals', receiver: p(0), args: [p(1), p(2)] };
      exactly(2);
      return { kind: 'binary', op: (NAMED_BINARY[lower] ?? fnName) as CmpOp, left: p(0), right: p(1) };
    }
    switch (fnName) {
      case 'neg': {
        exactly(1);
        const operand = p(0);
        if (operand.kind === 'literal' && (operand.type === 'integer' || operand.type === 'double')) {
          return { ...operand, value: -(operand.value as number) };
        }
        return { kind: 'neg', operand };
      }
      case '^': {
        exactly(1);
        const levels = p(0);
        if (levels.kind !== 'literal' || levels.type !== 'integer' || (levels.value as number) < 1) throw new PqlError('PQL_JSON', `${path}: ^ needs an Integer level ≥ 1`);
        return { kind: 'up', levels: levels.value as number };
      }
      case 'now': case 'today': case 'yesterday': case 'tomorrow':
        if (!raw.length) return { kind: 'timeWord', word: fnName };
        break;
      case 'period': {
        exactly(2);
        const [which, unit] = [this.string(p(0), path), unitOf(this.string(p(1), path))];
        if ((which !== 'this' && which !== 'last' && which !== 'next') || !unit) throw new PqlError('PQL_JSON', `${path}: period needs this/last/next and a unit`);
        return { kind: 'period', which, unit };
      }
      case 'list': return { kind: 'list', items: all() };
      case 'object': {
        if (raw.length % 2) throw new PqlError('PQL_JSON', `${path}.params: object needs key/value pairs`);
        const entries: { key: string; value: Node }[] = [];
        for (let i = 0; i < raw.length; i += 2) entries.push({ key: this.string(p(i), path), value: p(i + 1) });
        return { kind: 'object', entries };
      }
      case '[]':
        exactly(2);
        return { kind: 'filter', array: p(0), predicate: this.inner(() => p(1)) };
      case 'occurs':
        exactly(2);
        return { kind: 'occurs', subject: p(0), tail: this.tail(raw[1], `${path}.params[1]`) };
      case 'let': {
        exactly(2);
        const d = this.decl(raw[0], `${path}.params[0]`);
        return { kind: 'let', name: d.name, value: d.from, body: p(1) };
      }
      case 'over': {
        exactly(3);
        const agg = this.string(p(0), path);
        if (!['sum', 'count', 'average', 'min', 'max'].includes(agg)) throw new PqlError('PQL_JSON', `${path}: unknown aggregate ${JSON.stringify(agg)}`);
        return { kind: 'aggOver', agg: agg as 'sum', projection: this.inner(() => p(1)), decl: this.decl(raw[2], `${path}.params[2]`) };
      }
      case 'chain': return this.chain(raw, path, p);
    }
    if (functionSpec(fnName) || raw.length === 0) return { kind: 'call', name: fnName, args: all() };
    const items = methodSpec(fnName)?.itemArgs ?? [];
    const args = raw.slice(1).map((a, i) => {
      const lambda = (a as Json | null)?.nodeType === 'fnCreate';
      return items.includes(i) && !lambda ? this.inner(() => p(i + 1)) : p(i + 1);
    });
    return { kind: 'method', name: fnName, receiver: p(0), args };
  }

  private string(n: Node, path: string): string {
    if (n.kind !== 'literal' || n.type !== 'string') throw new PqlError('PQL_JSON', `${path}: expected a String literal parameter`);
    return n.value as string;
  }

  private tail(v: unknown, path: string): OccursTail {
    const o = asObject(v, path);
    const fn = String(o.fnName);
    const raw = asArray(o.params ?? [], `${path}.params`);
    const p = (i: number): Node => this.node(raw[i], `${path}.params[${i}]`);
    if (o.nodeType !== 'fnApply') throw new PqlError('PQL_JSON', `${path}: expected an occurs tail (fnApply window/before/after/from/on/between)`);
    switch (fn) {
      case 'window': {
        const [op, amount, unit, direction] = [p(0), p(1), p(2), p(3)];
        const u = unitOf(this.string(unit, path));
        const d = this.string(direction, path);
        const o2 = this.string(op, path);
        if (!CMP.has(o2) || !u || !['before', 'after', 'from'].includes(d) || amount.kind !== 'literal' || amount.type !== 'integer' || (amount.value as number) < 0) {
          throw new PqlError('PQL_JSON', `${path}: window needs a comparison, a whole number ≥ 0, a unit and before/after/from`);
        }
        return { form: 'relative', op: o2 as CmpOp, amount: amount.value as number, unit: u, direction: d as Direction, ref: p(4) };
      }
      case 'before': case 'after': case 'from': return { form: 'direction', direction: fn, ref: p(0) };
      case 'on': return { form: 'on', ref: p(0) };
      case 'between': return { form: 'between', from: p(0), to: p(1) };
      default: throw new PqlError('PQL_JSON', `${path}.fnName: unknown occurs form ${JSON.stringify(fn)}`);
    }
  }

  private chain(raw: unknown[], path: string, p: (i: number) => Node): Node {
    if (raw.length < 3) throw new PqlError('PQL_JSON', `${path}.params: chain needs events, a timestamp field and at least one step`);
    if (raw.length > 8) throw new PqlError('PQL_CHAIN_TOO_LONG', `${path}: a chain has at most 6 sequential steps`);
    const steps = raw.slice(2).map((s, i) => {
      const sp = `${path}.params[${i + 2}]`;
      const o = asObject(s, sp);
      if (o.fnName !== 'step') throw new PqlError('PQL_JSON', `${sp}: expected a step`);
      const parts = asArray(o.params, `${sp}.params`);
      const clause = (name: string): Json | undefined => parts.map((x) => x as Json).find((x) => x && x.fnName === name);
      const arg = (c: Json | undefined, i2: number): unknown => asArray(c!.params, `${sp}`)[i2];
      const what = clause('WHAT');
      if (!what) throw new PqlError('PQL_JSON', `${sp}: a step needs WHAT`);
      const when = clause('WHEN');
      const count = clause('COUNT');
      const where = clause('WHERE');
      const countOp = count ? String((arg(count, 0) as Json)?.value) : '';
      const countN = count ? (arg(count, 1) as Json)?.value : 0;
      if (count && (!CMP.has(countOp) || !Number.isSafeInteger(countN) || (countN as number) < 0)) throw new PqlError('PQL_JSON', `${sp}: COUNT needs a comparison and a whole number`);
      return this.inner(() => ({
        label: this.string(this.node(parts[0], `${sp}.params[0]`), sp),
        what: this.node(arg(what, 0), `${sp}.WHAT`),
        when: when ? this.tail(arg(when, 0), `${sp}.WHEN`) : null,
        count: count ? { op: countOp as CmpOp, n: countN as number } : null,
        where: where ? this.node(arg(where, 0), `${sp}.WHERE`) : null,
      }));
    });
    return { kind: 'chain', events: p(0), timestampField: this.string(p(1), path).split('.'), steps };
  }
}
