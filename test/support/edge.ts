/** Edge nodes for tests: the real `rtprofile edge` process against a hub served on a real port, and edge API helpers. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnListening } from './cli.js';
import { TEST_SECRET, type TestApp } from './app.js';
import type { IngestFixture } from './fixtures.js';

/** The vendor media types of the projection API. */
export const DESTINATION_TYPE = 'application/vnd.adobe.platform.projectionDestination+json; version=1';
export const PROJECTION_TYPE = 'application/vnd.adobe.platform.projectionConfig+json; version=1';

/** A running edge process. */
export interface EdgeProcess {
  readonly url: string;
  readonly dataDir: string;
  readonly output: () => string;
  /** Sends a signal (default SIGKILL: a crash) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `rtprofile edge` for `dataCenter` following `hubUrl`, in `dataDir` (a new folder unless given). */
export async function startEdge(options: { hubUrl: string; dataCenter: string; dataDir?: string; redisUrl?: string; redisPrefix?: string; port?: number }): Promise<EdgeProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'rtp-edge-'));
  const args = ['edge', '--data-center', options.dataCenter, '--hub', options.hubUrl, '--port', String(options.port ?? 0), '--data', dataDir];
  if (options.redisPrefix) args.push('--redis-prefix', options.redisPrefix);
  const { child, url, output, exited } = await spawnListening(args, { RTPROFILE_JWT_SECRET: TEST_SECRET, REDIS_URL: options.redisUrl ?? '' });
  return {
    url,
    dataDir,
    output,
    async stop(signal = 'SIGKILL') {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };
}

/** Serves a test app on a real port with its change feed and jobs running, as `rtprofile serve` does. */
export async function serveHub(t: TestApp): Promise<string> {
  const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  await t.app.services.jobs.start();
  await t.app.services.feed.start();
  return address;
}

/** Creates a destination and a projection of the profile class; returns their ids. */
export async function createProjection(
  t: TestApp,
  f: IngestFixture,
  o: { dataCenters: string[]; replicationPolicy: 'PROACTIVE' | 'REACTIVE'; selector: string; ttl?: number; name?: string; mergePolicyId?: string },
): Promise<{ destinationId: string; projectionId: string }> {
  const d = await t.app.inject({
    method: 'POST',
    url: '/data/core/ups/config/destinations',
    headers: { ...f.headers, 'content-type': DESTINATION_TYPE },
    payload: JSON.stringify({ type: 'EDGE', dataCenters: o.dataCenters, ttl: o.ttl ?? 3600, replicationPolicy: o.replicationPolicy }),
  });
  if (d.statusCode !== 201) throw new Error(`destination: ${d.body}`);
  const destinationId = d.json().id as string;
  const p = await t.app.inject({
    method: 'POST',
    url: '/data/core/ups/config/projections?schemaName=_xdm.context.profile',
    headers: { ...f.headers, 'content-type': PROJECTION_TYPE },
    payload: JSON.stringify({ selector: o.selector, destinationId, name: o.name ?? `p-${destinationId.slice(0, 8)}`, ...(o.mergePolicyId ? { mergePolicyId: o.mergePolicyId } : {}) }),
  });
  if (p.statusCode !== 201) throw new Error(`projection: ${p.body}`);
  return { destinationId, projectionId: p.json().id as string };
}

/** Looks a person up on an edge (or the hub) by an identity, with the AEP headers of `f`. */
export async function edgeLookup(url: string, f: IngestFixture, ns: string, id: string, extra = ''): Promise<{ status: number; body: any; headers: Headers }> {
  const { 'content-type': _, ...headers } = f.headers;
  const res = await fetch(`${url}/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityIdNS=${encodeURIComponent(ns)}&entityId=${encodeURIComponent(id)}${extra}`, { headers });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text), headers: res.headers };
}
