/** Runs the real `rtprofile` binary as a child process, the way a user does from a checkout. */
import { createServer } from 'node:net';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export const BIN = fileURLToPath(new URL('../../bin/rtprofile.js', import.meta.url));

/** Runs a CLI command to completion (in `cwd` when given, as a user in another folder would). */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent', ...env }, timeout: 60_000, ...(cwd ? { cwd } : {}) });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A `rtprofile serve` process and the base URL it printed. */
export interface Served {
  readonly child: ChildProcess;
  readonly url: string;
  readonly output: () => string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `rtprofile serve` on a free port and waits for its "listening on" line. */
export async function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Served> {
  const started = await spawnListening(['serve', '--port', '0', ...args], env);
  return { ...started, async stop(signal = 'SIGTERM') {
    started.child.kill(signal);
    return started.exited;
  } };
}

/** Runs an `rtprofile` command that serves (serve, edge) and waits for its "listening on" line. */
export async function spawnListening(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; url: string; output: () => string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', LOG_PRETTY: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args[0]} did not start:\n${out}`)), 30_000);
    const check = () => {
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then(() => reject(new Error(`${args[0]} exited early:\n${out}`)));
  });
  return { child, url, output: () => out, exited };
}

/**
 * Puts an XDM schema straight into a served SQLite store's file, as the registry stores it, for tests about another
 * path (batches, streaming) that need one without going through the Schema Registry API.
 */
export function seedSchemaFile(dataDir: string, org: string, schema: Record<string, unknown>): void {
  const file = new Database(join(dataDir, 'profile.db'));
  try {
    const tenant = file.prepare('SELECT tenant_id FROM sandboxes WHERE org_id = ?').get(org) as { tenant_id: number };
    file
      .prepare("INSERT INTO xdm_resources (tenant_id, id, alt_id, kind, title, version, body, created_at, modified_at) VALUES (?, ?, ?, 'schemas', 't', '1.0', ?, 0, 0)")
      .run(tenant.tenant_id, String(schema.$id), schema['meta:altId'], JSON.stringify(schema));
  } finally {
    file.close();
  }
}

/** A port nothing listens on: a command pointed there can only succeed at failing if it never connects. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
