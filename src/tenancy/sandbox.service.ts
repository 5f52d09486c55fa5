/** Sandbox use cases: resolving a request's sandbox, and listing, creating, renaming, resetting and deleting them. */
import type { Db } from '../store/db.js';
import type { Clock } from '../shared/clock.js';
import { DomainError } from '../shared/errors.js';
import { uuid } from '../shared/ids.js';
import { DEFAULT_SANDBOX, type Sandbox, assertSandboxName, assertSandboxType } from './sandbox.js';
import * as rows from './sandbox.store.js';

/** Who acts, for the `createdBy` audit field. */
export interface Actor {
  readonly orgId: string;
  readonly clientId: string;
}

interface CacheEntry {
  sandbox: Sandbox;
  until: number;
}

/** Sandboxes of every org, with a small cache because every request resolves one. */
export class SandboxService {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly purgeListeners: Array<(tenantId: number) => void> = [];
  // Another process may delete a sandbox on a shared PostgreSQL; a short TTL bounds how long we would miss it.
  private readonly ttlMs: number;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {
    this.ttlMs = db.capabilities.concurrentWriters ? 2_000 : Number.POSITIVE_INFINITY;
  }

  /** Registers a callback run after a sandbox's data was purged (reset or delete), so caches drop its entries. */
  onPurge(listener: (tenantId: number) => void): void {
    this.purgeListeners.push(listener);
  }

  /** The sandbox with this tenant key, if it still exists. */
  byTenant(tenantId: number): Promise<Sandbox | undefined> {
    return rows.findSandboxByTenant(this.db, tenantId);
  }

  /** The sandbox a request acts in: the named one, or the org's default production sandbox when none is named. */
  async resolve(actor: Actor, name: string | undefined): Promise<Sandbox> {
    const wanted = name ?? DEFAULT_SANDBOX;
    const key = `${actor.orgId}\u0000${name ?? ''}`;
    const hit = this.cache.get(key);
    if (hit && hit.until > this.clock()) return hit.sandbox;
    const sandbox = await this.lookup(actor, name, wanted);
    this.cache.set(key, { sandbox, until: this.clock() + this.ttlMs });
    return sandbox;
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
    await rows.updateSandboxTitle(this.db, sandbox.tenantId, title, this.clock());
    return this.fresh(actor, name);
  }

  /** Removes every resource and all data of the sandbox, in one transaction; the sandbox itself stays. */
  async reset(actor: Actor, name: string): Promise<Sandbox> {
    const sandbox = await this.fresh(actor, name);
    await this.db.transaction(async (tx) => {
      await rows.purgeSandboxData(tx, sandbox.tenantId);
      await rows.touchSandbox(tx, sandbox.tenantId, this.clock());
    });
    for (const listener of this.purgeListeners) listener(sandbox.tenantId);
    return this.fresh(actor, name);
  }

  /** Deletes the sandbox and all its data; the org's default production sandbox cannot be deleted. */
  async delete(actor: Actor, name: string): Promise<Sandbox> {
    const sandbox = await this.fresh(actor, name);
    if (sandbox.isDefault) {
      throw new DomainError('SANDBOX_DEFAULT_PROTECTED', `Sandbox '${name}' is the default production sandbox and cannot be deleted`);
    }
    await this.db.transaction(async (tx) => {
      await rows.purgeSandboxData(tx, sandbox.tenantId);
      await rows.deleteSandboxRow(tx, sandbox.tenantId);
    });
    for (const listener of this.purgeListeners) listener(sandbox.tenantId);
    this.forget(actor.orgId);
    return sandbox;
  }

  /** Reads past the cache, for writes that must act on the current row. */
  private async fresh(actor: Actor, name: string): Promise<Sandbox> {
    this.forget(actor.orgId);
    return this.resolve(actor, name);
  }

  private forget(orgId: string): void {
    for (const key of this.cache.keys()) if (key.startsWith(`${orgId}\u0000`)) this.cache.delete(key);
  }
}
