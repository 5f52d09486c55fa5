/** Public surface of the XDM data-model library: standard resources, composition, unions, validation, identities. */
export { XdmError, refOf } from './types.js';
export type { RecordError, XdmErrorCode, XdmLookup, XdmResource, XdmResourceType, XdmSchemaNode } from './types.js';

export { findStandard, standardResources } from './standard/catalogue.js';
export { EXPERIENCE_EVENT_CLASS_ID, PROFILE_CLASS_ID, RECORD_ID, TIME_SERIES_ID } from './standard/classes.js';
export { XDM_VERSION, altIdOf } from './standard/builders.js';

export { composeSchema, composeUnion, isProfileEnabled, unionIdOf } from './compose.js';
export type { ClassBehavior, ComposeOptions, ComposedSchema, ResolvedSchema, UnionSchema } from './compose.js';
export { isFieldGroup, resourceKindOf, tenantNamespaceOf } from './resolve.js';
export type { ResourceKind } from './resolve.js';
export { fieldAt, listFields } from './fields.js';
export type { XdmField } from './fields.js';

export { compileValidator } from './validate.js';
export type { RecordValidator, ValidationIssue, ValidationResult } from './validate.js';

export {
  IDENTITY_LIMITS,
  RECORD_SIZE_LIMITS,
  STANDARD_NAMESPACES,
  assertSinglePrimaryDescriptor,
  checkRecordSize,
  extractIdentities,
  namespaceCode,
  recordByteLength,
  validateIdentityDescriptor,
} from './identity.js';
export type { AuthenticatedState, Identity, IdentityDescriptor, IdentityExtraction } from './identity.js';

export { jsonLdToXed } from './jsonld.js';
export type { JsonLdOptions } from './jsonld.js';
