/** Identity extraction from XDM records (identityMap and identity descriptors) with the AEP identity and size guardrails. */
import type { ClassBehavior, ComposedSchema } from './compose.js';
import { XdmError, isPlainObject, type RecordError } from './types.js';

/** An identity descriptor as the registry stores it (`@type: xdm:descriptorIdentity`). */
export interface IdentityDescriptor {
  '@type'?: string;
  '@id'?: string;
  'xdm:sourceSchema'?: string;
  'xdm:sourceVersion'?: number | string;
  /** JSON-pointer-like path in the XED form, e.g. `/_acme/loyaltyId`. */
  'xdm:sourceProperty': string;
  /** Namespace code (`Email`) or numeric id (`6`), as `xdm:property` says. */
  'xdm:namespace': string;
  'xdm:property'?: 'xdm:code' | 'xdm:id';
  'xdm:isPrimary'?: boolean;
}

export type AuthenticatedState = 'ambiguous' | 'authenticated' | 'loggedOut';

/** One identity found in a record. */
export interface Identity {
  /** Namespace code; numeric ids and `https://data.adobe.io/entities/namespace/{id}` keys of standard namespaces become codes. */
  namespace: string;
  id: string;
  primary: boolean;
  authenticatedState: AuthenticatedState;
  source: 'identityMap' | 'descriptor';
  /** JSON pointer of the value in the record. */
  path: string;
}

/** The identities of a record, its primary identity, and the guardrail violations that make the record unusable. */
export interface IdentityExtraction {
  ok: boolean;
  identities: Identity[];
  primary: Identity | undefined;
  /** Why `primary` was chosen: a primary descriptor, an identityMap `primary: true`, or being the record's only identity. */
  primarySource: 'descriptor' | 'identityMap' | 'sole-identity' | undefined;
  errors: RecordError[];
}

/** Identity guardrails of the Profile and Identity Service documentation. */
export const IDENTITY_LIMITS = Object.freeze({ maxIdentitiesPerRecord: 20, ecidDigits: 38, maxValueLength: 1024 });

/** Size guardrails in bytes of the record's JSON: ExperienceEvents over 10 KB and profile records over 100 KB are dropped. */
export const RECORD_SIZE_LIMITS = Object.freeze({ event: 10 * 1024, record: 100 * 1024 });

/** Standard namespaces whose numeric id may stand in for the code. */
export const STANDARD_NAMESPACES: ReadonlyArray<{ code: string; id: number }> = Object.freeze([
  { code: 'CORE', id: 0 },
  { code: 'ECID', id: 4 },
  { code: 'Email', id: 6 },
  { code: 'Phone', id: 7 },
  { code: 'WAID', id: 8 },
  { code: 'TNTID', id: 9 },
  { code: 'AAID', id: 10 },
  { code: 'Email_LC_SHA256', id: 11 },
  { code: 'AdCloud', id: 411 },
  { code: 'GAID', id: 20914 },
  { code: 'IDFA', id: 20915 },
]);

const NAMESPACE_URI = /^https?:\/\/data\.adobe\.io\/entities\/namespace\/(\d+)$/;
const STATES: ReadonlySet<string> = new Set(['ambiguous', 'authenticated', 'loggedOut']);

/**
 * Extracts a record's identities and picks its primary one. Rules (see docs/xdm.md): a primary descriptor whose field
 * has a value wins, because the schema's primary identity must stay stable; otherwise exactly one identityMap item may
 * say `primary: true`; otherwise a record with a single identity uses it; otherwise the record has no primary and fails.
 */
export function extractIdentities(record: unknown, descriptors: ReadonlyArray<IdentityDescriptor> = []): IdentityExtraction {
  const errors: RecordError[] = [];
  const found: Identity[] = [];
  const add = (identity: Identity) => {
    const same = found.find((f) => f.id === identity.id && f.namespace.toLowerCase() === identity.namespace.toLowerCase());
    if (same === undefined) found.push(identity);
    else same.primary ||= identity.primary;
  };
  const body = isPlainObject(record) ? record : {};
  fromIdentityMap(body.identityMap, errors).forEach(add);
  const descriptorPrimaries: Identity[] = [];
  for (const descriptor of descriptors) {
    const identity = fromDescriptor(body, descriptor, errors);
    if (identity === undefined) continue;
    if (identity.primary) descriptorPrimaries.push(identity);
    add({ ...identity, primary: false });
  }
  for (const identity of found) checkValue(identity, errors);
  if (found.length > IDENTITY_LIMITS.maxIdentitiesPerRecord) {
    errors.push({
      path: body.identityMap === undefined ? '' : '/identityMap',
      code: 'IDENTITY_TOO_MANY',
      message: `The record carries ${found.length} identities; at most ${IDENTITY_LIMITS.maxIdentitiesPerRecord} are allowed per record`,
    });
  }
  const choice = choosePrimary(found, descriptorPrimaries, errors);
  const identities = found.map((f) => ({ ...f, primary: choice !== undefined && f === choice.identity }));
  const primary = choice === undefined ? undefined : identities[found.indexOf(choice.identity)];
  return { ok: errors.length === 0, identities, primary, primarySource: choice?.source, errors };
}

/** Checks the byte length of a record against the size guardrail of its class; undefined when it fits. */
export function checkRecordSize(byteLength: number, behavior: ClassBehavior): RecordError | undefined {
  const isEvent = behavior === 'time-series';
  const limit = isEvent ? RECORD_SIZE_LIMITS.event : RECORD_SIZE_LIMITS.record;
  if (byteLength <= limit) return undefined;
  const what = isEvent ? 'ExperienceEvents' : 'profile records';
  return {
    path: '',
    code: 'RECORD_TOO_LARGE',
    message: `The ${isEvent ? 'event' : 'record'} is ${byteLength} bytes; ${what} over ${limit / 1024} KB (${limit} bytes) are refused`,
  };
}

/** The UTF-8 byte length of a record's JSON, for callers that hold a parsed record rather than its bytes. */
export function recordByteLength(record: unknown): number {
  return new TextEncoder().encode(JSON.stringify(record) ?? '').length;
}

/** Checks an identity descriptor before the registry stores it; with a composed schema, also that its field exists. */
export function validateIdentityDescriptor(input: unknown, schema?: ComposedSchema): IdentityDescriptor {
  const bad = (message: string, target?: string) => new XdmError('XDM_INVALID_DESCRIPTOR', message, target);
  if (!isPlainObject(input)) throw bad('An identity descriptor must be a JSON object');
  if (input['@type'] !== undefined && input['@type'] !== 'xdm:descriptorIdentity') {
    throw bad(`Expected @type "xdm:descriptorIdentity", got ${JSON.stringify(input['@type'])}`);
  }
  const source = input['xdm:sourceProperty'];
  const wellFormed = typeof source === 'string' && source.startsWith('/') && !source.endsWith('/');
  if (!wellFormed || source.split('/').includes('properties')) {
    throw bad(
      'xdm:sourceProperty must be a path such as "/personalEmail/address": it starts with "/", ' +
        'does not end with one and has no "properties" segments',
      String(source),
    );
  }
  const namespace = input['xdm:namespace'];
  const property = input['xdm:property'] ?? 'xdm:code';
  if (typeof namespace !== 'string' || namespace.trim() === '') {
    throw bad('xdm:namespace must name an identity namespace code or id');
  }
  if (property !== 'xdm:code' && property !== 'xdm:id') throw bad('xdm:property must be "xdm:code" or "xdm:id"');
  if (property === 'xdm:id' && !/^\d+$/.test(namespace)) {
    throw bad(`xdm:namespace "${namespace}" is not a numeric namespace id, as xdm:property "xdm:id" says`);
  }
  if (input['xdm:isPrimary'] !== undefined && typeof input['xdm:isPrimary'] !== 'boolean') {
    throw bad('xdm:isPrimary must be a boolean');
  }
  if (schema !== undefined) {
    const path = source.slice(1).split('/').map(unescapePointer).join('.');
    const field = schema.fields.find((f) => f.path === path);
    if (field === undefined || field.type !== 'string' || field.repeated) {
      const why =
        field === undefined ? 'does not exist' : field.repeated ? 'is inside an array or map' : `is ${field.xdmType}, not string`;
      const message = `Identity field ${source} ${why} in schema ${schema.schemaId ?? ''}`.trim();
      throw new XdmError('XDM_DESCRIPTOR_PATH_NOT_FOUND', message, source);
    }
  }
  return { ...input, 'xdm:sourceProperty': source, 'xdm:namespace': namespace, 'xdm:property': property } as IdentityDescriptor;
}

/** A schema has at most one primary identity descriptor; the registry calls this before adding another. */
export function assertSinglePrimaryDescriptor(descriptors: ReadonlyArray<IdentityDescriptor>): void {
  const primaries = descriptors.filter((d) => d['xdm:isPrimary'] === true);
  if (primaries.length > 1) {
    throw new XdmError(
      'XDM_MULTIPLE_PRIMARY_DESCRIPTORS',
      `A schema has one primary identity; ${primaries.map((d) => d['xdm:sourceProperty']).join(' and ')} are both marked primary`,
      primaries[1]?.['xdm:sourceProperty'],
    );
  }
}

/** Maps a namespace key, numeric id or namespace URI to the standard code when there is one. */
export function namespaceCode(key: string): string {
  const id = NAMESPACE_URI.exec(key)?.[1] ?? (/^\d+$/.test(key) ? key : undefined);
  if (id === undefined) return key;
  return STANDARD_NAMESPACES.find((ns) => ns.id === Number(id))?.code ?? key;
}

function fromIdentityMap(map: unknown, errors: RecordError[]): Identity[] {
  if (map === undefined) return [];
  if (!isPlainObject(map)) {
    errors.push({ path: '/identityMap', code: 'IDENTITY_INVALID_ITEM', message: '/identityMap must be an object keyed by namespace' });
    return [];
  }
  const out: Identity[] = [];
  for (const [key, items] of Object.entries(map)) {
    const base = `/identityMap/${escapePointer(key)}`;
    if (!Array.isArray(items)) {
      errors.push({ path: base, code: 'IDENTITY_INVALID_ITEM', message: `${base} must be an array of identity items` });
      continue;
    }
    items.forEach((item: unknown, index) => {
      const path = `${base}/${index}`;
      if (!isPlainObject(item) || typeof item.id !== 'string' || item.id === '') {
        errors.push({ path: `${path}/id`, code: 'IDENTITY_EMPTY_VALUE', message: `${path}/id must be a non-empty string` });
        return;
      }
      const state = typeof item.authenticatedState === 'string' && STATES.has(item.authenticatedState) ? item.authenticatedState : 'ambiguous';
      out.push({
        namespace: namespaceCode(key),
        id: item.id,
        primary: item.primary === true,
        authenticatedState: state as AuthenticatedState,
        source: 'identityMap',
        path: `${path}/id`,
      });
    });
  }
  return out;
}

function fromDescriptor(record: Record<string, unknown>, descriptor: IdentityDescriptor, errors: RecordError[]): Identity | undefined {
  const path = descriptor['xdm:sourceProperty'];
  let value: unknown = record;
  for (const segment of path.split('/').slice(1).map(unescapePointer)) {
    value = isPlainObject(value) ? value[segment] : undefined;
  }
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') {
    const message = `${path} is an identity field (${descriptor['xdm:namespace']}) and must be a string`;
    errors.push({ path, code: 'IDENTITY_NOT_A_STRING', message });
    return undefined;
  }
  return {
    namespace: namespaceCode(descriptor['xdm:namespace']),
    id: value,
    primary: descriptor['xdm:isPrimary'] === true,
    authenticatedState: 'ambiguous',
    source: 'descriptor',
    path,
  };
}

function checkValue(identity: Identity, errors: RecordError[]): void {
  if (identity.namespace.toLowerCase() === 'ecid') {
    if (!/^[0-9]{38}$/.test(identity.id)) {
      errors.push({
        path: identity.path,
        code: 'IDENTITY_INVALID_ECID',
        message:
          `${identity.path} is not a valid ECID: an ECID is exactly ${IDENTITY_LIMITS.ecidDigits} digits, ` +
          `got ${JSON.stringify(identity.id.slice(0, 64))}`,
      });
    }
    return;
  }
  const length = [...identity.id].length;
  if (length > IDENTITY_LIMITS.maxValueLength) {
    errors.push({
      path: identity.path,
      code: 'IDENTITY_VALUE_TOO_LONG',
      message: `${identity.path} is ${length} characters long; identity values are limited to ${IDENTITY_LIMITS.maxValueLength}`,
    });
  }
}

type Choice = { identity: Identity; source: NonNullable<IdentityExtraction['primarySource']> };

function choosePrimary(found: Identity[], descriptorPrimaries: Identity[], errors: RecordError[]): Choice | undefined {
  const same = (a: Identity) => found.find((f) => f.id === a.id && f.namespace.toLowerCase() === a.namespace.toLowerCase());
  const pick = (candidates: Identity[], source: Choice['source']): Choice | undefined => {
    const distinct = [...new Set(candidates.map(same))].filter((c): c is Identity => c !== undefined);
    if (distinct.length > 1) {
      errors.push({
        path: distinct[1]?.path ?? '',
        code: 'IDENTITY_MULTIPLE_PRIMARY',
        message: `${distinct.length} identities are marked primary (${distinct.map((d) => d.path).join(', ')}); exactly one is allowed`,
      });
      return undefined;
    }
    return distinct[0] === undefined ? undefined : { identity: distinct[0], source };
  };
  if (descriptorPrimaries.length > 0) return pick(descriptorPrimaries, 'descriptor');
  const flagged = found.filter((f) => f.primary && f.source === 'identityMap');
  if (flagged.length > 0) return pick(flagged, 'identityMap');
  if (found.length === 1 && found[0] !== undefined) return { identity: found[0], source: 'sole-identity' };
  errors.push(
    found.length === 0
      ? {
          path: '',
          code: 'IDENTITY_NONE',
          message: 'The record carries no identity: add an identityMap entry or a value for an identity descriptor field',
        }
      : {
          path: '',
          code: 'IDENTITY_NO_PRIMARY',
          message:
            `The record carries ${found.length} identities but none is primary: ` +
            'mark one with "primary": true or add a primary identity descriptor',
        },
  );
  return undefined;
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}
