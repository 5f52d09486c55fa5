/** AST → pql/text: canonical spelling, parentheses only where precedence or structure needs them. */
import { unitWord, type ChainStep, type Node, type OccursTail, type PqlQuery, type VarDecl } from './ast.js';
import { RESERVED } from './cursor.js';
import { PqlError } from './errors.js';
import { BP_ADD as P_ADD, BP_AND as P_AND, BP_CMP as P_CMP, BP_MUL as P_MUL, BP_NEG as P_NEG, BP_NOT as P_NOT, BP_OR as P_OR, BP_POSTFIX as P_POSTFIX } from './precedence.js';

// Precedence of what a node prints as; a child printed below the level its position needs gets parentheses.
const P_SPECIAL = 0; // let, quantifiers, select, agg over, lambda: they extend as far right as they can
const P_TOP = 0;
const P_GUARDED = 1; // positions where a bare special form would swallow what follows
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PREFIXED = /^[A-Za-z_][A-Za-z0-9_]*:[A-Za-z_][A-Za-z0-9_]*$/;

/** Prints a query or node as pql/text that parses back to the same tree. */
export function formatPql(ast: PqlQuery | Node): string {
  if (ast.kind === 'query') {
    const body = new Printer(ast.params).print(ast.body, P_TOP);
    return ast.params.length ? `(${ast.params.map(checkName).join(', ')}) => ${body}` : body;
  }
  return new Printer([]).print(ast, P_TOP);
}

function checkName(name: string): string {
  if (!IDENT.test(name) || RESERVED.has(name.toLowerCase())) {
    throw new PqlError('PQL_NOT_REPRESENTABLE', `the name ${JSON.stringify(name)} cannot be written in pql/text`);
  }
  return name;
}

function fieldName(name: string): string {
  if (!IDENT.test(name) && !PREFIXED.test(name)) {
    throw new PqlError('PQL_NOT_REPRESENTABLE', `the field name ${JSON.stringify(name)} cannot be written in pql/text`);
  }
  return name;
}

/** The text of a number literal: doubles keep a decimal point so they read back as doubles. */
export function formatNumber(value: number, double: boolean): string {
  const text = String(value);
  return double && /^-?\d+$/.test(text) ? `${text}.0` : text;
}

class Printer {
  private readonly bound: string[];

  constructor(params: readonly string[]) {
    this.bound = [...params];
  }

  print(node: Node, min: number): string {
    const [text, prec] = this.raw(node);
    return prec < min ? `(${text})` : text;
  }

  private scoped(names: readonly string[], body: () => string): string {
    this.bound.push(...names);
    try {
      return body();
    } finally {
      this.bound.length -= names.length;
    }
  }

  private raw(node: Node): [string, number] {
    switch (node.kind) {
      case 'literal':
        switch (node.type) {
          case 'string': return [JSON.stringify(node.value), P_POSTFIX];
          case 'integer':
          case 'double': {
            const text = formatNumber(node.value as number, node.type === 'double');
            return [text, text.startsWith('-') ? P_NEG : P_POSTFIX];
          }
          default: return [String(node.value), P_POSTFIX];
        }
      case 'list': return [`[${node.items.map((i) => this.print(i, P_TOP)).join(', ')}]`, P_POSTFIX];
      case 'object':
        return [`{${node.entries.map((e) => `${JSON.stringify(e.key)}: ${this.print(e.value, P_TOP)}`).join(', ')}}`, P_POSTFIX];
      case 'field': {
        const name = fieldName(node.name);
        if (node.object) {
          if (node.object.kind === 'up') return [`${'^'.repeat(node.object.levels)}.${name}`, P_POSTFIX];
          return [`${this.print(node.object, P_POSTFIX)}.${name}`, P_POSTFIX];
        }
        // A bare name that would read back as a keyword or a variable is spelled through `this`, which means the same.
        const clash = RESERVED.has(name.toLowerCase()) || this.bound.includes(name);
        return [clash ? `this.${name}` : name, P_POSTFIX];
      }
      case 'param': return [`$${node.position}`, P_POSTFIX];
      case 'var': return [checkName(node.name), P_POSTFIX];
      case 'xEvent': return ['xEvent', P_POSTFIX];
      case 'this': return ['this', P_POSTFIX];
      case 'up': return ['^'.repeat(node.levels), P_POSTFIX];
      case 'timeWord': return [node.word, P_POSTFIX];
      case 'period': return [`${node.which} ${node.unit}`, P_POSTFIX];
      case 'not': {
        const [inner, prec] = this.raw(node.operand);
        return [prec >= P_POSTFIX ? `not ${inner}` : `not (${inner})`, P_NOT];
      }
      case 'neg': {
        const inner = this.print(node.operand, P_NEG);
        return [`-${inner.startsWith('-') ? ' ' : ''}${inner}`, P_NEG];
      }
      case 'binary': {
        const prec = node.op === '+' || node.op === '-' ? P_ADD : node.op === '*' || node.op === '/' || node.op === '%' ? P_MUL : P_CMP;
        const leftMin = prec === P_CMP ? P_CMP + 1 : prec;
        return [`${this.print(node.left, leftMin)} ${node.op} ${this.print(node.right, prec + 1)}`, prec];
      }
      case 'logical': {
        const prec = node.op === 'or' ? P_OR : P_AND;
        return [node.operands.map((o) => this.print(o, prec + 1)).join(` ${node.op} `), prec];
      }
      case 'occurs': return [`${this.print(node.subject, P_CMP + 1)} occurs ${this.tail(node.tail)}`, P_CMP];
      case 'call': return [`${checkName(node.name)}(${this.args(node.args)})`, P_POSTFIX];
      case 'method': return [`${this.print(node.receiver, P_POSTFIX)}.${checkMethod(node.name)}(${this.args(node.args)})`, P_POSTFIX];
      case 'filter': return [`${this.print(node.array, P_POSTFIX)}[${this.print(node.predicate, P_TOP)}]`, P_POSTFIX];
      case 'lambda': {
        const params = node.params.map(checkName).join(', ');
        return [`(${params}) => ${this.scoped(node.params, () => this.print(node.body, P_TOP))}`, P_SPECIAL];
      }
      case 'let': {
        const value = this.print(node.value, P_POSTFIX);
        return [`let ${checkName(node.name)} = ${value} in ${this.scoped([node.name], () => this.print(node.body, P_TOP))}`, P_SPECIAL];
      }
      case 'quant': {
        const word = node.quantifier;
        return [`${word} ${this.decls(node.vars)}`, P_SPECIAL];
      }
      case 'select': return [`select ${this.decls(node.vars)}`, P_SPECIAL];
      case 'aggOver': {
        const projection = this.scoped([node.decl.name], () => this.print(node.projection, P_GUARDED));
        return [`${node.agg} ${projection} over ${this.decls([node.decl])}`, P_SPECIAL];
      }
      case 'chain': {
        const steps = node.steps.map((s) => this.step(s)).join(', ');
        const ts = node.timestampField.map(checkName).join('.');
        return [`chain(${this.print(node.events, P_TOP)}, ${ts}, [${steps}])`, P_POSTFIX];
      }
    }
  }

  private args(args: readonly Node[]): string {
    return args.map((a) => this.print(a, P_TOP)).join(', ');
  }

  private decls(vars: readonly VarDecl[]): string {
    const added: string[] = [];
    try {
      return vars
        .map((v) => {
          const from = this.print(v.from, P_GUARDED);
          this.bound.push(v.name);
          added.push(v.name);
          const where = v.where ? ` where ${this.print(v.where, P_GUARDED)}` : '';
          return `${checkName(v.name)} from ${from}${where}`;
        })
        .join(', ');
    } finally {
      this.bound.length -= added.length;
    }
  }

  private step(s: ChainStep): string {
    let out = `${checkName(s.label)}: WHAT(${this.print(s.what, P_TOP)})`;
    if (s.when) out += ` WHEN(${this.tail(s.when)})`;
    if (s.count) out += ` COUNT(${s.count.op === '>=' ? '' : `${s.count.op} `}${s.count.n})`;
    if (s.where) out += ` WHERE(${this.print(s.where, P_TOP)})`;
    return out;
  }

  private tail(tail: OccursTail): string {
    switch (tail.form) {
      case 'relative':
        return `${tail.op} ${tail.amount} ${unitWord(tail.unit, tail.amount)} ${tail.direction} ${this.timeRef(tail.ref)}`;
      case 'direction': return `${tail.direction} ${this.timeRef(tail.ref)}`;
      case 'between': return `between ${this.timeRef(tail.from)} and ${this.timeRef(tail.to)}`;
      case 'on': {
        const ref = this.timeRef(tail.ref);
        return tail.ref.kind === 'timeWord' || tail.ref.kind === 'period' ? ref : `on ${ref}`;
      }
    }
  }

  private timeRef(ref: Node): string {
    return this.print(ref, P_CMP + 1);
  }
}

function checkMethod(name: string): string {
  if (!IDENT.test(name)) throw new PqlError('PQL_NOT_REPRESENTABLE', `the method name ${JSON.stringify(name)} cannot be written in pql/text`);
  return name;
}
