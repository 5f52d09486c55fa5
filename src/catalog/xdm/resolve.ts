/** Turns registry resources (allOf + $ref + definitions, XED form) into one self-contained JSON Schema tree. */
import { xdmTypeOf } from './standard/builders.js';
import { findStandard } from './standard/catalogue.js';
import { XdmError, isPlainObject, refOf, type XdmLookup, type XdmResource, type XdmSchemaNode } from './types.js';

/** The JSON-LD `@context` base; in the XED form it contributes no fields, so references to it resolve to nothing. */
const EXTENSIBLE_BASE = 'https://ns.adobe.com/xdm/common/extensible';

/** Validation keywords kept on leaves; every other `meta:` or XDM keyword is dropped so Ajv sees plain JSON Schema. */
const LEAF_KEYWORDS = [
  'type', 'title', 'format', 'pattern', 'enum', 'const', 'minimum', 'maximum', 'exclusiveMinimum',
  'exclusiveMaximum', 'minLength', 'maxLength', 'multipleOf', 'minItems', 'maxItems', 'uniqueItems',
] as const;

/** Resource kinds as the schema composer needs them, with field groups under one name whatever the spelling. */
export type ResourceKind = 'class' | 'fieldgroup' | 'datatype' | 'behavior' | 'schema' | 'union' | 'unknown';

/** Reads the kind of a resource from `meta:resourceType`, or from its `$id` path when a tenant payload omits it. */
export function resourceKindOf(resource: XdmResource): ResourceKind {
  const declared = resource['meta:resourceType'];
  const fromId = /\/(classes|mixins|fieldgroups|datatypes|behaviors|schemas|unions)\//.exec(resource.$id ?? '')?.[1];
  switch (declared ?? fromId) {
    case 'classes': return 'class';
    case 'mixins':
    case 'fieldgroups': return 'fieldgroup';
    case 'datatypes': return 'datatype';
    case 'behaviors': return 'behavior';
    case 'schemas': return 'schema';
    case 'unions': return 'union';
    default: return 'unknown';
  }
}

/** True for field groups, whichever of the registry's two spellings (`mixins`, `fieldgroups`) the resource uses. */
export function isFieldGroup(resource: XdmResource): boolean {
  return resourceKindOf(resource) === 'fieldgroup';
}

/** Accepts `acme` or `_acme` and returns the namespace field name `_acme`. */
export function tenantNamespaceOf(tenantId: string): string {
  return tenantId.startsWith('_') ? tenantId : `_${tenantId}`;
}

/** One composition run: memoises resolved resources and remembers every resource reached (the `meta:extends` list). */
export class Resolver {
  readonly reached = new Set<string>();
  private readonly memo = new Map<string, XdmSchemaNode>();
  private readonly stack: string[] = [];

  constructor(
    private readonly lookup: XdmLookup,
    private readonly tenantNamespace: string | undefined,
  ) {}

  /** Standard resources win over the lookup: tenants cannot shadow global `$id`s. */
  find(id: string): XdmResource | undefined {
    return findStandard(id) ?? this.lookup(id);
  }

  /** Resolves a whole resource (class, field group, data type, behaviour) into one object node. */
  resolveResource(resource: XdmResource): XdmSchemaNode {
    const key = resource.$id;
    const cached = key === undefined ? undefined : this.memo.get(key);
    if (cached !== undefined) return cached;
    this.enter(key ?? '(inline schema)');
    try {
      const checkTenant = isTenantOwned(resource) && ['class', 'fieldgroup', 'schema'].includes(resourceKindOf(resource));
      if (resource.type === 'array' && resource.items !== undefined) {
        return this.remember(key, this.resolveNode({ type: 'array', items: resource.items }, resource));
      }
      let acc: XdmSchemaNode = { type: 'object', properties: {} };
      if (isPlainObject(resource.properties)) {
        const own = this.resolveNode({ type: 'object', properties: resource.properties }, resource);
        if (checkTenant) this.assertTenantFields(own, resource);
        acc = mergeNodes(acc, own, '', resource.$id);
      }
      for (const entry of resource.allOf ?? []) {
        if (!isPlainObject(entry)) throw invalid(resource, 'has an allOf entry that is not an object');
        const ref = refOf(entry);
        const piece = ref === undefined ? this.resolveNode(entry, resource) : this.resolveRef(ref, resource);
        if (checkTenant && (ref === undefined || ref.startsWith('#'))) this.assertTenantFields(piece, resource);
        acc = mergeNodes(acc, piece, '', resource.$id);
      }
      if (Array.isArray(resource.required)) acc = { ...acc, required: unique([...(acc.required ?? []), ...resource.required]) };
      return this.remember(key, acc);
    } finally {
      this.stack.pop();
    }
  }

  /** Resolves a `$ref` seen inside `context`: a local definition, another resource, or a definition of another resource. */
  resolveRef(ref: string, context: XdmResource): XdmSchemaNode {
    const hash = ref.indexOf('#');
    const base = hash === -1 ? ref : ref.slice(0, hash);
    const fragment = hash === -1 ? '' : ref.slice(hash + 1);
    if (base === EXTENSIBLE_BASE) return { type: 'object', properties: {} };
    const owner = base === '' ? context : this.find(base);
    if (owner === undefined) {
      throw new XdmError(
        'XDM_UNKNOWN_REF',
        `${describe(context)} references "${ref}", which is not a known class, field group, data type or behaviour`,
        ref,
      );
    }
    if (owner !== context && resourceKindOf(owner) !== 'datatype') this.reached.add(owner.$id);
    if (fragment === '') return this.resolveResource(owner);
    const name = /^\/definitions\/(.+)$/.exec(fragment)?.[1]?.replace(/~1/g, '/').replace(/~0/g, '~');
    const definition = name === undefined ? undefined : owner.definitions?.[name];
    if (!isPlainObject(definition)) {
      throw new XdmError('XDM_UNKNOWN_REF', `${describe(context)} references "${ref}", but ${describe(owner)} has no such definition`, ref);
    }
    const key = `${owner.$id}#${fragment}`;
    this.enter(key);
    try {
      return this.resolveNode(definition, owner);
    } finally {
      this.stack.pop();
    }
  }

  /** Resolves one schema node: follows `$ref`, folds `allOf`, closes objects, and keeps only validation keywords. */
  resolveNode(node: XdmSchemaNode, context: XdmResource): XdmSchemaNode {
    const ref = refOf(node);
    let out: XdmSchemaNode | undefined;
    if (ref !== undefined) {
      const target = this.resolveRef(ref, context);
      out = { ...target, ...(typeof node.title === 'string' ? { title: node.title } : {}) };
    }
    for (const part of Array.isArray(node.allOf) ? node.allOf : []) {
      const piece = this.resolveNode(part, context);
      out = out === undefined ? piece : mergeNodes(out, piece, '', context.$id);
    }
    const own = this.resolveOwn(node, context);
    if (out === undefined) return own ?? {};
    return own === undefined ? out : mergeNodes(out, own, '', context.$id);
  }

  /** The node's own keywords, ignoring `$ref`/`allOf`; undefined when it has none worth keeping. */
  private resolveOwn(node: XdmSchemaNode, context: XdmResource): XdmSchemaNode | undefined {
    const isMap = node['meta:xdmType'] === 'map' || isPlainObject(node.additionalProperties);
    if (node.type === 'object' || isPlainObject(node.properties) || isMap) {
      const properties: Record<string, XdmSchemaNode> = {};
      for (const [name, child] of Object.entries(isPlainObject(node.properties) ? node.properties : {})) {
        if (!isPlainObject(child)) throw invalid(context, `defines field "${name}" with a schema that is not an object`);
        properties[name] = this.resolveNode(child, context);
      }
      const out: XdmSchemaNode = { type: 'object', ...(typeof node.title === 'string' ? { title: node.title } : {}) };
      if (isMap) {
        out['meta:xdmType'] = 'map';
        out.additionalProperties = isPlainObject(node.additionalProperties)
          ? this.resolveNode(node.additionalProperties, context)
          : {};
      } else {
        out.properties = properties;
        out['meta:xdmType'] = 'object';
      }
      if (Array.isArray(node.required) && node.required.length > 0) out.required = unique(node.required);
      return out;
    }
    if (node.type === 'array') {
      const out = pick(node);
      if (isPlainObject(node.items)) out.items = this.resolveNode(node.items, context);
      out['meta:xdmType'] = 'array';
      return out;
    }
    if (node.type === undefined) return undefined;
    const out = pick(node);
    const xdmType = xdmTypeOf(node);
    if (xdmType !== undefined) out['meta:xdmType'] = xdmType;
    return out;
  }

  /** Tenant classes, field groups and schemas may only add fields under `_{TENANT_ID}` (AEP's collision rule). */
  assertTenantFields(piece: XdmSchemaNode, resource: XdmResource): void {
    const names = Object.keys(piece.properties ?? {});
    if (names.length === 0) return;
    const ns = this.tenantNamespace;
    if (ns === undefined) {
      throw new XdmError(
        'XDM_TENANT_UNKNOWN',
        `${describe(resource)} adds custom fields, but no tenant id is known to check they sit under _{TENANT_ID}`,
        resource.$id,
      );
    }
    const outside = names.find((name) => name !== ns);
    if (outside !== undefined) {
      throw new XdmError(
        'XDM_TENANT_FIELD_OUTSIDE_NAMESPACE',
        `${describe(resource)} defines top-level field "${outside}" outside the tenant namespace; custom fields must be nested under "${ns}"`,
        `/${outside}`,
      );
    }
  }

  private enter(key: string): void {
    if (this.stack.includes(key)) {
      throw new XdmError('XDM_CIRCULAR_REF', `Circular reference: ${[...this.stack, key].join(' -> ')}`, key);
    }
    this.stack.push(key);
  }

  private remember(key: string | undefined, node: XdmSchemaNode): XdmSchemaNode {
    if (key !== undefined) this.memo.set(key, node);
    return node;
  }
}

/** Merges two resolved nodes; a field defined with two different types is a composition error naming the path. */
export function mergeNodes(a: XdmSchemaNode, b: XdmSchemaNode, path: string, source: string | undefined): XdmSchemaNode {
  if (a.type !== b.type || (a['meta:xdmType'] === 'map') !== (b['meta:xdmType'] === 'map') || a.format !== b.format) {
    throw new XdmError(
      'XDM_FIELD_CONFLICT',
      `Field ${path || '/'} is defined as ${typeLabel(a)} and ${source ?? 'another resource'} redefines it as ${typeLabel(b)}`,
      path || '/',
    );
  }
  if (a.type === 'array') {
    if (a.items === undefined || b.items === undefined) return a.items === undefined ? b : a;
    return { ...a, items: mergeNodes(a.items, b.items, `${path}[]`, source) };
  }
  if (a.type !== 'object') return a;
  const out: XdmSchemaNode = { ...a };
  if (a['meta:xdmType'] === 'map') {
    if (isPlainObject(a.additionalProperties) && isPlainObject(b.additionalProperties)) {
      out.additionalProperties = mergeNodes(a.additionalProperties, b.additionalProperties, `${path}/*`, source);
    }
  } else {
    const properties: Record<string, XdmSchemaNode> = { ...a.properties };
    for (const [name, child] of Object.entries(b.properties ?? {})) {
      const existing = properties[name];
      properties[name] = existing === undefined ? child : mergeNodes(existing, child, `${path}/${name}`, source);
    }
    out.properties = properties;
  }
  const required = unique([...(a.required ?? []), ...(b.required ?? [])]);
  if (required.length > 0) out.required = required;
  if (out.title === undefined && b.title !== undefined) out.title = b.title;
  return out;
}

/** Standard resources are the catalogue's; anything else reached through the lookup belongs to a tenant. */
export function isTenantOwned(resource: XdmResource): boolean {
  return resource.$id === undefined || findStandard(resource.$id) !== resource;
}

/** Names a resource in messages by title and `$id`, so a user can find it in the registry. */
export function describe(resource: XdmResource): string {
  const kind = resourceKindOf(resource);
  const label = kind === 'fieldgroup' ? 'field group' : kind === 'unknown' ? 'resource' : kind;
  const title = typeof resource.title === 'string' ? ` "${resource.title}"` : '';
  return `${label}${title}${resource.$id === undefined ? '' : ` (${resource.$id})`}`;
}

function invalid(resource: XdmResource, what: string): XdmError {
  return new XdmError('XDM_INVALID_RESOURCE', `${describe(resource)} ${what}`, resource.$id);
}

function typeLabel(node: XdmSchemaNode): string {
  const base = node['meta:xdmType'] === 'map' ? 'map' : String(node.type ?? 'untyped');
  return node.format === undefined ? base : `${base} (${node.format})`;
}

function pick(node: XdmSchemaNode): XdmSchemaNode {
  const out: Record<string, unknown> = {};
  for (const keyword of LEAF_KEYWORDS) if (node[keyword] !== undefined) out[keyword] = node[keyword];
  return out as XdmSchemaNode;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
