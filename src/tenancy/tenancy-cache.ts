/** Resolved tenancy per credential tuple: a request with the same headers as an earlier one costs one map read. */
import { type CredentialHeaders, authenticate } from './authenticate.js';
import type { TokenVerifier } from './credentials.js';
import type { RequestContext } from './context.js';
import type { SandboxService } from './sandbox.service.js';

/** How long a resolved tuple is kept at most, whatever its token's expiry. */
const KEEP_MS = 60_000;
/** Distinct tuples kept; past it the cache starts over, so hostile variety costs memory only up to here. */
const MAX_ENTRIES = 10_000;

interface Entry {
  readonly ctx: RequestContext;
  readonly until: number;
  readonly epoch: number;
}

/**
 * Caches the whole tenancy answer (token checks, org grant, sandbox) per (Authorization, x-api-key, x-gw-ims-org-id,
 * x-sandbox-name). An entry lives until its token expires (or a minute) and until any sandbox change is heard, so a
 * deleted or renamed sandbox is never served from it; only successes are kept, so every refusal is checked afresh.
 */
export class TenancyCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly verify: TokenVerifier,
    private readonly sandboxes: SandboxService,
    private readonly clock: () => number,
  ) {}

  /** The request's tenancy, from the cache or resolved (and kept). */
  async resolve(headers: CredentialHeaders, sandboxName: string | undefined): Promise<RequestContext> {
    const key = `${headers.authorization ?? ''}\n${headers.apiKey ?? ''}\n${headers.orgId ?? ''}\n${sandboxName ?? ''}`;
    const now = this.clock();
    const hit = this.entries.get(key);
    if (hit && hit.until > now && hit.epoch === this.sandboxes.epoch) return hit.ctx;
    const epoch = this.sandboxes.epoch;
    const principal = await authenticate(headers, this.verify);
    const actor = { orgId: principal.orgId, clientId: principal.clientId };
    const sandbox = await this.sandboxes.resolve(actor, sandboxName);
    const ctx: RequestContext = { ...actor, sandbox, tenantId: sandbox.tenantId };
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(key, { ctx, until: Math.min(now + KEEP_MS, principal.grant.expiresAt ?? now + KEEP_MS), epoch });
    return ctx;
  }
}
