/**
 * The Parquet schema of an export, from the sandbox's profile union (pruned to the requested `fields`), and compiled
 * converters that turn a merged profile into a row of it: structs, lists, maps, INT64 for XDM integers.
 */
import type { ParquetWriter } from 'hyparquet-writer';
import type { XdmSchemaNode } from '../../catalog/xdm/types.js';
import { DomainError } from '../../shared/errors.js';

/** A Parquet schema element, as the writer takes it. */
type SchemaElement = ConstructorParameters<typeof ParquetWriter>[0]['schema'][number];

/** Turns one JSON value of a field into what the Parquet writer expects for it (null when absent or off-type). */
type Convert = (value: unknown) => unknown;

/** One top-level column: its name, and how a profile's value becomes the column's value. */
export interface ExportColumn {
  readonly name: string;
  readonly convert: Convert;
}

/** The file schema (flattened, as Parquet stores it) and the columns in its order. */
export interface ExportSchema {
  /** The flattened schema, root first. */
  readonly elements: SchemaElement[];
  readonly columns: ExportColumn[];
}

/** The `identities` list the entities API adds to every profile; exported beside the union's own fields. */
const IDENTITIES: XdmSchemaNode = {
  type: 'array',
  items: {
    type: 'object',
    properties: { id: { type: 'string' }, namespace: { type: 'object', properties: { code: { type: 'string' } } }, primary: { type: 'boolean' } },
  },
};

const isMap = (n: XdmSchemaNode) => n['meta:xdmType'] === 'map' && typeof n.additionalProperties === 'object';
const hasProperties = (n: XdmSchemaNode) => n.type === 'object' && Object.keys(n.properties ?? {}).length > 0;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A node's elements (pre-order) and its converter; undefined for a struct left with no fields. */
function compile(name: string, node: XdmSchemaNode, repetition: 'OPTIONAL' | 'REQUIRED'): { elements: SchemaElement[]; convert: Convert } | undefined {
  if (isMap(node)) {
    const value = compile('value', node.additionalProperties as XdmSchemaNode, 'OPTIONAL');
    if (!value) return undefined;
    const elements: SchemaElement[] = [
      { name, repetition_type: repetition, converted_type: 'MAP', num_children: 1 },
      { name: 'key_value', repetition_type: 'REPEATED', num_children: 2 },
      { name: 'key', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
      ...value.elements,
    ];
    const convert: Convert = (v) => {
      if (!isRecord(v)) return null;
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(v)) out[key] = value.convert(v[key]);
      return out;
    };
    return { elements, convert };
  }
  if (hasProperties(node)) {
    const children: Array<[string, Convert]> = [];
    const elements: SchemaElement[] = [];
    for (const [child, childNode] of Object.entries(node.properties!)) {
      const compiled = compile(child, childNode, 'OPTIONAL');
      if (!compiled) continue;
      elements.push(...compiled.elements);
      children.push([child, compiled.convert]);
    }
    if (children.length === 0) return undefined;
    const convert: Convert = (v) => {
      if (!isRecord(v)) return null;
      const out: Record<string, unknown> = {};
      for (const [child, c] of children) out[child] = c(v[child]);
      return out;
    };
    return { elements: [{ name, repetition_type: repetition, num_children: children.length }, ...elements], convert };
  }
  if (node.type === 'array' && node.items !== undefined) {
    const element = compile('element', node.items, 'OPTIONAL');
    if (!element) return undefined;
    return {
      elements: [{ name, repetition_type: repetition, converted_type: 'LIST', num_children: 1 }, { name: 'list', repetition_type: 'REPEATED', num_children: 1 }, ...element.elements],
      convert: (v) => (Array.isArray(v) ? v.map(element.convert) : null),
    };
  }
  switch (node.type) {
    case 'string':
      return { elements: [{ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: repetition }], convert: (v) => (typeof v === 'string' ? v : null) };
    case 'integer':
      return { elements: [{ name, type: 'INT64', repetition_type: repetition }], convert: (v) => (typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : null) };
    case 'number':
      return { elements: [{ name, type: 'DOUBLE', repetition_type: repetition }], convert: (v) => (typeof v === 'number' ? v : null) };
    case 'boolean':
      return { elements: [{ name, type: 'BOOLEAN', repetition_type: repetition }], convert: (v) => (typeof v === 'boolean' ? v : null) };
    default:
      // A free-form object (no declared fields): its JSON text, typed JSON so readers can parse it back.
      return { elements: [{ name, type: 'BYTE_ARRAY', converted_type: 'JSON', repetition_type: repetition }], convert: (v) => (v === undefined || v === null ? null : JSON.stringify(v)) };
  }
}

/** The part of `node` that `path` reaches: objects keep only the named child, arrays and maps are followed through. */
function prune(node: XdmSchemaNode, path: readonly string[]): XdmSchemaNode | undefined {
  if (path.length === 0) return node;
  if (isMap(node)) return node;
  if (node.type === 'array' && node.items !== undefined) {
    const items = prune(node.items, path);
    return items && { ...node, items };
  }
  const [head, ...rest] = path as [string, ...string[]];
  const child = node.properties !== undefined && Object.hasOwn(node.properties, head) ? node.properties[head] : undefined;
  if (!child) return undefined;
  const kept = prune(child, rest);
  return kept && { ...node, properties: { [head]: kept } };
}

/** Joins two pruned trees of the same node (two `fields` paths under one parent). */
function join(a: XdmSchemaNode, b: XdmSchemaNode): XdmSchemaNode {
  if (a.properties && b.properties) {
    const properties = { ...a.properties };
    for (const [k, v] of Object.entries(b.properties)) properties[k] = Object.hasOwn(properties, k) ? join(properties[k]!, v) : v;
    return { ...a, properties };
  }
  if (a.items && b.items) return { ...a, items: join(a.items, b.items) };
  return a;
}

/** The part of `node` the dot paths reach (all of it for none); EXPORT_JOB_INVALID names a path that is no field of it. */
export function pruneTo(node: XdmSchemaNode, paths: readonly string[][], what: string): XdmSchemaNode {
  if (paths.length === 0) return node;
  let tree: XdmSchemaNode = { ...node, properties: {} };
  for (const path of paths) {
    const kept = prune(node, path);
    if (!kept) throw new DomainError('EXPORT_JOB_INVALID', `${what}: '${path.join('.')}' is not a field of the union schema`);
    tree = join(tree, kept);
  }
  return tree;
}

/**
 * The export schema of a profile union: every field, or the fields `paths` name, plus the `identities` list the
 * entities API adds and any `extra` top-level columns (the `eventList` of an export with events).
 */
export function exportSchema(union: XdmSchemaNode, paths: readonly string[][], extra: Readonly<Record<string, XdmSchemaNode>> = {}): ExportSchema {
  const root: XdmSchemaNode = { type: 'object', properties: { ...(union.properties ?? {}), identities: IDENTITIES } };
  const tree = pruneTo(root, paths, 'fields');
  const columns: ExportColumn[] = [];
  const elements: SchemaElement[] = [];
  for (const [name, node] of [...Object.entries(tree.properties ?? {}), ...Object.entries(extra)]) {
    const compiled = compile(name, node, 'OPTIONAL');
    if (!compiled) continue;
    elements.push(...compiled.elements);
    columns.push({ name, convert: compiled.convert });
  }
  return { elements: [{ name: 'root', num_children: columns.length }, ...elements], columns };
}
