/** XDM / JSON Schema → PqlType, for the checker: local $refs, allOf, maps, date formats and JSON-LD names. */
import {
  ANY, BOOLEAN, DATE, DATE_TIME, INTEGER, NUMBER, OPEN_OBJECT, STRING, arrayOf, mapOf, type PqlType,
} from './types.js';

type Json = Record<string, unknown>;

/** A schema for the checker: a profile JSON schema, or `{profile, event}` schemas (either may be omitted). */
export type PqlSchemaInput = Json | { readonly profile?: Json; readonly event?: Json };

const MAX_SCHEMA_DEPTH = 32;

/** Splits the input into profile and event types; absent schemas are open objects (no field is unknown). */
export function schemaTypes(input: PqlSchemaInput | undefined): { profile: PqlType; event: PqlType } {
  if (!input) return { profile: OPEN_OBJECT, event: OPEN_OBJECT };
  const split = ('profile' in input || 'event' in input) && !('properties' in input) && !('type' in input) && !('allOf' in input);
  const profile = split ? (input as { profile?: Json }).profile : (input as Json);
  const event = split ? (input as { event?: Json }).event : undefined;
  return {
    profile: profile ? toType(profile, profile, 0, [], 'profile') : OPEN_OBJECT,
    event: event ? toType(event, event, 0, [], 'event') : OPEN_OBJECT,
  };
}

function resolveRef(ref: string, root: Json): Json | undefined {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = (node as Json)[key];
  }
  return node !== null && typeof node === 'object' ? (node as Json) : undefined;
}

function toType(s: Json, root: Json, depth: number, refs: string[], where: string): PqlType {
  if (depth > MAX_SCHEMA_DEPTH) return ANY;
  if (typeof s.$ref === 'string') {
    const target = refs.includes(s.$ref) ? undefined : resolveRef(s.$ref, root);
    return target ? toType(target, root, depth + 1, [...refs, s.$ref], where) : ANY;
  }
  const parts = Array.isArray(s.allOf) ? (s.allOf as Json[]) : [];
  const type = Array.isArray(s.type) ? (s.type as unknown[]).find((t) => t !== 'null') : s.type;
  if (s['meta:xdmType'] === 'map') {
    const values = s.additionalProperties;
    return mapOf(values && typeof values === 'object' ? toType(values as Json, root, depth + 1, refs, where) : ANY);
  }
  switch (type) {
    case 'string': return s.format === 'date-time' ? DATE_TIME : s.format === 'date' ? DATE : STRING;
    case 'integer': return INTEGER;
    case 'number': return NUMBER;
    case 'boolean': return BOOLEAN;
    case 'array': return arrayOf(s.items && typeof s.items === 'object' ? toType(s.items as Json, root, depth + 1, refs, where) : ANY);
  }
  if (type !== 'object' && type !== undefined) return ANY;
  const fields = new Map<string, PqlType>();
  let known = false;
  const collect = (node: Json, d: number, seen: string[]): void => {
    if (d > MAX_SCHEMA_DEPTH) return;
    if (typeof node.$ref === 'string') {
      const target = seen.includes(node.$ref) ? undefined : resolveRef(node.$ref, root);
      if (target) collect(target, d + 1, [...seen, node.$ref]);
      return;
    }
    if (node.properties && typeof node.properties === 'object') {
      known = true;
      for (const [name, sub] of Object.entries(node.properties as Json)) {
        if (sub && typeof sub === 'object') fields.set(name, toType(sub as Json, root, depth + 1, seen, `${where}.${name}`));
      }
    }
    if (Array.isArray(node.allOf)) for (const part of node.allOf as Json[]) if (part && typeof part === 'object') collect(part, d + 1, seen);
  };
  collect({ ...s, allOf: parts }, depth, refs);
  if (!known) {
    const values = s.additionalProperties;
    return values && typeof values === 'object' ? mapOf(toType(values as Json, root, depth + 1, refs, where)) : OPEN_OBJECT;
  }
  return s.additionalProperties === true ? OPEN_OBJECT : { kind: 'object', fields, where };
}
