/** `rtprofile ca list|create|get`: computed attributes (/data/core/ca/attributes) on the running service. */
import type { Command } from 'commander';
import { DURATION_RANGES, type Duration } from '../computed/ca-window.js';
import { CliError } from './cli-error.js';
import { table, when, wholeNumber } from './format.js';
import { type ClientOptions, connect, withClientOptions } from './client.js';

const BASE = '/data/core/ca/attributes';
/** The API's largest page (its `limit` maximum). */
const MAX_LIMIT = 40;

/** The members of the API's object the CLI reads; `--json` and `get` print the whole object as answered. */
interface CaObject {
  id: string;
  name: string;
  status: string;
  duration: { count: number; unit: string };
  mergeFunction: { value: string };
  updateEpoch: number;
}

interface CaPage {
  computedAttributes: CaObject[];
  _page: { offset: number; limit: number; count: number; totalCount: number };
}

interface ListOptions extends ClientOptions {
  status?: string;
  limit?: string;
  offset?: string;
  json?: boolean;
}

interface CreateOptions extends ClientOptions {
  name: string;
  expression: string;
  duration?: string;
  durationCount?: string;
  durationUnit?: string;
  displayName?: string;
  description?: string;
  keepCurrent?: boolean;
  draft?: boolean;
  json?: boolean;
}

const UNIT_OF_SUFFIX: Record<string, Duration['unit']> = { h: 'HOURS', d: 'DAYS', w: 'WEEKS', m: 'MONTHS' };

/** `7d` → {count: 7, unit: DAYS} (h, d, w, m); anything else, or a count outside the API's range, is a CliError. */
export function parseDuration(text: string): Duration {
  const m = /^(0|[1-9]\d{0,2})([hdwm])$/i.exec(text);
  if (!m) throw new CliError(`--duration '${text}' must be a whole number and a unit letter: 24h (hours), 7d (days), 2w (weeks) or 3m (months)`, 2);
  return inRange(Number(m[1]), UNIT_OF_SUFFIX[m[2]!.toLowerCase()]!, `--duration ${text}`);
}

/** Checked here as well as by the service, so a mistyped window fails before anything is sent. */
function inRange(count: number, unit: Duration['unit'], flag: string): Duration {
  const [lo, hi] = DURATION_RANGES[unit];
  if (!Number.isInteger(count) || count < lo || count > hi) throw new CliError(`${flag}: a ${unit} lookback is ${lo} to ${hi} ${unit.toLowerCase()}`, 2);
  return { count, unit };
}

/** The window from `--duration`, or from `--duration-count` with `--duration-unit`: exactly one form. */
function durationOf(o: CreateOptions): Duration {
  const split = o.durationCount !== undefined || o.durationUnit !== undefined;
  if (o.duration !== undefined && split) throw new CliError('give either --duration (e.g. 7d) or --duration-count with --duration-unit, not both', 2);
  if (o.duration !== undefined) return parseDuration(o.duration);
  if (!split) throw new CliError('a computed attribute needs a lookback window: --duration 24h|7d|2w|3m, or --duration-count N --duration-unit HOURS|DAYS|WEEKS|MONTHS', 2);
  if (o.durationCount === undefined || o.durationUnit === undefined) throw new CliError('--duration-count and --duration-unit go together', 2);
  const unit = o.durationUnit.toUpperCase();
  if (!Object.hasOwn(DURATION_RANGES, unit)) throw new CliError(`--duration-unit '${o.durationUnit}' must be one of ${Object.keys(DURATION_RANGES).join(', ')}`, 2);
  if (!/^(0|[1-9]\d{0,2})$/.test(o.durationCount)) throw new CliError(`--duration-count '${o.durationCount}' must be a whole number`, 2);
  return inRange(Number(o.durationCount), unit as Duration['unit'], `--duration-count ${o.durationCount}`);
}


/** Registers `ca list`, `ca create` and `ca get`. */
export function registerCaCommand(program: Command): void {
  const ca = program.command('ca').description('computed attributes (the /data/core/ca/attributes API) of the running service');

  withClientOptions(
    ca
      .command('list')
      .description('list the computed attributes of the sandbox as a table (id, name, status, mergeFunction, duration, updated)')
      .option('--status <statuses>', 'only these statuses, comma-separated: DRAFT, NEW, PROCESSING, PROCESSED, FAILED, DISABLED')
      .option('--limit <n>', `at most this many, 1 to ${MAX_LIMIT} (default 20)`)
      .option('--offset <n>', 'skip this many first (newest updated first)')
      .option('--json', "print the API's answer (with _page and _links) instead of the table"),
  ).action(async (options: ListOptions) => {
    const query = new URLSearchParams();
    if (options.status !== undefined) query.set('status', options.status);
    if (options.limit !== undefined) query.set('limit', String(wholeNumber(options.limit, '--limit', 1, MAX_LIMIT)));
    if (options.offset !== undefined) query.set('offset', String(wholeNumber(options.offset, '--offset', 0, 1_000_000)));
    const api = await connect(options);
    const qs = query.toString();
    const page = await api.call<CaPage>('GET', qs === '' ? BASE : `${BASE}?${qs}`);
    if (options.json) {
      process.stdout.write(JSON.stringify(page, null, 2) + '\n');
      return;
    }
    const items = page.computedAttributes;
    if (items.length === 0) {
      process.stdout.write(page._page.totalCount === 0 ? 'No computed attributes.\n' : `None at offset ${page._page.offset} (${page._page.totalCount} in all).\n`);
      return;
    }
    const rows = items.map((c) => [c.id, c.name, c.status, c.mergeFunction.value, `${c.duration.count} ${c.duration.unit}`, when(c.updateEpoch)]);
    process.stdout.write(table(['ID', 'NAME', 'STATUS', 'MERGE FUNCTION', 'DURATION', 'UPDATED'], rows));
    // The table has no paging links, so say where the rest is.
    const { offset, count, totalCount } = page._page;
    if (offset + count < totalCount) process.stderr.write(`${offset + 1}–${offset + count} of ${totalCount}: --offset ${offset + count} for the next page\n`);
  });

  withClientOptions(
    ca
      .command('create')
      .description('create a computed attribute; prints its id (stdout) and a summary (stderr), or with --json the created object')
      .requiredOption('--name <name>', 'letters and digits only; the value lands at SystemComputedAttributes.<name>')
      .requiredOption('--expression <pql>', "an aggregate PQL expression, e.g. 'xEvent[commerce.order.priceTotal > 0].sum(commerce.order.priceTotal)'")
      .option('--duration <window>', 'lookback: 1h–24h, 1d–7d, 1w–4w or 1m–6m')
      .option('--duration-count <n>', 'lookback count (with --duration-unit)')
      .option('--duration-unit <unit>', 'HOURS, DAYS, WEEKS or MONTHS (with --duration-count)')
      .option('--display-name <text>', 'default: the name')
      .option('--description <text>', "default: ''")
      .option('--keep-current', 'refresh daily whatever the lookback (keepCurrent)')
      .option('--draft', 'create as DRAFT (editable, not evaluated) instead of NEW')
      .option('--json', 'print the created object'),
  ).action(async (options: CreateOptions) => {
    // Every flag is checked before connecting, so a typo costs no request and leaves nothing behind.
    const duration = durationOf(options);
    const api = await connect(options);
    const created = await api.call<CaObject>('POST', BASE, {
      name: options.name,
      displayName: options.displayName ?? options.name,
      description: options.description ?? '',
      expression: { type: 'PQL', format: 'pql/text', value: options.expression },
      duration,
      ...(options.keepCurrent ? { keepCurrent: true } : {}),
      status: options.draft ? 'DRAFT' : 'NEW',
    });
    if (options.json) {
      process.stdout.write(JSON.stringify(created, null, 2) + '\n');
      return;
    }
    // The id alone on stdout, as `setup` prints its dataset id, so `ID=$(rtprofile ca create …)` works.
    process.stderr.write(`created computed attribute ${created.name} (${created.status}, ${created.mergeFunction.value}, ${created.duration.count} ${created.duration.unit}): ${created.id}\n`);
    process.stdout.write(created.id + '\n');
  });

  withClientOptions(
    ca.command('get').description('print one computed attribute as JSON').argument('<id>', 'its id (`ca list` shows them)'),
  ).action(async (id: string, options: ClientOptions) => {
    const api = await connect(options);
    process.stdout.write(JSON.stringify(await api.call('GET', `${BASE}/${encodeURIComponent(id)}`), null, 2) + '\n');
  });
}
