// Runs every *.test.ts under src/ and test/ with node's test runner, after starting one throwaway PostgreSQL
// cluster for the whole suite (Node 20 has no --test globs, and one cluster is much faster than one per file).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { register } from 'tsx/esm/api';

register();
const { startPgCluster } = await import('../test/support/pg-cluster.ts');

const roots = ['src', 'test'];
const only = process.argv.slice(2);

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const files = roots
  .flatMap((root) => collect(root, []))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const cluster = await startPgCluster();
const stop = () => cluster.stop();
process.on('exit', stop);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test', RTPROFILE_TEST_PG_URL: cluster.url, LOG_LEVEL: 'silent' } },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
