/** `npm run bench [-- scenario…] [--quick]`: runs the benchmark scenarios, prints a table, writes bench/results/latest.json. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { runMergeBench } from './merge.bench.js';
import { runPqlBench } from './pql.bench.js';

interface Row {
  name: string;
  unit: string;
  median: number;
  min: number;
  max: number;
  ceiling: number;
  ratio: number;
}

/** Every scenario by name; the HTTP scenarios of issue 7 join this table as they land. */
const SCENARIOS: Record<string, (quick: boolean) => Promise<Row[]> | Row[]> = {
  merge: (quick) => runMergeBench({ quick }),
  pql: (quick) => runPqlBench({ quick }),
};

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const wanted = args.filter((a) => !a.startsWith('--'));
const unknown = wanted.filter((w) => !(w in SCENARIOS));
if (unknown.length > 0) {
  process.stderr.write(`unknown scenario ${unknown.join(', ')}: choose from ${Object.keys(SCENARIOS).join(', ')}\n`);
  process.exit(2);
}
const results: Array<Row & { scenario: string }> = [];
for (const name of wanted.length > 0 ? wanted : Object.keys(SCENARIOS)) {
  for (const row of await SCENARIOS[name]!(quick)) results.push({ scenario: name, ...row });
}
const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));
process.stdout.write(`${'scenario'.padEnd(8)}  ${'figure'.padEnd(64)} ${'median'.padStart(12)} ${'min'.padStart(12)} ${'max'.padStart(12)} ${'ceiling'.padStart(12)}  ratio\n`);
for (const r of results) {
  process.stdout.write(`${r.scenario.padEnd(8)}  ${`${r.name} (${r.unit})`.padEnd(64)} ${fmt(r.median).padStart(12)} ${fmt(r.min).padStart(12)} ${fmt(r.max).padStart(12)} ${fmt(r.ceiling).padStart(12)}  ${r.ratio.toFixed(2)}\n`);
}
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/latest.json', JSON.stringify({ at: new Date().toISOString(), quick, node: process.version, results }, null, 2) + '\n');
