/** Response forms of a resource that the Accept header selects: the expanded (`xed-full`) and text-free (`-notext`) views. */
import type { XdmResource, XdmSchemaNode } from '../xdm/index.js';

/** The resource's metadata with its allOf/definitions replaced by the resolved fields, as `xed-full` answers. */
export function fullView(resource: XdmResource, node: XdmSchemaNode): XdmResource {
  const { allOf: _allOf, definitions: _definitions, properties: _properties, items: _items, ...meta } = resource;
  return {
    ...meta,
    type: node.type ?? resource.type,
    ...(node.properties === undefined ? {} : { properties: node.properties }),
    ...(node.items === undefined ? {} : { items: node.items }),
    ...(node.required === undefined || node.required.length === 0 ? {} : { required: node.required }),
  } as XdmResource;
}

/** Drops `title` (and `description` unless kept) everywhere but inside `properties` maps, whose keys are field names. */
export function withoutText<T>(value: T, keepDescriptions: boolean): T {
  const walk = (node: unknown, fieldMap: boolean): unknown => {
    if (Array.isArray(node)) return node.map((n) => walk(n, false));
    if (typeof node !== 'object' || node === null) return node;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(node)) {
      if (!fieldMap && (key === 'title' || (key === 'description' && !keepDescriptions))) continue;
      out[key] = walk(child, !fieldMap && (key === 'properties' || key === 'definitions'));
    }
    return out;
  };
  return walk(value, false) as T;
}
