/** PostgreSQL's LISTEN side: one dedicated connection per Db, reconnected with backoff for as long as the Db is open. */
import pg from 'pg';

/** What the listener reports: notices as they arrive, and each (re)connect, after which missed notices are unknowable. */
export interface ListenerEvents {
  notice(channel: string, payload: string): void;
  connected(): void;
}

const FIRST_DELAY_MS = 50;
const MAX_DELAY_MS = 5_000;
/**
 * A connection that dies silently (a dropped network, a NAT timeout) never ends, and its notices would be lost with no
 * reconnect to flush the caches: TCP keepalive, and a query this often that must answer within HEARTBEAT_TIMEOUT_MS.
 */
const HEARTBEAT_MS = 10_000;
const HEARTBEAT_TIMEOUT_MS = 5_000;

/** Keeps one client LISTENing on every channel asked for. */
export class PgListener {
  private readonly channels = new Set<string>();
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private delay = FIRST_DELAY_MS;
  private closed = false;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly events: ListenerEvents,
    private readonly timing: { heartbeatMs: number; heartbeatTimeoutMs: number } = { heartbeatMs: HEARTBEAT_MS, heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS },
  ) {}

  /** Resolves once `channel` is listened to; rejects if the first connection attempt fails (retries go on). */
  async listen(channel: string): Promise<void> {
    if (this.closed) throw new Error('database is closed');
    this.channels.add(channel);
    if (!this.client) await (this.connecting ?? this.connect());
    // LISTEN is idempotent, and this also covers a channel added while the connection was being opened.
    await this.client?.query(`LISTEN ${channel}`);
  }

  /** Stops listening and ends the connection. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.heartbeat);
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private connect(): Promise<void> {
    this.connecting = this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, keepAlive: true, query_timeout: this.timing.heartbeatTimeoutMs });
    // A lost server emits 'error' and then 'end'; without an 'error' listener the process would crash.
    client.on('error', () => undefined);
    client.on('end', () => this.lost(client));
    client.on('notification', (msg) => {
      if (this.client === client && msg.payload !== undefined) this.events.notice(msg.channel, msg.payload);
    });
    try {
      await client.connect();
      for (const channel of this.channels) await client.query(`LISTEN ${channel}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      this.retry();
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.delay = FIRST_DELAY_MS;
    this.beat(client);
    this.events.connected();
  }

  private beat(client: pg.Client): void {
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      if (this.client !== client) return clearInterval(this.heartbeat);
      client.query('SELECT 1').catch(() => {
        // Treated as lost at once: ending a dead connection may never complete.
        void client.end().catch(() => undefined);
        this.lost(client);
      });
    }, this.timing.heartbeatMs);
    this.heartbeat.unref();
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.retry();
  }

  private retry(): void {
    if (this.closed || this.timer !== undefined) return;
    const wait = this.delay;
    this.delay = Math.min(this.delay * 2, MAX_DELAY_MS);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.closed && !this.client && !this.connecting) this.connect().catch(() => undefined);
    }, wait);
    // A pending reconnect must not keep a finished process alive.
    this.timer.unref();
  }
}
