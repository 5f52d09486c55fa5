/** Error codes of the Schema Registry routes (schemas, field groups, data types, descriptors, unions). */
import type { CatalogEntry } from './error-catalog.js';

/** Merged into ERROR_CATALOG; each code is documented in docs/schema-registry.md. */
export const REGISTRY_ERRORS: Readonly<Record<string, CatalogEntry>> = {};
