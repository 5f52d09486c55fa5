/** Picks the edge node's store from its settings: Redis when a URL is given, else the embedded SQLite file. */
import type { EdgeStore } from './edge-store.js';
import { RedisEdgeStore } from './redis-edge-store.js';
import { SqliteEdgeStore } from './sqlite-edge-store.js';

/** Opens Redis (one node or a cluster, see parseRedisUrl) when `redisUrl` is set and not blank, else SQLite at `sqlitePath`. */
export async function openEdgeStore(options: { redisUrl?: string; sqlitePath: string; redisPrefix?: string }): Promise<EdgeStore> {
  const url = options.redisUrl?.trim();
  if (url) return RedisEdgeStore.connect(url, options.redisPrefix === undefined ? {} : { prefix: options.redisPrefix });
  return SqliteEdgeStore.open(options.sqlitePath);
}
