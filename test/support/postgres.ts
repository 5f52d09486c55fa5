/** Gives each test file its own PostgreSQL database, on the suite's shared cluster or on one it starts itself. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startPgCluster } from './pg-cluster.js';

let ownCluster: Awaited<ReturnType<typeof startPgCluster>> | undefined;

async function clusterUrl(): Promise<string> {
  // scripts/run-tests.mjs starts one cluster for the whole suite; a file run alone starts its own.
  const shared = process.env.RTPROFILE_TEST_PG_URL;
  if (shared) return shared;
  if (!ownCluster) {
    ownCluster = await startPgCluster();
    process.once('exit', () => ownCluster?.stop());
  }
  return ownCluster.url;
}

/** Creates an empty database and returns its URL. */
export async function createTestDatabase(): Promise<string> {
  const url = await clusterUrl();
  const name = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}
