/** Error codes of the Schema Registry routes (schemas, field groups, data types, descriptors, unions). */
import type { CatalogEntry } from './error-catalog.js';

/** Merged into ERROR_CATALOG; each code is documented in docs/schema-registry.md. */
export const REGISTRY_ERRORS: Readonly<Record<string, CatalogEntry>> = {
  REGISTRY_ACCEPT_INVALID: { status: 400, title: 'Accept header invalid' },
  REGISTRY_ACCEPT_UNSUPPORTED: { status: 406, title: 'Accept format not available' },
  REGISTRY_CONTAINER_UNKNOWN: { status: 404, title: 'Container not found' },
  REGISTRY_QUERY_INVALID: { status: 400, title: 'Invalid listing query' },
  REGISTRY_RESOURCE_NOT_FOUND: { status: 404, title: 'Resource not found' },
  REGISTRY_RESOURCE_INVALID: { status: 400, title: 'Invalid resource' },
  REGISTRY_RESOURCE_IN_USE: { status: 409, title: 'Resource in use' },
  REGISTRY_REF_UNKNOWN: { status: 400, title: 'Unknown reference' },
  REGISTRY_REF_CIRCULAR: { status: 400, title: 'Circular reference' },
  REGISTRY_SCHEMA_CLASS_INVALID: { status: 400, title: 'Invalid schema composition' },
  REGISTRY_FIELD_GROUP_INCOMPATIBLE: { status: 400, title: 'Field group incompatible with class' },
  REGISTRY_TENANT_FIELD_OUTSIDE_NAMESPACE: { status: 400, title: 'Custom field outside tenant namespace' },
  REGISTRY_FIELD_CONFLICT: { status: 400, title: 'Field type conflict' },
  REGISTRY_UNION_CONFLICT: { status: 409, title: 'Union schema conflict' },
  REGISTRY_READONLY_PROPERTY: { status: 400, title: 'Read-only property' },
  REGISTRY_PROFILE_ENABLED_PERMANENT: { status: 400, title: 'Profile enablement cannot be removed' },
  REGISTRY_PATCH_INVALID: { status: 400, title: 'Invalid JSON Patch' },
  REGISTRY_PATCH_TEST_FAILED: { status: 409, title: 'JSON Patch test failed' },
  REGISTRY_DESCRIPTOR_NOT_FOUND: { status: 404, title: 'Descriptor not found' },
  REGISTRY_DESCRIPTOR_INVALID: { status: 400, title: 'Invalid descriptor' },
  REGISTRY_DESCRIPTOR_SCHEMA_UNKNOWN: { status: 400, title: 'Descriptor schema not found' },
  REGISTRY_DESCRIPTOR_PATH_NOT_FOUND: { status: 400, title: 'Descriptor field not found' },
  REGISTRY_DESCRIPTOR_EXISTS: { status: 409, title: 'Descriptor already exists' },
  REGISTRY_PRIMARY_IDENTITY_EXISTS: { status: 409, title: 'Primary identity already defined' },
};
