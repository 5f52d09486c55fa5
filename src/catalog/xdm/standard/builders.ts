/** Small constructors for the standard XDM definitions, so each resource file reads like the registry response it mirrors. */
import type { XdmResource, XdmResourceType, XdmSchemaNode } from '../types.js';

/** The XDM release whose field names and types the shipped standard resources follow. */
export const XDM_VERSION = '1.31.4';

type Extra = Partial<XdmSchemaNode>;

/** A string field; `extra` carries format, pattern, enum and the like. */
export function str(title: string, description: string, extra: Extra = {}): XdmSchemaNode {
  return { title, type: 'string', description, ...extra };
}

/** A string field holding an RFC 3339 date-time. */
export function dateTime(title: string, description: string): XdmSchemaNode {
  return str(title, description, { format: 'date-time' });
}

/** A string field holding a full date (YYYY-MM-DD). */
export function date(title: string, description: string): XdmSchemaNode {
  return str(title, description, { format: 'date' });
}

/** A boolean field. */
export function bool(title: string, description: string, extra: Extra = {}): XdmSchemaNode {
  return { title, type: 'boolean', description, ...extra };
}

/** An integer field. */
export function int(title: string, description: string, extra: Extra = {}): XdmSchemaNode {
  return { title, type: 'integer', description, ...extra };
}

/** A number (double) field. */
export function num(title: string, description: string, extra: Extra = {}): XdmSchemaNode {
  return { title, type: 'number', description, ...extra };
}

/** A field typed by another resource, written the way the registry writes it (`$ref` plus `type: object`). */
export function ref(id: string, title: string | undefined, description: string): XdmSchemaNode {
  return { ...(title === undefined ? {} : { title }), $ref: id, description, type: 'object' };
}

/** An array field. */
export function array(items: XdmSchemaNode, title: string, description: string): XdmSchemaNode {
  return { title, type: 'array', description, items };
}

/** An inline object field. */
export function obj(properties: Record<string, XdmSchemaNode>, title: string, description: string): XdmSchemaNode {
  return { title, type: 'object', description, properties };
}

/** A definition block: the `{ properties }` object that `allOf` pulls in through `#/definitions/<name>`. */
export function props(properties: Record<string, XdmSchemaNode>, required?: string[]): XdmSchemaNode {
  return required === undefined ? { properties } : { properties, required };
}

/** Maps enum values to display labels, the `meta:enum` shape. */
export function labels(entries: Array<[string, string]>): Record<string, string> {
  return Object.fromEntries(entries);
}

/** Namespace containers whose children keep a JSON-LD prefix other than `xdm:` (`_repo.createDate` is `repo:createDate`). */
const PREFIX_CONTAINERS: Record<string, string> = { _repo: 'repo', _schema: 'schema' };

/** The `meta:xdmType` the registry reports: XDM distinguishes dates, maps and integer widths that JSON Schema does not. */
export function xdmTypeOf(node: XdmSchemaNode): string | undefined {
  if (typeof node['meta:xdmType'] === 'string') return node['meta:xdmType'];
  if (node.type === 'string' && (node.format === 'date' || node.format === 'date-time')) return node.format;
  if (node.type === 'integer') {
    const { minimum: min, maximum: max } = node;
    if (min !== undefined && max !== undefined && min >= -128 && max <= 127) return 'byte';
    if (min !== undefined && max !== undefined && min >= -32768 && max <= 32767) return 'short';
    return 'int';
  }
  return node.type;
}

/** Adds `meta:xdmType` / `meta:xdmField` to every field, as the registry's XED responses carry them. */
function annotate(node: XdmSchemaNode, prefix: string | undefined): XdmSchemaNode {
  const out: XdmSchemaNode = { ...node };
  if (node.properties !== undefined) {
    out.properties = Object.fromEntries(
      Object.entries(node.properties).map(([name, child]) => {
        const container = prefix === undefined ? PREFIX_CONTAINERS[name] : undefined;
        const field = container !== undefined ? undefined : name === '_id' ? '@id' : `${prefix ?? 'xdm'}:${name}`;
        const annotated = annotate(child, container);
        const xdmType = xdmTypeOf(annotated);
        const meta = {
          ...(xdmType === undefined ? {} : { 'meta:xdmType': xdmType }),
          ...(field === undefined ? {} : { 'meta:xdmField': field }),
        };
        return [name, { ...annotated, ...meta }];
      }),
    );
  }
  if (node.items !== undefined) out.items = annotate(node.items, undefined);
  if (typeof node.additionalProperties === 'object') out.additionalProperties = annotate(node.additionalProperties, undefined);
  return out;
}

/** The dot-notation `meta:altId` the registry derives from a `$id` (`https://ns.adobe.com/xdm/context/profile` → `_xdm.context.profile`). */
export function altIdOf(id: string): string {
  const url = new URL(id);
  const segments = url.pathname.split('/').filter((s) => s !== '');
  const head = url.host === 'ns.adobe.com' ? [] : [url.host];
  return `_${[...head, ...segments].join('.')}`;
}

/** What a standard resource file declares; the builder fills in the fields every registry response repeats. */
export interface ResourceSpec {
  $id: string;
  resourceType: XdmResourceType;
  title: string;
  description: string;
  definitions?: Record<string, XdmSchemaNode>;
  /** `#/definitions/<name>` or another resource's `$id`, in the order the registry lists them. */
  allOf: string[];
  meta?: Partial<Pick<XdmResource, 'meta:extensible' | 'meta:abstract' | 'meta:intendedToExtend' | 'meta:extends' | 'required'>>;
}

/** Recursively freezes a value so that callers cannot edit the shared catalogue. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Builds a standard (global) resource in the shape the registry returns it. */
export function resource(spec: ResourceSpec): XdmResource {
  const definitions =
    spec.definitions === undefined
      ? undefined
      : Object.fromEntries(Object.entries(spec.definitions).map(([name, def]) => [name, annotate(def, undefined)]));
  return deepFreeze({
    $id: spec.$id,
    'meta:altId': altIdOf(spec.$id),
    'meta:resourceType': spec.resourceType,
    version: XDM_VERSION,
    title: spec.title,
    type: 'object',
    description: spec.description,
    ...(definitions === undefined ? {} : { definitions }),
    allOf: spec.allOf.map(($ref) => ({ $ref, type: 'object', 'meta:xdmType': 'object' })),
    ...spec.meta,
    'meta:xdmType': 'object',
    'meta:status': 'stable',
    $schema: 'http://json-schema.org/draft-06/schema#',
  });
}

/** The `$ref` every standard resource carries for JSON-LD `@context`; it contributes no XED fields. */
export const EXTENSIBLE_CONTEXT = 'https://ns.adobe.com/xdm/common/extensible#/definitions/@context';
