/** Sandbox use cases: resolving a request's sandbox, and listing, creating, renaming, resetting and deleting them. */
import type { Db, SqlExecutor } from '../store/db.js';
import { type CatalogCache, type CatalogChange, publishChange } from '../store/catalog-changes.js';
import type { Clock } from '../shared/clock.js';
import { DomainError } from '../shared/errors.js';
import { LoadCache } from '../shared/load-cache.js';
import { uuid } from '../shared/ids.js';
import { DEFAULT_SANDBOX, type Sandbox, assertSandboxName, assertSandboxType } from './sandbox.js';
import * as rows from './sandbox.store.js';
import { appendChanges } from '../changefeed/change.store.js';

/** Who acts, for the `createdBy` audit field. */
export interface Actor {
  readonly orgId: string;
  readonly clientId: string;
}

/**
 * Sandboxes of every org, cached because every request resolves one. A reset, delete or rename publishes a `sandbox`
 * catalog change in its transaction, which every cache of the tenant's catalog state (this one included) drops on.
 */
export class SandboxService implements CatalogCache {
  private readonly cache = new LoadCache<string, Sandbox>();
  /** Counts sandbox changes heard, so caches built on resolved sandboxes (the tenancy cache) know when to drop. */
  epoch = 0;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    /** Queues the job that removes a retired tenant key's rows and files, in the transaction that retired it. */
    private readonly queuePurge: (tx: SqlExecutor, tenantId: number, now: number) => Promise<void>,
  ) {}

  /** The sandbox with this tenant key, if it still exists. */
  byTenant(tenantId: number): Promise<Sandbox | undefined> {
    return rows.findSandboxByTenant(this.db, tenantId);
  }

  /** The sandbox a request acts in: the named one, or the org's default production sandbox when none is named. */
  async resolve(actor: Actor, name: string | undefined): Promise<Sandbox> {
    const wanted = name ?? DEFAULT_SANDBOX;
    return this.cache.get(`${actor.orgId}\u0000${name ?? ''}`, () => this.lookup(actor, name, wanted));
  }

  private async lookup(actor: Actor, name: string | undefined, wanted: string): Promise<Sandbox> {
    if (name !== undefined) assertSandboxName(name);
    const found = name === undefined ? await rows.findDefaultSandbox(this.db, actor.orgId) : await rows.findSandbox(this.db, actor.orgId, name);
    if (found) return found;
    if (wanted === DEFAULT_SANDBOX && !(await rows.findDefaultSandbox(this.db, actor.orgId))) return this.ensureDefault(actor);
    throw new DomainError('SANDBOX_NOT_FOUND', `Sandbox '${wanted}' does not exist in org ${actor.orgId}`);
  }

  private async ensureDefault(actor: Actor): Promise<Sandbox> {
    const now = this.clock();
    await rows.insertSandbox(this.db, {
      orgId: actor.orgId,
      name: DEFAULT_SANDBOX,
      id: uuid(),
      title: 'Production',
      type: 'production',
      isDefault: true,
      createdAt: now,
      modifiedAt: now,
      createdBy: actor.clientId,
    });
    const created = await rows.findSandbox(this.db, actor.orgId, DEFAULT_SANDBOX);
    if (!created) throw new Error('default sandbox vanished after insert');
    return created;
  }

  /** A page of the org's sandboxes; the default production sandbox is created first if the org is new. */
  async list(actor: Actor, page: { limit: number; offset: number }): Promise<{ items: Sandbox[]; total: number }> {
    await this.resolve(actor, undefined);
    return rows.listSandboxes(this.db, actor.orgId, page);
  }

  /** One sandbox by name, or SANDBOX_NOT_FOUND. */
  async get(actor: Actor, name: string): Promise<Sandbox> {
    return this.resolve(actor, name);
  }

  /** Creates a sandbox; SANDBOX_EXISTS when the org already has that name. */
  async create(actor: Actor, input: { name: string; title: string; type: string }): Promise<Sandbox> {
    assertSandboxName(input.name);
    assertSandboxType(input.type);
    if (input.title.trim() === '') throw new DomainError('SANDBOX_TITLE_INVALID', 'Sandbox title must not be empty');
    await this.resolve(actor, undefined);
    const now = this.clock();
    const inserted = await rows.insertSandbox(this.db, {
      orgId: actor.orgId,
      name: input.name,
      id: uuid(),
      title: input.title,
      type: input.type,
      isDefault: false,
      createdAt: now,
      modifiedAt: now,
      createdBy: actor.clientId,
    });
    if (!inserted) throw new DomainError('SANDBOX_EXISTS', `Sandbox '${input.name}' already exists in org ${actor.orgId}`);
    return this.fresh(actor, input.name);
  }

  /** Changes a sandbox's title. */
  async rename(actor: Actor, name: string, title: string): Promise<Sandbox> {
    const sandbox = await this.fresh(actor, name);
    if (title.trim() === '') throw new DomainError('SANDBOX_TITLE_INVALID', 'Sandbox title must not be empty');
    await this.db.transaction(async (tx) => {
      await rows.updateSandboxTitle(tx, sandbox.tenantId, title, this.clock());
      await publishChange(tx, { tenantId: sandbox.tenantId, kind: 'sandbox' });
    });
    return this.fresh(actor, name);
  }

  /**
   * Empties the sandbox at once: it keeps its name, id and settings under a fresh tenant key, so every read and write
   * from the next request on sees an empty sandbox; a job removes the retired key's resources and data.
   */
  async reset(actor: Actor, name: string): Promise<Sandbox> {
    const sandbox = await this.fresh(actor, name);
    const now = this.clock();
    await this.db.transaction(async (tx) => {
      await rows.deleteSandboxRow(tx, sandbox.tenantId);
      await rows.insertSandbox(tx, { ...sandbox, modifiedAt: now });
      await rows.setEtag(tx, actor.orgId, name, sandbox.etag + 1);
      await this.retire(tx, sandbox.tenantId, now);
    });
    return this.fresh(actor, name);
  }

  /** Deletes the sandbox at once; a job removes its resources and data. The org's default production sandbox stays. */
  async delete(actor: Actor, name: string): Promise<Sandbox> {
    const sandbox = await this.fresh(actor, name);
    if (sandbox.isDefault) {
      throw new DomainError('SANDBOX_DEFAULT_PROTECTED', `Sandbox '${name}' is the default production sandbox and cannot be deleted`);
    }
    await this.db.transaction(async (tx) => {
      await rows.deleteSandboxRow(tx, sandbox.tenantId);
      await this.retire(tx, sandbox.tenantId, this.clock());
    });
    return sandbox;
  }

  /** Tells consumers to drop what they derived from the key, queues its purge, and tells every process. */
  private async retire(tx: SqlExecutor, tenantId: number, now: number): Promise<void> {
    await appendChanges(tx, [{ tenantId, kind: 'sandbox-reset' }], now);
    await this.queuePurge(tx, tenantId, now);
    await publishChange(tx, { tenantId, kind: 'sandbox' });
  }

  /** Drops cached sandboxes a change touched, and loads still running (their tenant is not known yet). */
  catalogChanged(change: CatalogChange | undefined): void {
    if (change === undefined || change.kind === 'sandbox') this.epoch++;
    if (change === undefined) this.cache.clear();
    else if (change.kind === 'sandbox') this.cache.deleteWhere((_key, sandbox, settled) => !settled || sandbox?.tenantId === change.tenantId);
  }

  /** Reads past the cache, for writes that must act on the current row. */
  private async fresh(actor: Actor, name: string): Promise<Sandbox> {
    this.forget(actor.orgId);
    return this.resolve(actor, name);
  }

  private forget(orgId: string): void {
    this.epoch++;
    this.cache.deleteWhere((key) => key.startsWith(`${orgId}\u0000`));
  }
}
