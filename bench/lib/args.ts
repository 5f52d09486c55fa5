/** The command line of `npm run bench`: scenario names, `--quick`, `--store sqlite|postgres`. */

/** What to run, or why the command line cannot be run. */
export type BenchArgs = { quick: boolean; store: 'sqlite' | 'postgres'; wanted: string[] } | { error: string };

/** Parses the arguments after `npm run bench --`; `known` lists every scenario name. */
export function parseBenchArgs(args: readonly string[], known: readonly string[]): BenchArgs {
  const storeAt = args.indexOf('--store');
  const store = storeAt >= 0 ? args[storeAt + 1] : 'sqlite';
  if (store !== 'sqlite' && store !== 'postgres') return { error: `--store ${store}: use sqlite or postgres` };
  const wanted = args.filter((a, i) => !a.startsWith('--') && (storeAt < 0 || i !== storeAt + 1));
  const unknown = wanted.filter((w) => !known.includes(w));
  if (unknown.length > 0) return { error: `unknown scenario ${unknown.join(', ')}: choose from ${known.join(', ')}` };
  return { quick: args.includes('--quick'), store, wanted };
}
