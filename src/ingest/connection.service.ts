/** Streaming connection use cases: create (with an inlet), get, list, delete, and find by inlet. */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Db, SqlExecutor } from '../store/db.js';
import { type CatalogCache, type CatalogChange, publishChange } from '../store/catalog-changes.js';
import type { Clock } from '../shared/clock.js';
import { DomainError } from '../shared/errors.js';
import { LoadCache } from '../shared/load-cache.js';
import { type Connection, type ConnectionInput, assertConnectionInput } from './connection.js';

interface Row {
  tenant_id: number;
  id: string;
  inlet_id: string;
  name: string;
  auth_required: number;
  body: string;
  etag: number;
  created_at: number;
  modified_at: number;
}

const COLUMNS = 'tenant_id, id, inlet_id, name, auth_required, body, etag, created_at, modified_at';

function toConnection(r: Row): Connection {
  return {
    tenantId: Number(r.tenant_id),
    id: r.id,
    inletId: r.inlet_id,
    name: r.name,
    authRequired: Number(r.auth_required) === 1,
    body: JSON.parse(r.body) as Record<string, unknown>,
    etag: Number(r.etag),
    createdAt: Number(r.created_at),
    modifiedAt: Number(r.modified_at),
  };
}

/** Connections of every sandbox; inlets are looked up on every streaming request, so they are cached (kept by notices). */
export class ConnectionService implements CatalogCache {
  private readonly byInlet = new LoadCache<string, Connection | undefined>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Creates a connection and its inlet. */
  async create(tenantId: number, input: ConnectionInput): Promise<Connection> {
    assertConnectionInput(input);
    const now = this.clock();
    const connection: Connection = {
      tenantId,
      id: randomUUID(),
      inletId: randomBytes(32).toString('hex'),
      name: input.name,
      authRequired: input.auth.params.authenticationRequired ?? true,
      body: { description: input.description ?? '', connectionSpec: input.connectionSpec, auth: input.auth },
      etag: 1,
      createdAt: now,
      modifiedAt: now,
    };
    await this.db.run(`INSERT INTO connections (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
      connection.tenantId,
      connection.id,
      connection.inletId,
      connection.name,
      connection.authRequired,
      JSON.stringify(connection.body),
      connection.etag,
      connection.createdAt,
      connection.modifiedAt,
    ]);
    return connection;
  }

  /** One connection of a sandbox, or CONNECTION_NOT_FOUND. */
  async get(tenantId: number, id: string): Promise<Connection> {
    const row = await this.db.get<Row>(`SELECT ${COLUMNS} FROM connections WHERE tenant_id = ? AND id = ?`, [tenantId, id]);
    if (!row) throw new DomainError('CONNECTION_NOT_FOUND', `Connection '${id}' does not exist in this sandbox`);
    return toConnection(row);
  }

  /** Every connection of a sandbox. */
  async list(tenantId: number): Promise<Connection[]> {
    const rows = await this.db.all<Row>(`SELECT ${COLUMNS} FROM connections WHERE tenant_id = ? ORDER BY created_at`, [tenantId]);
    return rows.map(toConnection);
  }

  /** Deletes a connection; its inlet stops accepting messages at once, in every process. */
  async delete(tenantId: number, id: string): Promise<void> {
    const connection = await this.get(tenantId, id);
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM connections WHERE tenant_id = ? AND id = ?', [tenantId, id]);
      await publishChange(tx, { tenantId, kind: 'inlet', id: connection.inletId });
    });
  }

  /**
   * Inside a write transaction: holds the inlet's connection row (FOR KEY SHARE where writers are concurrent), so a
   * delete waits for the writes already holding it and a write that waited for a delete finds nothing: INLET_NOT_FOUND.
   */
  async holdInlet(tx: SqlExecutor, tenantId: number, inletId: string): Promise<void> {
    const lock = this.db.capabilities.concurrentWriters ? ' FOR KEY SHARE' : '';
    const row = await tx.get('SELECT 1 AS x FROM connections WHERE tenant_id = ? AND inlet_id = ?' + lock, [tenantId, inletId]);
    if (!row) throw new DomainError('INLET_NOT_FOUND', `Inlet '${inletId}' does not exist`);
  }

  /** The connection that owns an inlet, or INLET_NOT_FOUND. */
  async byInletId(inletId: string): Promise<Connection> {
    const connection = await this.byInlet.get(inletId, async () => {
      const row = await this.db.get<Row>(`SELECT ${COLUMNS} FROM connections WHERE inlet_id = ?`, [inletId]);
      return row && toConnection(row);
    });
    if (!connection) {
      this.byInlet.delete(inletId);
      throw new DomainError('INLET_NOT_FOUND', `Inlet '${inletId}' does not exist`);
    }
    return connection;
  }

  /** Drops what a catalog change made stale: one inlet, or the inlets of a purged sandbox. */
  catalogChanged(change: CatalogChange | undefined): void {
    if (change === undefined) this.byInlet.clear();
    else if (change.kind === 'inlet') this.byInlet.delete(change.id ?? '');
    else if (change.kind === 'sandbox') this.byInlet.deleteWhere((_key, c, settled) => !settled || c?.tenantId === change.tenantId);
  }
}
