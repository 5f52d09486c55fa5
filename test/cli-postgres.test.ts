/** `rtprofile migrate`/`serve` against PostgreSQL: a missing database is created; unreachable, uncreatable or refused is one line and exit 1. */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { runCli, serve } from './support/cli.js';
import { type PgCluster, startPgCluster } from './support/pg-cluster.js';
import { createTestDatabase } from './support/postgres.js';

/** A port nothing listens on: bound, then closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

/** `url` with another database name, role or password. */
function variant(url: string, change: { database?: string; user?: string; password?: string }): string {
  const parsed = new URL(url);
  if (change.database !== undefined) parsed.pathname = `/${change.database}`;
  if (change.user !== undefined) parsed.username = change.user;
  if (change.password !== undefined) parsed.password = change.password;
  return parsed.toString();
}

/** Asserts a one-line refusal: exit 1, a single `rtprofile:` line matching `pattern`, no stack trace, no password. */
function assertOneLine(result: ReturnType<typeof runCli>, pattern: RegExp, secret?: string): void {
  assert.equal(result.status, 1, result.stderr);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0]!, /^rtprofile: /);
  assert.match(lines[0]!, pattern);
  if (secret !== undefined) assert.ok(!result.stderr.includes(secret), 'the password is not printed');
}

async function databaseExists(url: string, name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  } finally {
    await client.end();
  }
}

describe('rtprofile against PostgreSQL', () => {
  let url: string;
  before(async () => {
    url = await createTestDatabase();
  });

  it('migrate and serve name an unreachable server in one line and exit 1', async () => {
    const port = await closedPort();
    const closed = `postgres://someone:s3cret-value@127.0.0.1:${port}/profiles`;
    assertOneLine(runCli(['migrate', '--database-url', closed]), new RegExp(`cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`), 's3cret-value');
    assertOneLine(runCli(['serve', '--port', '0', '--database-url', closed]), /cannot reach PostgreSQL/, 's3cret-value');
  });

  it('creates a missing database when the role may, and migrates it', async () => {
    const name = `created_${Date.now()}`;
    const result = runCli(['migrate', '--database-url', variant(url, { database: name })]);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), { store: 'postgres', upToDate: true });
    assert.equal(await databaseExists(url, name), true);
  });

  it('names a missing database that the role may not create, and how to create it', async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query('CREATE ROLE cannot_create LOGIN NOCREATEDB');
    await admin.end();
    const target = variant(url, { user: 'cannot_create', database: 'nowhere_db' });
    assertOneLine(runCli(['migrate', '--database-url', target]), /database "nowhere_db" does not exist .* role "cannot_create" may not create it: create it with createdb/);
    assert.equal(await databaseExists(url, 'nowhere_db'), false);
  });

  it('names a role the server does not know (this cluster trusts local connections)', () => {
    assertOneLine(runCli(['migrate', '--database-url', variant(url, { user: 'no_such_role' })]), /refused the credentials of role "no_such_role"/);
  });

  describe('on a cluster that asks for a password', () => {
    let cluster: PgCluster;
    before(async () => {
      cluster = await startPgCluster({ password: 'right-password' });
    });
    after(() => cluster.stop());

    it('refuses a wrong password in one line (migrate and serve), and works with the right one', () => {
      const wrong = variant(cluster.url, { password: 'wrong-password' });
      for (const command of [['migrate'], ['serve', '--port', '0']]) {
        assertOneLine(runCli([...command, '--database-url', wrong]), /refused the credentials of role "rtprofile": password authentication failed/, 'wrong-password');
      }
      const right = runCli(['migrate', '--database-url', variant(cluster.url, { database: 'profiles' })]);
      assert.equal(right.status, 0, right.stderr);
    });
  });

  describe('through a Unix socket', () => {
    let cluster: PgCluster;
    before(async () => {
      cluster = await startPgCluster();
    });
    after(() => cluster.stop());

    it('takes libpq\'s socket URL forms: creates the database, migrates, and serves over the socket', async () => {
      // postgres://user@/db?host=/socket/folder has no host before the path, which a WHATWG URL parser refuses.
      const socket = cluster.socketUrl.replace('/postgres?', '/over_socket?');
      const migrated = runCli(['migrate', '--database-url', socket]);
      assert.equal(migrated.status, 0, migrated.stderr);
      assert.equal(await databaseExists(cluster.url, 'over_socket'), true);
      const server = await serve(['--database-url', socket]);
      try {
        assert.equal((await fetch(`${server.url}/ready`)).status, 200);
      } finally {
        await server.stop();
      }
      const missing = cluster.socketUrl.replace(/host=[^&]+/, `host=${encodeURIComponent('/nonexistent/socket')}`);
      assertOneLine(runCli(['migrate', '--database-url', missing]), /cannot reach PostgreSQL at \/nonexistent\/socket/);
    });
  });
});
