/** The tenancy module's public surface: sandboxes, credentials and request contexts. */
export { authenticate, type CredentialHeaders, type Principal } from './authenticate.js';
export { createTokenVerifier, issueToken, loadOrCreateSecret, parseDuration, readSecret, type Grant, type TokenVerifier } from './credentials.js';
export type { RequestContext } from './context.js';
export { DEFAULT_SANDBOX, type Sandbox, type SandboxType } from './sandbox.js';
export { SandboxService, type Actor } from './sandbox.service.js';
export { TenancyCache } from './tenancy-cache.js';
