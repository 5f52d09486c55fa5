/**
 * Projection destinations and configurations: checked, versioned (optimistic concurrency on `currentVersion`), and
 * handed to the edges asynchronously: every change moves the config counter the streams watch and queues a reproject.
 */
import type { Db, SqlExecutor } from '../store/db.js';
import { uuid } from '../shared/ids.js';
import type { MergePolicyService } from '../profile/merge-policy.service.js';
import { type DataCenter, type Destination, type Projection, type ReplicationPolicy, edgeError } from './edge.js';
import * as rows from './edge-config.store.js';
import { EDGE_CHANNEL, bumpConfig } from './edge-docs.store.js';
import { parseSelector } from './selector.js';
import { queueReproject } from './reproject.js';
import { publishChange } from '../store/catalog-changes.js';

/** A destination as a client sends it (PUT adds `currentVersion`). */
export interface DestinationInput {
  readonly type: 'EDGE';
  readonly dataCenters: readonly DataCenter[];
  readonly ttl?: number;
  readonly replicationPolicy?: ReplicationPolicy;
  readonly currentVersion?: number;
}

/** A projection configuration as a client sends it. */
export interface ProjectionInput {
  readonly selector: string;
  readonly destinationId: string;
  readonly name?: string;
  readonly mergePolicyId?: string;
  readonly currentVersion?: number;
}

/** The one schema class projections are made of: profiles (events are not projected to edges). */
export const PROFILE_CLASS = '_xdm.context.profile';

/** The default idle TTL (seconds) of a destination. */
export const DEFAULT_TTL = 3600;

/** The class a `schemaName` names: AEP's examples say `Profile` or `profile` for the profile class. */
export function schemaClassOf(schemaName: string): string {
  if (/^(_xdm\.context\.profile|profile)$/i.test(schemaName)) return PROFILE_CLASS;
  throw edgeError('EDGE_PROJECTION_INVALID', `schemaName '${schemaName.slice(0, 100)}' cannot be projected: only the profile class (_xdm.context.profile) is`);
}

/** Destinations and projections of a sandbox. */
export class EdgeConfigService {
  constructor(
    private readonly db: Db,
    private readonly policies: MergePolicyService,
    private readonly clock: () => number,
    private readonly kick: () => void,
  ) {}

  /** Every destination of the sandbox. */
  listDestinations(tenantId: number): Promise<Destination[]> {
    return rows.listDestinations(this.db, tenantId);
  }

  /** One destination; 404 when missing. */
  async destination(tenantId: number, id: string): Promise<Destination> {
    return (await rows.findDestination(this.db, tenantId, id)) ?? notFound('destination', id);
  }

  /** Creates a destination (version 1). */
  async createDestination(tenantId: number, input: DestinationInput): Promise<Destination> {
    const d = destinationOf(uuid(), input, 1);
    await this.db.transaction(async (tx) => {
      if (!(await rows.insertDestination(tx, tenantId, d, this.clock()))) throw edgeError('EDGE_DESTINATION_INVALID', `destination '${d.id}' exists already`);
      await this.changed(tx);
    });
    return d;
  }

  /** Rewrites a destination whose version is still `currentVersion`; its projections are shipped again where it now points. */
  async replaceDestination(tenantId: number, id: string, input: DestinationInput): Promise<Destination> {
    return this.db.transaction(async (tx) => {
      const before = (await rows.findDestination(tx, tenantId, id)) ?? notFound('destination', id);
      checkVersion('destination', id, before.version, input.currentVersion);
      // What a PUT leaves out keeps its value (AEP's own example rewrites dataCenters and keeps the TTL).
      const d = destinationOf(id, { ttl: before.ttl, replicationPolicy: before.replicationPolicy, ...input }, before.version + 1);
      if (!(await rows.replaceDestination(tx, tenantId, d, before.version, this.clock()))) staleVersion('destination', id, input.currentVersion ?? 1);
      const moved = before.replicationPolicy !== d.replicationPolicy || before.dataCenters.join() !== d.dataCenters.join();
      if (moved) for (const p of await rows.listProjections(tx, tenantId, { destinationId: id })) await queueReproject(tx, tenantId, p.id, this.clock());
      await this.changed(tx);
      return d;
    });
  }

  /** Deletes a destination; 409 while a projection still sends to it. Edges wipe what they held of it. */
  async deleteDestination(tenantId: number, id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const users = await rows.listProjections(tx, tenantId, { destinationId: id });
      if (users.length > 0) {
        throw edgeError('EDGE_DESTINATION_IN_USE', `destination '${id}' is used by projection ${users.map((p) => `'${p.id}'`).join(', ')}: delete or move those first`);
      }
      if (!(await rows.deleteDestination(tx, tenantId, id))) notFound('destination', id);
      await this.changed(tx);
    });
  }

  /** The sandbox's projections, optionally of one schema class (and then one name). */
  async listProjections(tenantId: number, filter: { schemaName?: string; name?: string }): Promise<Array<{ projection: Projection; destination: Destination | undefined }>> {
    if (filter.name !== undefined && filter.schemaName === undefined) {
      throw edgeError('EDGE_PROJECTION_INVALID', 'name is unique only within a schema class: give schemaName with name');
    }
    const schemaName = filter.schemaName === undefined ? undefined : schemaClassOf(filter.schemaName);
    const found = await rows.listProjections(this.db, tenantId, { ...(schemaName ? { schemaName } : {}), ...(filter.name !== undefined ? { name: filter.name } : {}) });
    const destinations = new Map((await rows.listDestinations(this.db, tenantId)).map((d) => [d.id, d]));
    return found.map((projection) => ({ projection, destination: destinations.get(projection.destinationId) }));
  }

  /** One projection with its destination; 404 when missing. */
  async projection(tenantId: number, id: string): Promise<{ projection: Projection; destination: Destination | undefined }> {
    const projection = (await rows.findProjection(this.db, tenantId, id)) ?? notFound('projection', id);
    return { projection, destination: await rows.findDestination(this.db, tenantId, projection.destinationId) };
  }

  /** Creates a projection of `schemaName` (version 1); its profiles start shipping at once (a reproject job). */
  async createProjection(tenantId: number, schemaName: string, input: ProjectionInput): Promise<{ projection: Projection; destination: Destination }> {
    return this.write(tenantId, uuid(), schemaClassOf(schemaName), input, 'create');
  }

  /** Replaces the projection `id` when its version is still `currentVersion` (1 when not sent); 404 when missing. */
  async replaceProjection(tenantId: number, id: string, input: ProjectionInput): Promise<{ projection: Projection; destination: Destination }> {
    const existing = (await rows.findProjection(this.db, tenantId, id)) ?? notFound('projection', id);
    return this.write(tenantId, id, existing.schemaName, input, 'replace');
  }

  private async write(tenantId: number, id: string, schemaName: string, input: ProjectionInput, mode: 'create' | 'replace'): Promise<{ projection: Projection; destination: Destination }> {
    parseSelector(input.selector);
    if (input.mergePolicyId !== undefined) {
      await this.policies.effective(tenantId, input.mergePolicyId).catch(() => {
        throw edgeError('EDGE_PROJECTION_INVALID', `mergePolicyId '${input.mergePolicyId}' is not a merge policy of this sandbox`);
      });
    }
    return this.db.transaction(async (tx) => {
      const destination = await rows.findDestination(tx, tenantId, input.destinationId);
      if (!destination) throw edgeError('EDGE_DESTINATION_UNKNOWN', `destinationId '${input.destinationId}' is not a destination of this sandbox`);
      const now = this.clock();
      let projection: Projection;
      if (mode === 'create') {
        projection = projectionOf(id, schemaName, input, 1);
        if (!(await rows.insertProjection(tx, tenantId, projection, now))) {
          throw edgeError('EDGE_PROJECTION_EXISTS', `a projection named '${input.name ?? ''}' exists already for ${schemaName}`);
        }
      } else {
        const before = (await rows.findProjection(tx, tenantId, id)) ?? notFound('projection', id);
        checkVersion('projection', id, before.version, input.currentVersion);
        projection = projectionOf(id, schemaName, input, before.version + 1);
        const clash = input.name === undefined ? [] : (await rows.listProjections(tx, tenantId, { schemaName, name: input.name })).filter((p) => p.id !== id);
        if (clash.length > 0) throw edgeError('EDGE_PROJECTION_EXISTS', `a projection named '${input.name}' exists already for ${schemaName}`);
        if (!(await rows.replaceProjection(tx, tenantId, projection, before.version, now))) staleVersion('projection', id, input.currentVersion ?? 1);
      }
      await queueReproject(tx, tenantId, id, now);
      await publishChange(tx, { tenantId, kind: 'projection', id });
      await this.changed(tx);
      return { projection, destination };
    });
  }

  /** Deletes a projection; the hub's copy goes at once, the edges' as they hear of it. */
  async deleteProjection(tenantId: number, id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (!(await rows.deleteProjection(tx, tenantId, id))) notFound('projection', id);
      await publishChange(tx, { tenantId, kind: 'projection', id });
      await this.changed(tx);
    });
  }

  private async changed(tx: SqlExecutor): Promise<void> {
    await bumpConfig(tx);
    await tx.notify(EDGE_CHANNEL, 'config');
    setTimeout(this.kick, 10);
  }
}

function destinationOf(id: string, input: DestinationInput, version: number): Destination {
  const dataCenters = [...new Set(input.dataCenters)];
  if (dataCenters.length === 0) throw edgeError('EDGE_DESTINATION_INVALID', 'dataCenters must name at least one of OR1, VA5, NLD1');
  return { id, type: 'EDGE', dataCenters, ttl: input.ttl ?? 3600, replicationPolicy: input.replicationPolicy ?? 'REACTIVE', version };
}

function projectionOf(id: string, schemaName: string, input: ProjectionInput, version: number): Projection {
  return { id, name: input.name, schemaName, selector: input.selector, destinationId: input.destinationId, mergePolicyId: input.mergePolicyId, version };
}

/** `currentVersion` defaults to 1, as the spec's schema says. */
function checkVersion(what: string, id: string, version: number, currentVersion = 1): void {
  if (currentVersion !== version) staleVersion(what, id, currentVersion, version);
}

function staleVersion(what: string, id: string, sent: number, version?: number): never {
  throw edgeError('EDGE_VERSION_CONFLICT', `${what} '${id}' is at version ${version ?? 'a newer one'}, not currentVersion ${sent}: read it again and send its version`);
}

function notFound(what: 'destination' | 'projection', id: string): never {
  throw edgeError(what === 'destination' ? 'EDGE_DESTINATION_NOT_FOUND' : 'EDGE_PROJECTION_NOT_FOUND', `${what} '${id}' was not found`);
}
