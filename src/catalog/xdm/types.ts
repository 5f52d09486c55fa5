/** Shared XDM types and the domain error: the vocabulary the registry, validation and ingest code speak. */

/** Resource kinds as the Schema Registry spells `meta:resourceType` (field groups are still `mixins` on the wire). */
export type XdmResourceType =
  | 'classes'
  | 'mixins'
  | 'fieldgroups'
  | 'datatypes'
  | 'behaviors'
  | 'schemas'
  | 'unions';

/** A JSON Schema node in the XED form the registry returns (XDM `meta:` keywords included). */
export interface XdmSchemaNode {
  type?: string;
  title?: string;
  description?: string;
  $ref?: string;
  properties?: Record<string, XdmSchemaNode>;
  items?: XdmSchemaNode;
  additionalProperties?: boolean | XdmSchemaNode;
  required?: string[];
  allOf?: XdmSchemaNode[];
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  default?: unknown;
  'meta:xdmType'?: string;
  'meta:xdmField'?: string;
  'meta:enum'?: Record<string, string>;
  [keyword: string]: unknown;
}

/** A class, field group, data type, behaviour, schema or union as stored and served by the registry. */
export interface XdmResource extends XdmSchemaNode {
  $id: string;
  'meta:altId'?: string;
  'meta:resourceType'?: XdmResourceType;
  version?: string;
  title: string;
  description?: string;
  type: string;
  definitions?: Record<string, XdmSchemaNode>;
  allOf?: XdmSchemaNode[];
  'meta:extensible'?: boolean;
  'meta:abstract'?: boolean;
  'meta:intendedToExtend'?: string[];
  'meta:extends'?: string[];
  'meta:class'?: string;
  'meta:immutableTags'?: string[];
  'meta:tenantNamespace'?: string;
  'meta:containerId'?: string;
  'meta:status'?: string;
}

/** Finds a resource by `$id`; compose and union take one so storage stays outside this pure library. */
export type XdmLookup = (id: string) => XdmResource | undefined;

/** Stable error codes, so HTTP and ingest layers can map them to statuses without parsing messages. */
export type XdmErrorCode =
  | 'XDM_INVALID_RESOURCE'
  | 'XDM_UNKNOWN_REF'
  | 'XDM_CIRCULAR_REF'
  | 'XDM_CLASS_MISSING'
  | 'XDM_MULTIPLE_CLASSES'
  | 'XDM_NOT_A_FIELD_GROUP'
  | 'XDM_INCOMPATIBLE_FIELD_GROUP'
  | 'XDM_TENANT_FIELD_OUTSIDE_NAMESPACE'
  | 'XDM_TENANT_UNKNOWN'
  | 'XDM_FIELD_CONFLICT'
  | 'XDM_UNION_CONFLICT'
  | 'XDM_INVALID_DESCRIPTOR'
  | 'XDM_DESCRIPTOR_PATH_NOT_FOUND'
  | 'XDM_MULTIPLE_PRIMARY_DESCRIPTORS';

/** The only error this library throws for bad input; `code` is stable, `message` names the offending resource or field. */
export class XdmError extends Error {
  override readonly name = 'XdmError';
  readonly code: XdmErrorCode;
  /** The resource `$id` or field path at fault, when there is one. */
  readonly target: string | undefined;

  constructor(code: XdmErrorCode, message: string, target?: string) {
    super(message);
    this.code = code;
    this.target = target;
  }
}

/** A per-record problem (guardrail or validation), kept as data so one bad record never fails its neighbours. */
export interface RecordError {
  /** JSON pointer into the record (`/identityMap/ECID/0/id`), `''` for the whole record. */
  path: string;
  code: string;
  message: string;
}

/** Reads the `$ref` of a node; the registry's published examples sometimes spell the key `"$ref "`. */
export function refOf(node: XdmSchemaNode): string | undefined {
  const raw = node.$ref ?? node['$ref '];
  return typeof raw === 'string' ? raw.trim().replace(/%23/g, '#') : undefined;
}

/** True for objects that are plain JSON objects (not arrays or null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
