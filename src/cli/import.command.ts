/** `rtprofile import <file> --dataset <id>`: one batch through the running service's API, with progress and a summary. */
import type { Command } from 'commander';
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type FileFormat, countRecords, sniffFormat } from '../ingest/batches/readers.js';
import { DomainError } from '../shared/errors.js';
import { type ApiClient, type ClientOptions, connect, withClientOptions } from './client.js';
import { ProgressDisplay } from './progress.js';

interface ImportOptions extends ClientOptions {
  dataset: string;
  format?: string;
}

interface CatalogBatch {
  status: string;
  metrics: { inputRecordCount: number; failedRecordCount: number };
}

const IMPORT = '/data/foundation/import/batches';

/** Registers `import`. */
export function registerImportCommand(program: Command): void {
  withClientOptions(
    program
      .command('import')
      .description('import an NDJSON, JSON array (either gzip-compressed or not) or Parquet file into a dataset as one batch, through the running service')
      .argument('<file>', 'the file to import')
      .requiredOption('--dataset <id>', 'target dataset id (`rtprofile setup` prints one)')
      .option('--format <format>', 'json or parquet (default: read from the first bytes)'),
  ).action(async (file: string, options: ImportOptions) => {
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      throw new DomainError('IMPORT_FILE_NOT_FOUND', `Cannot read '${file}'`);
    }
    const format = (options.format?.toLowerCase() ?? (await sniffFormat(file))) as FileFormat;
    const api = await connect(options);
    const progress = new ProgressDisplay(process.stderr);
    const batch = await api.call<{ id: string }>('POST', IMPORT, { datasetId: options.dataset, inputFormat: { format } });
    // Counting runs beside the upload: it gives the bar its total and the ETA, and costs far less than ingesting.
    const total = countRecords(file, format).catch(() => undefined);
    const started = Date.now();
    // Ctrl-C stops the batch on the service too, rather than leaving it to run (and land) without anyone watching.
    const interrupted = () => {
      progress.interrupt();
      process.stderr.write(`\nInterrupted: aborting batch ${batch.id}\n`);
      void api
        .call('POST', `${IMPORT}/${batch.id}?action=ABORT`)
        .catch(() => undefined)
        .finally(() => process.exit(130));
    };
    process.once('SIGINT', interrupted);
    let done: CatalogBatch;
    try {
      try {
        await upload(api, batch.id, options.dataset, file, size, progress);
        await api.call('POST', `${IMPORT}/${batch.id}?action=COMPLETE`);
      } catch (err) {
        progress.interrupt();
        await api.call('POST', `${IMPORT}/${batch.id}?action=ABORT`).catch(() => undefined);
        throw err;
      }
      done = await watch(api, batch.id, await total, progress);
    } finally {
      process.off('SIGINT', interrupted);
    }
    const seconds = (Date.now() - started) / 1000;
    const errors = (await api.call<{ errors: Array<Record<string, unknown>> }>('GET', `${IMPORT}/${batch.id}/errors?limit=10`)).errors;
    const errorsUrl = `${api.url}${IMPORT}/${batch.id}/errors?limit=1000`;
    const records = done.metrics.inputRecordCount;
    const failed = done.metrics.failedRecordCount;
    const summary = {
      batchId: batch.id,
      status: done.status,
      file: basename(file),
      bytes: size,
      records,
      stored: records - failed,
      failed,
      seconds: Number(seconds.toFixed(2)),
      firstErrors: errors,
      errorsUrl,
    };
    process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    process.stderr.write(explain(summary, errors));
    if (done.status !== 'success') process.exitCode = 1;
  });
}

/** Streams the file to the batch, showing bytes sent. */
async function upload(api: ApiClient, batchId: string, datasetId: string, file: string, size: number, progress: ProgressDisplay): Promise<void> {
  const started = Date.now();
  let sent = 0;
  const state = () => ({ phase: 'uploading', unit: 'bytes' as const, done: sent, total: size, elapsedMs: Date.now() - started });
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for await (const chunk of createReadStream(file)) {
      sent += (chunk as Buffer).length;
      progress.update(state());
      yield chunk as Buffer;
    }
  }
  const name = basename(file).replace(/[^\w. -]/g, '_').replace(/^[ .]+/, '') || 'data';
  await api.upload(`${IMPORT}/${batchId}/datasets/${encodeURIComponent(datasetId)}/files/${encodeURIComponent(name)}`, chunks());
  progress.finish(state());
}

/** Polls the batch until the service's job has finished it, showing rows, rate, errors and ETA. */
async function watch(api: ApiClient, batchId: string, total: number | undefined, progress: ProgressDisplay): Promise<CatalogBatch> {
  const started = Date.now();
  for (;;) {
    const batch = (await api.call<Record<string, CatalogBatch>>('GET', `/data/foundation/catalog/batches/${batchId}`))[batchId]!;
    const state = { phase: 'importing', unit: 'rows' as const, done: batch.metrics.inputRecordCount, total, errors: batch.metrics.failedRecordCount, elapsedMs: Date.now() - started };
    if (batch.status !== 'processing') {
      progress.finish({ ...state, total: total ?? state.done });
      return batch;
    }
    progress.update(state);
    await sleep(process.stderr.isTTY ? 200 : 500);
  }
}

/** The human reading of the summary: what happened, the first errors, and where the full list is. */
function explain(s: { batchId: string; status: string; records: number; stored: number; failed: number; errorsUrl: string }, errors: Array<Record<string, unknown>>): string {
  const lines = [
    s.status === 'success'
      ? `Batch ${s.batchId}: ${s.stored.toLocaleString('en-US')} of ${s.records.toLocaleString('en-US')} records stored, ${s.failed.toLocaleString('en-US')} failed.`
      : `Batch ${s.batchId} ${s.status}: ${s.stored.toLocaleString('en-US')} of ${s.records.toLocaleString('en-US')} records stored.`,
  ];
  for (const e of errors) {
    const where = e.row === 0 ? `${e.file}` : `${e.file} row ${e.row}${e.path ? ` ${e.path}` : ''}`;
    lines.push(`  ${where}: ${e.message}`);
  }
  if (errors.length > 0) lines.push(`Full error list: GET ${s.errorsUrl} (with the same headers as any API call).`);
  return lines.join('\n') + '\n';
}
