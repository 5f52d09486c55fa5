/** The tenancy of one request: who acts, in which org and sandbox. Every domain call takes one. */
import type { Sandbox } from './sandbox.js';

/** Resolved from the request headers by the HTTP layer (or built by the CLI) before any domain call. */
export interface RequestContext {
  readonly orgId: string;
  readonly clientId: string;
  readonly sandbox: Sandbox;
  /** Shorthand for `sandbox.tenantId`: the key every stored row of this sandbox carries. */
  readonly tenantId: number;
}
