/** Flat field listings of resolved schemas, for PQL type checks and `fields` projections. */
import type { XdmSchemaNode } from './types.js';

/** One field of a resolved schema, addressed in the dotted XED form PQL uses (`person.name.firstName`). */
export interface XdmField {
  /** Dotted path; map values appear as a `*` segment (`identityMap.*.id`). */
  path: string;
  /** JSON Schema type: string, number, integer, boolean, object, array. */
  type: string;
  /** XDM type: adds date, date-time, map, int, short, byte to the JSON types. */
  xdmType: string;
  format?: string;
  /** JSON Schema type of the elements, for arrays. */
  itemType?: string;
  /** True when the field sits inside an array (or map) element, so one record can hold many values. */
  repeated: boolean;
  /** True when the enclosing object requires the field. */
  required: boolean;
}

/** Lists every field of a resolved schema, parents before children. */
export function listFields(schema: XdmSchemaNode): XdmField[] {
  const out: XdmField[] = [];
  walk(schema, '', false, out);
  return out;
}

/** Finds one field by dotted path; array indexes and map keys are not part of paths. */
export function fieldAt(fields: ReadonlyArray<XdmField>, path: string): XdmField | undefined {
  return fields.find((field) => field.path === path);
}

function walk(node: XdmSchemaNode, prefix: string, repeated: boolean, out: XdmField[]): void {
  const required = new Set(node.required ?? []);
  const children: Array<[string, XdmSchemaNode, boolean]> = Object.entries(node.properties ?? {}).map(([name, child]) => [
    name,
    child,
    required.has(name),
  ]);
  if (node['meta:xdmType'] === 'map' && typeof node.additionalProperties === 'object') {
    children.push(['*', node.additionalProperties, false]);
  }
  const inside = repeated || node['meta:xdmType'] === 'map';
  for (const [name, child, isRequired] of children) {
    const path = prefix === '' ? name : `${prefix}.${name}`;
    out.push(describeField(path, child, inside, isRequired));
    visit(child, path, inside, out);
  }
}

function visit(child: XdmSchemaNode, path: string, repeated: boolean, out: XdmField[]): void {
  if (child.type === 'object') walk(child, path, repeated, out);
  else if (child.type === 'array' && child.items !== undefined && child.items.type === 'object') {
    walk(child.items, path, true, out);
  }
}

function describeField(path: string, node: XdmSchemaNode, repeated: boolean, required: boolean): XdmField {
  const type = String(node.type ?? 'object');
  return {
    path,
    type,
    xdmType: String(node['meta:xdmType'] ?? type),
    ...(node.format === undefined ? {} : { format: node.format }),
    ...(type === 'array' && node.items?.type !== undefined ? { itemType: node.items.type } : {}),
    repeated,
    required,
  };
}
