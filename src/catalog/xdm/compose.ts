/** Schema composition: class + field groups + tenant fields into one resolved JSON Schema, and the per-class union. */
import { listFields, type XdmField } from './fields.js';
import { Resolver, describe, mergeNodes, resourceKindOf, tenantNamespaceOf } from './resolve.js';
import { RECORD_ID, TIME_SERIES_ID } from './standard/classes.js';
import { findStandard } from './standard/catalogue.js';
import { XdmError, isPlainObject, refOf, type XdmLookup, type XdmResource, type XdmSchemaNode } from './types.js';

/** How records of a class behave: profile-like records are upserted, time-series events are appended. */
export type ClassBehavior = 'record' | 'time-series' | 'adhoc';

/** Options of a composition run. */
export interface ComposeOptions {
  /** The tenant id (`acme`) or namespace (`_acme`); else taken from `meta:tenantNamespace` or the schema `$id`. */
  tenantId?: string;
}

/** A resolved JSON Schema (draft-07) with `$ref`s inlined; `meta:xdmType` is the only XDM keyword left on nodes. */
export type ResolvedSchema = XdmSchemaNode & { $schema: string; type: 'object' };

/** Everything the registry, validation and PQL need to know about one schema. */
export interface ComposedSchema {
  schemaId: string | undefined;
  classId: string;
  behavior: ClassBehavior;
  /** Field groups in `allOf` order. */
  fieldGroupIds: string[];
  /** Every class, behaviour and field group reached, as the registry lists them in `meta:extends`. */
  extends: string[];
  /** True when `meta:immutableTags` holds `union` (the schema is enabled for Profile). */
  profileEnabled: boolean;
  jsonSchema: ResolvedSchema;
  fields: XdmField[];
}

/** The union of all Profile-enabled schemas of one class, with its registry wire form. */
export interface UnionSchema {
  /** The `meta:resourceType: unions` resource the registry returns under `/tenant/unions`. */
  resource: XdmResource;
  classId: string;
  /** The member schemas, in input order. */
  schemaIds: string[];
  jsonSchema: ResolvedSchema;
  fields: XdmField[];
}

const DRAFT_07 = 'http://json-schema.org/draft-07/schema#';

/** Composes a schema resource; throws `XdmError` naming the bad reference, field group or field. */
export function composeSchema(schema: XdmResource, lookup: XdmLookup, options: ComposeOptions = {}): ComposedSchema {
  if (!isPlainObject(schema) || !Array.isArray(schema.allOf) || schema.allOf.length === 0) {
    throw new XdmError('XDM_INVALID_RESOURCE', 'A schema needs an allOf listing its class and field groups', schema?.$id);
  }
  const resolver = new Resolver(lookup, tenantOf(schema, options));
  let classResource: XdmResource | undefined;
  const fieldGroups: XdmResource[] = [];
  const inline: XdmSchemaNode[] = [];
  for (const entry of schema.allOf) {
    const ref = isPlainObject(entry) ? refOf(entry) : undefined;
    if (ref === undefined || ref.startsWith('#')) {
      inline.push(ref === undefined ? entry : { $ref: ref });
      continue;
    }
    const target = resolver.find(ref);
    if (target === undefined) {
      throw new XdmError('XDM_UNKNOWN_REF', `${describe(schema)} references "${ref}", which is not a known class or field group`, ref);
    }
    const kind = resourceKindOf(target);
    if (kind === 'class') {
      if (classResource !== undefined) {
        throw new XdmError(
          'XDM_MULTIPLE_CLASSES',
          `${describe(schema)} references two classes, ${classResource.$id} and ${target.$id}; a schema implements exactly one`,
          target.$id,
        );
      }
      classResource = target;
    } else if (kind === 'fieldgroup') {
      fieldGroups.push(target);
    } else {
      throw new XdmError(
        'XDM_NOT_A_FIELD_GROUP',
        `${describe(schema)} lists ${describe(target)} in allOf; only one class and field groups may be listed there`,
        target.$id,
      );
    }
  }
  if (classResource === undefined) {
    throw new XdmError('XDM_CLASS_MISSING', `${describe(schema)} does not reference a class in allOf`, schema.$id);
  }
  const classId = classResource.$id;
  for (const group of fieldGroups) {
    const intended = group['meta:intendedToExtend'] ?? [];
    if (intended.length > 0 && !intended.includes(classId)) {
      throw new XdmError(
        'XDM_INCOMPATIBLE_FIELD_GROUP',
        `${describe(group)} is intended for ${intended.join(', ')} and cannot be used in a schema of class ${classId}`,
        group.$id,
      );
    }
  }
  resolver.reached.add(classId);
  let root = resolver.resolveResource(classResource);
  for (const group of fieldGroups) {
    resolver.reached.add(group.$id);
    root = mergeNodes(root, resolver.resolveResource(group), '', group.$id);
  }
  for (const node of inline) {
    const piece = resolver.resolveNode(node, schema);
    resolver.assertTenantFields(piece, schema);
    root = mergeNodes(root, piece, '', schema.$id);
  }
  const jsonSchema = finish(root, schema.title);
  const reached = [...resolver.reached];
  return {
    schemaId: schema.$id,
    classId,
    behavior: reached.includes(TIME_SERIES_ID) ? 'time-series' : reached.includes(RECORD_ID) ? 'record' : 'adhoc',
    fieldGroupIds: fieldGroups.map((group) => group.$id),
    extends: reached,
    profileEnabled: isProfileEnabled(schema),
    jsonSchema,
    fields: listFields(jsonSchema),
  };
}

/** True when the schema carries `meta:immutableTags: ["union"]`, i.e. it is enabled for Real-Time Customer Profile. */
export function isProfileEnabled(schema: XdmResource): boolean {
  return Array.isArray(schema['meta:immutableTags']) && schema['meta:immutableTags'].includes('union');
}

/** The union `$id` of a class: `https://ns.adobe.com/xdm/context/profile` → `https://ns.adobe.com/xdm/context/profile__union`. */
export function unionIdOf(classId: string): string {
  return `${classId}__union`;
}

/**
 * Merges every Profile-enabled schema of `classId` among `schemas` (others are skipped) into the class union.
 * Nested `required` lists are kept (they come from shared data types); at the root only the class's own apply,
 * because a field one member requires may be absent from fragments of the others.
 */
export function composeUnion(
  classId: string,
  schemas: Iterable<XdmResource>,
  lookup: XdmLookup,
  options: ComposeOptions = {},
): UnionSchema {
  const classResource = findStandard(classId) ?? lookup(classId);
  if (classResource === undefined || resourceKindOf(classResource) !== 'class') {
    throw new XdmError('XDM_UNKNOWN_REF', `No class "${classId}" to build a union for`, classId);
  }
  const classOnly: XdmResource = {
    $id: unionIdOf(classResource.$id),
    title: classResource.title,
    type: 'object',
    allOf: [{ $ref: classResource.$id }],
  };
  const base = composeSchema(classOnly, lookup, options);
  let root: XdmSchemaNode = base.jsonSchema;
  const members: ComposedSchema[] = [];
  for (const schema of schemas) {
    if (!isProfileEnabled(schema)) continue;
    const composed = composeSchema(schema, lookup, options);
    if (composed.classId !== classResource.$id) continue;
    try {
      root = mergeNodes(root, composed.jsonSchema, '', schema.$id);
    } catch (error) {
      if (!(error instanceof XdmError) || error.code !== 'XDM_FIELD_CONFLICT') throw error;
      const message = `Cannot add schema ${schema.$id} to the ${classResource.title} union: ${error.message}`;
      throw new XdmError('XDM_UNION_CONFLICT', message, error.target);
    }
    members.push(composed);
  }
  const jsonSchema = finish({ ...root, required: base.jsonSchema.required ?? [] }, classResource.title);
  const refs = unique([classResource.$id, ...members.flatMap((m) => m.fieldGroupIds)]);
  const resource: XdmResource = {
    $id: unionIdOf(classResource.$id),
    'meta:altId': `${classResource['meta:altId'] ?? classResource.$id}__union`,
    'meta:resourceType': 'unions',
    version: '1.0',
    title: classResource.title,
    type: 'object',
    description: classResource.description ?? '',
    allOf: refs.map(($ref) => ({ $ref })),
    'meta:extends': unique([...base.extends, ...members.flatMap((m) => [...m.extends, ...(m.schemaId === undefined ? [] : [m.schemaId])])]),
    'meta:xdmType': 'object',
    'meta:class': classResource.$id,
    'meta:containerId': 'tenant',
  };
  return {
    resource,
    classId: classResource.$id,
    schemaIds: members.flatMap((m) => (m.schemaId === undefined ? [] : [m.schemaId])),
    jsonSchema,
    fields: listFields(jsonSchema),
  };
}

/** The schema's tenant namespace: the explicit option, `meta:tenantNamespace`, or the `{TENANT_ID}` segment of its `$id`. */
function tenantOf(schema: XdmResource, options: ComposeOptions): string | undefined {
  if (options.tenantId !== undefined && options.tenantId !== '') return tenantNamespaceOf(options.tenantId);
  const declared = schema['meta:tenantNamespace'];
  if (typeof declared === 'string' && declared !== '') return tenantNamespaceOf(declared);
  const fromId = /^https?:\/\/ns\.adobe\.com\/([^/]+)\/schemas\//.exec(schema.$id ?? '')?.[1];
  return fromId === undefined || fromId === 'xdm' ? undefined : tenantNamespaceOf(fromId);
}

/** Stamps the draft the validator expects and closes every object, root included. */
function finish(root: XdmSchemaNode, title: string | undefined): ResolvedSchema {
  const { required, ...rest } = close(root);
  return {
    $schema: DRAFT_07,
    ...rest,
    ...(title === undefined ? {} : { title }),
    type: 'object',
    additionalProperties: false,
    ...(required !== undefined && required.length > 0 ? { required } : {}),
  };
}

/**
 * XDM data may only carry fields some schema defines (the data lake stores one column per field), so objects with
 * declared properties refuse others. Maps keep their value schema; an object declared without properties stays open.
 */
function close(node: XdmSchemaNode): XdmSchemaNode {
  const out: XdmSchemaNode = { ...node };
  if (node.items !== undefined) out.items = close(node.items);
  if (isPlainObject(node.additionalProperties)) out.additionalProperties = close(node.additionalProperties);
  if (node.properties !== undefined) {
    out.properties = Object.fromEntries(Object.entries(node.properties).map(([name, child]) => [name, close(child)]));
    if (Object.keys(node.properties).length > 0) out.additionalProperties = false;
    else delete out.properties;
  }
  return out;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
