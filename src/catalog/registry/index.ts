/** Public surface of the Schema Registry domain: resource, descriptor and union services, tenant naming, listing types. */
export { ResourceService } from './resource.service.js';
export type { Container, ReadKind } from './resource.service.js';
export { DescriptorService, DESCRIPTOR_TYPES } from './descriptor.service.js';
export { UnionService } from './union.service.js';
export { summaryOf } from './listing.js';
export type { ListPage, ListQuery } from './listing.js';
export { withoutText } from './views.js';
export { tenantIdOf } from './tenant.js';
export type { RegistryContext, RegistryKind } from './tenant.js';
