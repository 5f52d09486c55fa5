/** `npm run bench [-- scenario…] [--quick]`: runs the benchmark scenarios, prints a table, writes bench/results/latest.json. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { runMergeBench } from './merge.bench.js';
import { runPqlBench } from './pql.bench.js';
import { runHttpBench } from './http.bench.js';
import { parseBenchArgs } from './lib/args.js';
import type { BenchRow } from './lib/stats.js';

type Row = BenchRow;

const HTTP = new Set(['ingest', 'import', 'lookup', 'events', 'growth', 'export', 'delete', 'computed', 'segments', 'edge']);

/** In-process scenarios by name; the HTTP ones run together against one server (see http.bench.ts). */
const SCENARIOS: Record<string, (quick: boolean) => Promise<Row[]> | Row[]> = {
  merge: (quick) => runMergeBench({ quick }),
  pql: (quick) => runPqlBench({ quick }),
};

const parsed = parseBenchArgs(process.argv.slice(2), [...HTTP, ...Object.keys(SCENARIOS)]);
if ('error' in parsed) {
  process.stderr.write(`${parsed.error}\n`);
  process.exit(2);
}
const { quick, store, wanted } = parsed;
const results: Array<Row & { scenario: string }> = [];
const all = wanted.length === 0;
const httpWanted = new Set(wanted.filter((w) => HTTP.has(w)));
for (const name of all ? Object.keys(SCENARIOS) : wanted.filter((w) => w in SCENARIOS)) {
  for (const row of await SCENARIOS[name]!(quick)) results.push({ scenario: name, ...row });
}
// In-process scenarios run first: after the HTTP ones this process holds the garbage of generating their data.
if (all || httpWanted.size > 0) results.push(...(await runHttpBench({ quick, store, only: httpWanted })));

// NaN: a figure without a ceiling (or a row skipped), printed as a dash.
const fmt = (n: number) => (Number.isNaN(n) ? '—' : n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));
process.stdout.write(`${'scenario'.padEnd(8)}  ${'figure'.padEnd(76)} ${'median'.padStart(12)} ${'min'.padStart(12)} ${'max'.padStart(12)} ${'ceiling'.padStart(12)}  ratio\n`);
for (const r of results) {
  const notes = r.notes ? `  ${Object.entries(r.notes).map(([k, v]) => `${k} ${typeof v === 'number' ? fmt(v) : v}`).join(', ')}` : '';
  process.stdout.write(`${r.scenario.padEnd(8)}  ${`${r.name} (${r.unit})`.padEnd(76)} ${fmt(r.median).padStart(12)} ${fmt(r.min).padStart(12)} ${fmt(r.max).padStart(12)} ${fmt(r.ceiling).padStart(12)}  ${Number.isNaN(r.ratio) ? '—' : r.ratio.toFixed(2)}${notes}\n`);
}
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/latest.json', JSON.stringify({ at: new Date().toISOString(), quick, store, node: process.version, results }, null, 2) + '\n');
