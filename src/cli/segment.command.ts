/** `rtprofile segment create|list|run|preview`: segment definitions, segment jobs and previews on the running service. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { CliError } from './cli-error.js';
import { table, when, wholeNumber } from './format.js';
import { type ApiClient, type ClientOptions, connect, withClientOptions } from './client.js';

const DEFINITIONS = '/data/core/ups/segment/definitions';
const JOBS = '/data/core/ups/segment/jobs';
const PREVIEW = '/data/core/ups/preview';
const ESTIMATE = '/data/core/ups/estimate';
/** The API's largest page of definitions (its `limit` maximum); longer lists are read a page at a time. */
const MAX_PAGE = 1000;
const JOB_POLL_MS = 500;
const PREVIEW_POLL_MS = 300;
const FINISHED = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

interface Flag {
  enabled: boolean;
}

/** The members of the API's objects the CLI reads; `--json` prints the whole answer. */
interface SegmentObject {
  id: string;
  name: string;
  evaluationInfo: { batch: Flag; continuous: Flag; synchronous: Flag };
  mergePolicyId: string;
  updateTime: number;
}

interface SegmentPage {
  segments: SegmentObject[];
  page: { totalCount: number; pageSize: number; limit: number };
  link: { next?: string };
}

interface SegmentJob {
  id: string;
  status: string;
  segments: Array<{ segmentId: string }>;
  metrics: {
    totalProfiles: number;
    totalTime: { totalTimeInMs: number };
    segmentedProfileCounter: Record<string, number>;
    segmentedProfileByStatusCounter: Record<string, { realized?: number; exited?: number }>;
  };
  errors?: Array<{ code?: string; msg?: string }>;
}

interface PreviewPage {
  state: string;
  results: Array<{ objectId: string; identities?: Array<{ namespace: { code: string }; id: string }> }>;
  page: { offset: number; size: number; totalCount: number };
  error?: { description?: string };
}

interface Estimate {
  estimatedSize: number;
  profilesReadSoFar: number;
  totalRows: number;
}

interface CreateOptions extends ClientOptions {
  streaming?: boolean;
  batch?: boolean;
  description?: string;
  mergePolicy?: string;
  json?: boolean;
}

interface ListOptions extends ClientOptions {
  limit?: string;
  json?: boolean;
}

interface RunOptions extends ClientOptions {
  all?: boolean;
  wait?: boolean;
  timeout?: string;
  json?: boolean;
}

interface PreviewOptions extends ClientOptions {
  graph?: string;
  limit?: string;
  timeout?: string;
  json?: boolean;
}


const printJson = (value: unknown) => process.stdout.write(JSON.stringify(value, null, 2) + '\n');

/** How a definition is evaluated: edge (synchronous, which the service also marks continuous), streaming, or batch only. */
function evaluationOf(info: SegmentObject['evaluationInfo']): 'edge' | 'streaming' | 'batch' {
  if (info.synchronous?.enabled) return 'edge';
  return info.continuous?.enabled ? 'streaming' : 'batch';
}

/** Polls `read` every `everyMs` until `done`; past the deadline, `giveUp` says why (and may clean up) before the CliError. */
async function poll<T>(first: T, read: () => Promise<T>, done: (t: T) => boolean, everyMs: number, timeoutMs: number, giveUp: (t: T) => Promise<string>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let current = first;
  while (!done(current)) {
    const left = deadline - Date.now();
    if (left <= 0) throw new CliError(await giveUp(current));
    await sleep(Math.min(everyMs, left));
    current = await read();
  }
  return current;
}

/** Per definition of a finished job: name, members afterwards, and who entered and left in this job. */
async function jobReport(api: ApiClient, job: SegmentJob): Promise<string> {
  const ids = job.segments.map((s) => s.segmentId);
  // The job names definitions by id only; their names make the report readable. bulk-get answers 207 even for deleted ones.
  const found = ids.length === 0 ? { results: {} } : await api.call<{ results: Record<string, { name: string }> }>('POST', `${DEFINITIONS}/bulk-get`, { ids: ids.map((id) => ({ id })) });
  const m = job.metrics;
  const rows = ids.map((id) => {
    const counts = m.segmentedProfileByStatusCounter[id] ?? {};
    return [id, found.results[id]?.name ?? '(deleted)', String(m.segmentedProfileCounter[id] ?? 0), String(counts.realized ?? 0), String(counts.exited ?? 0)];
  });
  const seconds = (m.totalTime.totalTimeInMs / 1000).toFixed(1);
  return `segment job ${job.id} ${job.status}: ${m.totalProfiles} profiles in ${seconds} s\n` + table(['SEGMENT ID', 'NAME', 'MEMBERS', 'REALIZED', 'EXITED'], rows);
}

/** Registers `segment create`, `segment list`, `segment run` and `segment preview`. */
export function registerSegmentCommand(program: Command): void {
  const segment = program.command('segment').description('segment definitions, segment jobs and previews (the /data/core/ups segmentation APIs) of the running service');

  withClientOptions(
    segment
      .command('create')
      .description('create a segment definition; prints its id (stdout) and a summary (stderr), or with --json the created object')
      .argument('<name>', 'a name no other definition of the sandbox has')
      .argument('<pql>', `a PQL expression over the profile, e.g. '_acme.tier = "gold"'`)
      .option('--streaming', 'evaluate on every change as well as in segment jobs (refused for an expression only batch can evaluate)')
      .option('--batch', 'evaluate in segment jobs only')
      .option('--description <text>', 'a description')
      .option('--merge-policy <id>', "the merge policy it is evaluated under (default: the sandbox's default at the time)")
      .option('--json', 'print the created object'),
  ).action(async (name: string, pql: string, options: CreateOptions) => {
    if (options.streaming && options.batch) throw new CliError('give --streaming or --batch, not both (neither lets the service choose from the expression)', 2);
    // Without either flag no evaluationInfo is sent, so the service's classifier chooses streaming whenever it can.
    const evaluationInfo = options.streaming || options.batch ? { batch: { enabled: !options.streaming }, continuous: { enabled: options.streaming === true } } : undefined;
    const api = await connect(options);
    const created = await api.call<SegmentObject>('POST', DEFINITIONS, {
      name,
      ...(options.description === undefined ? {} : { description: options.description }),
      expression: { type: 'PQL', format: 'pql/text', value: pql },
      schema: { name: '_xdm.context.profile' },
      ...(options.mergePolicy === undefined ? {} : { mergePolicyId: options.mergePolicy }),
      ...(evaluationInfo === undefined ? {} : { evaluationInfo }),
    });
    if (options.json) return void printJson(created);
    // The id alone on stdout, as `ca create` prints it, so `ID=$(rtprofile segment create …)` works.
    process.stderr.write(`created segment ${created.name} (${evaluationOf(created.evaluationInfo)}, merge policy ${created.mergePolicyId}): ${created.id}\n`);
    process.stdout.write(created.id + '\n');
  });

  withClientOptions(
    segment
      .command('list')
      .description('list the segment definitions of the sandbox as a table (id, name, evaluation, updated), newest first')
      .option('--limit <n>', 'at most this many, 1 to 100000 (default 100)')
      .option('--json', "print the API's answer (all pages read in one `segments`) instead of the table"),
  ).action(async (options: ListOptions) => {
    const want = options.limit === undefined ? 100 : wholeNumber(options.limit, '--limit', 1, 100_000);
    const api = await connect(options);
    const segments: SegmentObject[] = [];
    let last: SegmentPage;
    do {
      last = await api.call<SegmentPage>('GET', `${DEFINITIONS}?limit=${Math.min(MAX_PAGE, want - segments.length)}&start=${segments.length}`);
      segments.push(...last.segments);
    } while (segments.length < want && last.link.next !== undefined && last.segments.length > 0);
    const total = last.page.totalCount;
    if (options.json) return void printJson({ ...last, segments, page: { ...last.page, pageSize: segments.length } });
    if (segments.length === 0) return void process.stdout.write('No segment definitions.\n');
    const rows = segments.map((d) => [d.id, d.name, evaluationOf(d.evaluationInfo), when(d.updateTime)]);
    process.stdout.write(table(['ID', 'NAME', 'EVALUATION', 'UPDATED'], rows));
    // The table has no paging links, so say what is missing.
    if (segments.length < total) process.stderr.write(`${segments.length} of ${total}: --limit ${total} for all\n`);
  });

  withClientOptions(
    segment
      .command('run')
      .description('start a segment job over the named definitions (or --all); prints its id, or with --wait the members it found')
      .argument('[ids...]', 'definition ids (`segment list` shows them)')
      .option('--all', 'every definition of the sandbox')
      .option('--wait', 'wait for the job to finish and print members, realized and exited per definition; exits 1 unless it SUCCEEDED')
      .option('--timeout <seconds>', 'with --wait, give up after this long (default 600); the job goes on in the service')
      .option('--json', 'print the job object (the finished one with --wait)'),
  ).action(async (ids: string[], options: RunOptions) => {
    if (ids.length === 0 && !options.all) throw new CliError('name the segment definitions to evaluate (`rtprofile segment list` shows their ids), or pass --all to evaluate every one', 2);
    if (ids.length > 0 && options.all) throw new CliError('give segment ids or --all, not both', 2);
    const timeout = wholeNumber(options.timeout ?? '600', '--timeout', 1, 604_800);
    const api = await connect(options);
    const queued = await api.call<SegmentJob>('POST', JOBS, (options.all ? ['*'] : ids).map((segmentId) => ({ segmentId })));
    const summary = `segment job ${queued.id}: ${queued.status}, ${queued.segments.length} definition${queued.segments.length === 1 ? '' : 's'}`;
    if (!options.wait) {
      if (options.json) return void printJson(queued);
      process.stderr.write(summary + '\n');
      return void process.stdout.write(queued.id + '\n');
    }
    process.stderr.write(`${summary}; waiting for it to finish\n`);
    const path = `${JOBS}/${encodeURIComponent(queued.id)}`;
    const job = await poll(queued, () => api.call<SegmentJob>('GET', path), (j) => FINISHED.has(j.status), JOB_POLL_MS, timeout * 1000, async (j) =>
      `segment job ${j.id} is still ${j.status} after ${timeout} s; it goes on in the service (GET ${path}, or cancel it with DELETE)`,
    );
    if (options.json) printJson(job);
    else process.stdout.write(await jobReport(api, job));
    // A script chaining `run --wait && …` must not go on from a job that did not evaluate everyone.
    if (job.status !== 'SUCCEEDED') {
      const why = (job.errors ?? []).map((e) => e.msg ?? e.code).filter((m) => m !== undefined).join('; ');
      throw new CliError(`segment job ${job.id} ${job.status}${why === '' ? '' : `: ${why}`}`);
    }
  });

  withClientOptions(
    segment
      .command('preview')
      .description('evaluate an unsaved PQL expression over every profile: how many match, and the first few of them')
      .argument('<pql>', `a PQL expression over the profile, e.g. '_acme.tier = "gold"'`)
      .option('--graph <type>', 'pdg (people as the identity graph stitches them, the default) or none (every identity alone)')
      .option('--limit <n>', 'list at most this many people, 1 to 1000 (default 10)')
      .option('--timeout <seconds>', 'give up after this long (default 600)')
      .option('--json', 'print {preview, estimate}: the first page of people and the estimate, as the API answers them'),
  ).action(async (pql: string, options: PreviewOptions) => {
    const graphType = options.graph ?? 'pdg';
    if (graphType !== 'pdg' && graphType !== 'none') throw new CliError(`--graph '${graphType}' must be pdg or none`, 2);
    const limit = options.limit === undefined ? 10 : wholeNumber(options.limit, '--limit', 1, 1000);
    const timeout = wholeNumber(options.timeout ?? '600', '--timeout', 1, 604_800);
    const api = await connect(options);
    const { previewId } = await api.call<{ previewId: string }>('POST', PREVIEW, { predicateExpression: pql, predicateType: 'pql/text', predicateModel: '_xdm.context.profile', graphType });
    const path = `${PREVIEW}/${encodeURIComponent(previewId)}`;
    const read = () => api.call<PreviewPage>('GET', `${path}?limit=${limit}`);
    const preview = await poll(await read(), read, (p) => p.state !== 'RUNNING', PREVIEW_POLL_MS, timeout * 1000, async (p) => {
      // Nobody will read this preview's answer, so its scan is stopped rather than left to run.
      await api.call('DELETE', path).catch(() => undefined);
      return `the preview was still ${p.state} after ${timeout} s, so it was cancelled`;
    });
    if (preview.state !== 'RESULT_READY') throw new CliError(`the preview ended ${preview.state}${preview.error?.description ? `: ${preview.error.description}` : ''}`);
    const estimate = await api.call<Estimate>('GET', `${ESTIMATE}/${encodeURIComponent(previewId)}`);
    if (options.json) return void printJson({ preview, estimate });
    const matched = preview.page.totalCount;
    process.stdout.write(`matched:   ${matched}\nestimated: ${estimate.estimatedSize}\nread:      ${estimate.profilesReadSoFar} people\n`);
    if (preview.results.length === 0) return void process.stdout.write('No one matches.\n');
    const rows = preview.results.map((r) => [r.objectId, (r.identities ?? []).map((i) => `${i.namespace.code}:${i.id}`).join(', ')]);
    process.stdout.write('\n' + table(['OBJECT ID', 'IDENTITIES'], rows));
    if (preview.results.length < matched) process.stderr.write(`first ${preview.results.length} of ${matched}: --limit ${Math.min(matched, 1000)} for more\n`);
  });
}
