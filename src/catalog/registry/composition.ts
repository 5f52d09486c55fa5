/** Composition checks over a sandbox's resources: XdmError → DomainError mapping, tenant-wide checks, expanded views. */
import { DomainError } from '../../shared/errors.js';
import {
  PROFILE_CLASS_ID,
  XdmError,
  composeSchema,
  composeUnion,
  isProfileEnabled,
  refOf,
  validateIdentityDescriptor,
  type ComposedSchema,
  type IdentityDescriptor,
  type UnionSchema,
  type XdmLookup,
  type XdmResource,
  type XdmSchemaNode,
} from '../xdm/index.js';

/** XdmError codes as registry codes; a code the library adds later falls back to REGISTRY_RESOURCE_INVALID. */
const CODES: Readonly<Record<string, string>> = {
  XDM_INVALID_RESOURCE: 'REGISTRY_RESOURCE_INVALID',
  XDM_UNKNOWN_REF: 'REGISTRY_REF_UNKNOWN',
  XDM_CIRCULAR_REF: 'REGISTRY_REF_CIRCULAR',
  XDM_CLASS_MISSING: 'REGISTRY_SCHEMA_CLASS_INVALID',
  XDM_MULTIPLE_CLASSES: 'REGISTRY_SCHEMA_CLASS_INVALID',
  XDM_NOT_A_FIELD_GROUP: 'REGISTRY_SCHEMA_CLASS_INVALID',
  XDM_INCOMPATIBLE_FIELD_GROUP: 'REGISTRY_FIELD_GROUP_INCOMPATIBLE',
  XDM_TENANT_FIELD_OUTSIDE_NAMESPACE: 'REGISTRY_TENANT_FIELD_OUTSIDE_NAMESPACE',
  XDM_TENANT_UNKNOWN: 'REGISTRY_TENANT_FIELD_OUTSIDE_NAMESPACE',
  XDM_FIELD_CONFLICT: 'REGISTRY_FIELD_CONFLICT',
  XDM_UNION_CONFLICT: 'REGISTRY_UNION_CONFLICT',
  XDM_INVALID_DESCRIPTOR: 'REGISTRY_DESCRIPTOR_INVALID',
  XDM_DESCRIPTOR_PATH_NOT_FOUND: 'REGISTRY_DESCRIPTOR_PATH_NOT_FOUND',
  XDM_MULTIPLE_PRIMARY_DESCRIPTORS: 'REGISTRY_PRIMARY_IDENTITY_EXISTS',
};

/** Runs `fn`, turning an XdmError into the matching DomainError; `context` prefixes the message (e.g. a dependent schema). */
export function mapXdm<T>(fn: () => T, context?: string): T {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof XdmError)) throw err;
    const code = CODES[err.code] ?? 'REGISTRY_RESOURCE_INVALID';
    const report = { xdmCode: err.code, ...(err.target === undefined ? {} : { target: err.target }) };
    throw new DomainError(code, context === undefined ? err.message : `${context}: ${err.message}`, { report });
  }
}

/** A lookup over a sandbox's resources by `$id` and `meta:altId` (standard resources are found by the library itself). */
export function lookupOf(resources: Iterable<XdmResource>): XdmLookup {
  const byKey = new Map<string, XdmResource>();
  for (const r of resources) {
    byKey.set(r.$id, r);
    if (typeof r['meta:altId'] === 'string') byKey.set(r['meta:altId'], r);
  }
  return (id) => byKey.get(id);
}

/** Composes one schema, mapping errors. */
export function composeChecked(schema: XdmResource, lookup: XdmLookup, tenant: string): ComposedSchema {
  return mapXdm(() => composeSchema(schema, lookup, { tenantId: tenant }));
}

/** The union of each class that has Profile-enabled schemas, keyed by class `$id`. */
export function composeUnions(resources: readonly XdmResource[], tenant: string): Map<string, UnionSchema> {
  const lookup = lookupOf(resources);
  const schemas = resources.filter((r) => r['meta:resourceType'] === 'schemas' && isProfileEnabled(r));
  const classes = new Set(schemas.map((s) => String(s['meta:class'] ?? '')).filter((c) => c !== ''));
  const out = new Map<string, UnionSchema>();
  for (const classId of classes) out.set(classId, mapXdm(() => composeUnion(classId, schemas, lookup, { tenantId: tenant })));
  return out;
}

/**
 * Checks that every schema of the sandbox still composes and every union still merges, with `resources` as they would
 * be after a write; the message names the schema that breaks, since the resource written may be another one.
 */
export function checkSandbox(
  resources: readonly XdmResource[],
  tenant: string,
  identityDescriptors: ReadonlyMap<string, readonly IdentityDescriptor[]> = new Map(),
): void {
  const lookup = lookupOf(resources);
  for (const r of resources) {
    if (r['meta:resourceType'] !== 'schemas') continue;
    const context = `Schema "${r.title}" (${r.$id}) would no longer compose`;
    const composed = mapXdm(() => composeSchema(r, lookup, { tenantId: tenant }), context);
    // An identity field the write path reads must survive every change to the schema or the field groups it uses.
    for (const d of identityDescriptors.get(r.$id) ?? []) mapXdm(() => validateIdentityDescriptor(d, composed), context);
  }
  composeUnions(resources, tenant);
}

const PROBE_ID = 'urn:rtprofile:registry:probe';

/**
 * The fully resolved node of a class, field group or data type. The library composes schemas only, so the resource is
 * re-labelled as a data type (same allOf/definitions/properties rules, no class needed) and referenced from a probe schema.
 */
export function expandResource(resource: XdmResource, lookup: XdmLookup, tenant: string): XdmSchemaNode {
  if (resource['meta:resourceType'] === 'schemas') return composeChecked(resource, lookup, tenant).jsonSchema;
  const ns = `_${tenant}`;
  const alias: XdmResource = { ...resource, $id: `${PROBE_ID}:${resource.$id}`, 'meta:resourceType': 'datatypes' };
  const probe: XdmResource = {
    $id: PROBE_ID,
    title: 'probe',
    type: 'object',
    'meta:resourceType': 'schemas',
    allOf: [{ $ref: PROFILE_CLASS_ID }, { properties: { [ns]: { type: 'object', properties: { x: { $ref: alias.$id } } } } }],
  };
  const composed = composeChecked(probe, (id) => (id === alias.$id ? alias : lookup(id)), tenant);
  return composed.jsonSchema.properties?.[ns]?.properties?.x ?? {};
}

/** The `$id`s a resource references (`$ref`s, `meta:intendedToExtend`, `meta:class`), without `#` fragments. */
export function referencesOf(resource: XdmResource): Set<string> {
  const out = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (typeof node !== 'object' || node === null) return;
    const ref = refOf(node as XdmSchemaNode);
    if (ref !== undefined && !ref.startsWith('#')) out.add(ref.split('#')[0]!);
    Object.values(node).forEach(walk);
  };
  walk({ allOf: resource.allOf, definitions: resource.definitions, properties: resource.properties, items: resource.items });
  for (const id of resource['meta:intendedToExtend'] ?? []) out.add(id);
  if (typeof resource['meta:class'] === 'string') out.add(resource['meta:class']);
  return out;
}
