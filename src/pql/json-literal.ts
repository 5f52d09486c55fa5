/** pql/json building blocks: typed access to JSON values with path-carrying errors, and literal nodes. */
import type { Node } from './ast.js';
import { PqlError } from './errors.js';

export type Json = Record<string, unknown>;

/** `v` as a JSON object, or PQL_JSON naming `path`. */
export function asObject(v: unknown, path: string): Json {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new PqlError('PQL_JSON', `${path}: expected a JSON object, found ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}`);
  return v as Json;
}

/** `v` as a string, or PQL_JSON naming `path`. */
export function asString(v: unknown, path: string): string {
  if (typeof v !== 'string') throw new PqlError('PQL_JSON', `${path}: expected a string`);
  return v;
}

/** `v` as an array, or PQL_JSON naming `path`. */
export function asArray(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new PqlError('PQL_JSON', `${path}: expected an array`);
  return v;
}

/** A `literal` node; without a literalType (as Sources filters write them) the type follows the JSON value. */
export function readLiteral(o: Json, path: string): Node {
  const v = o.value;
  const type = o.literalType ?? (Array.isArray(v) ? 'List' : typeof v === 'string' ? 'String' : typeof v === 'boolean' ? 'Boolean' : typeof v === 'number' ? (Number.isInteger(v) ? 'Integer' : 'Number') : v === null ? 'Null' : undefined);
  const bad = (what: string): never => {
    throw new PqlError('PQL_JSON', `${path}.value: a ${String(type)} literal needs ${what}`);
  };
  switch (type) {
    case 'String': return typeof v === 'string' ? { kind: 'literal', type: 'string', value: v } : bad('a string');
    case 'Integer': return Number.isSafeInteger(v) ? { kind: 'literal', type: 'integer', value: v as number } : bad('a safe integer');
    case 'Number': return typeof v === 'number' && Number.isFinite(v) ? { kind: 'literal', type: 'double', value: v } : bad('a number');
    case 'Boolean': return typeof v === 'boolean' ? { kind: 'literal', type: 'boolean', value: v } : bad('true or false');
    case 'Null': return { kind: 'literal', type: 'null', value: null };
    case 'XDMObject':
      return typeof v === 'string' ? { kind: 'call', name: 'xdmObject', args: [{ kind: 'literal', type: 'string', value: v }] } : bad('a string');
    case 'List':
      return { kind: 'list', items: asArray(v, `${path}.value`).map((x, i) => readLiteral({ value: x }, `${path}.value[${i}]`)) };
    default:
      throw new PqlError('PQL_JSON', `${path}.literalType: unknown literal type ${JSON.stringify(o.literalType)}`);
  }
}
