/** What a tenant may send for a class, field group, data type or schema, and the fields the registry owns and stamps. */
import { DomainError } from '../../shared/errors.js';
import { XDM_VERSION, type XdmResource } from '../xdm/index.js';
import type { RegistryContext, RegistryKind } from './tenant.js';

/** Set by the registry on every write; a client's values for them are ignored (they are never the client's to choose). */
const SERVER_KEYS = [
  '$id', 'meta:altId', 'meta:resourceType', 'version', 'meta:containerId', 'meta:tenantNamespace', 'meta:sandboxId',
  'meta:sandboxType', 'imsOrg', 'meta:registryMetadata', 'meta:extends', 'meta:class', 'refs', 'meta:xdmType',
  'meta:extensible', 'meta:abstract', '$schema',
];

/** Keys a JSON Patch may not change: they identify the resource. */
export const IDENTITY_KEYS = ['$id', 'meta:altId', 'meta:resourceType'] as const;

const LABEL: Record<RegistryKind, string> = { schemas: 'schema', mixins: 'field group', datatypes: 'data type', classes: 'class' };

function bad(kind: RegistryKind, what: string): DomainError {
  return new DomainError('REGISTRY_RESOURCE_INVALID', `The ${LABEL[kind]} payload ${what}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Refuses payloads whose top-level shape is wrong before composition sees them, naming the offending member. */
export function assertShape(kind: RegistryKind, input: unknown): asserts input is Record<string, unknown> {
  if (!isObject(input)) throw bad(kind, 'must be a JSON object');
  if (typeof input.title !== 'string' || input.title.trim() === '') throw bad(kind, 'needs a non-empty string title');
  if (input.description !== undefined && typeof input.description !== 'string') throw bad(kind, 'has a description that is not a string');
  const types = kind === 'datatypes' ? ['object', 'array'] : ['object'];
  if (!types.includes(input.type as string)) throw bad(kind, `needs type ${types.map((t) => `"${t}"`).join(' or ')}, got ${JSON.stringify(input.type)}`);
  const allOf = input.allOf ?? input['allOf '];
  if (allOf !== undefined && (!Array.isArray(allOf) || !allOf.every(isObject))) throw bad(kind, 'has an allOf that is not an array of objects');
  if ((kind === 'schemas' || kind === 'classes') && (!Array.isArray(allOf) || allOf.length === 0)) {
    throw bad(kind, kind === 'schemas' ? 'needs an allOf naming its class and field groups' : 'needs an allOf naming its behaviour');
  }
  for (const key of ['definitions', 'properties'] as const) {
    if (input[key] !== undefined && !isObject(input[key])) throw bad(kind, `has ${key} that is not an object`);
  }
  if (input.type === 'array' && !isObject(input.items)) throw bad(kind, 'is an array data type without an items object');
  if (kind === 'mixins') {
    const intended = input['meta:intendedToExtend'];
    if (!Array.isArray(intended) || intended.length === 0 || !intended.every((c) => typeof c === 'string')) {
      throw bad(kind, 'needs meta:intendedToExtend listing the $id of each class it is compatible with');
    }
  }
  const tags = input['meta:immutableTags'];
  if (tags !== undefined && (kind !== 'schemas' || !Array.isArray(tags) || !tags.every((t) => t === 'union'))) {
    throw bad(kind, 'has meta:immutableTags other than ["union"] (only schemas can be enabled for Profile)');
  }
}

/** Rewrites the `"$ref "` and `"allOf "` spellings of the registry's published examples to the real keywords. */
export function normalizeKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(normalizeKeys) as T;
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const name = key === '$ref ' || key === 'allOf ' ? key.trim() : key;
    if (!(name in out)) out[name] = normalizeKeys(child);
  }
  return out as T;
}

/** What the registry stamps on a stored resource. */
export interface Stamp {
  $id: string;
  altId: string;
  version: string;
  tenant: string;
  createdAt: number;
  createdBy: string;
  now: number;
}

/** Builds the stored body from the client's payload and the registry's own fields, in the order the registry answers. */
export function stampResource(kind: RegistryKind, input: Record<string, unknown>, stamp: Stamp, ctx: RegistryContext): XdmResource {
  const own = Object.fromEntries(Object.entries(normalizeKeys(input)).filter(([k]) => !SERVER_KEYS.includes(k)));
  const extensible = kind === 'mixins' || kind === 'datatypes' || kind === 'classes';
  const body: Record<string, unknown> = {
    $id: stamp.$id,
    'meta:altId': stamp.altId,
    'meta:resourceType': kind,
    version: stamp.version,
    ...own,
    imsOrg: ctx.orgId,
    'meta:extensible': extensible,
    'meta:abstract': extensible,
    'meta:xdmType': own.type === 'array' ? 'array' : 'object',
    'meta:registryMetadata': {
      'repo:createdDate': stamp.createdAt,
      'repo:lastModifiedDate': stamp.now,
      'xdm:createdClientId': stamp.createdBy,
      'xdm:lastModifiedClientId': ctx.clientId,
      'meta:globalLibVersion': XDM_VERSION,
    },
    'meta:containerId': 'tenant',
    'meta:sandboxId': ctx.sandbox.id,
    'meta:sandboxType': ctx.sandbox.type,
    'meta:tenantNamespace': `_${stamp.tenant}`,
  };
  return body as XdmResource;
}
