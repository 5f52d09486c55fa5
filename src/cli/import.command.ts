/** `rtprofile import <file> --dataset <id>`: the batch path from the command line, with progress and a summary. */
import type { Command } from 'commander';
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { DomainError } from '../shared/errors.js';
import { type TenantOptions, openTenant, withTenantOptions } from './context.js';

interface ImportOptions extends TenantOptions {
  dataset: string;
  format?: string;
}

function progressLine(records: number, failed: number, started: number): string {
  const seconds = Math.max((Date.now() - started) / 1000, 0.001);
  return `${records.toLocaleString('en-US')} rows  ${Math.round(records / seconds).toLocaleString('en-US')} rows/s  ${failed.toLocaleString('en-US')} errors`;
}

/** Registers `import`. */
export function registerImportCommand(program: Command): void {
  withTenantOptions(
    program
      .command('import')
      .description('import a JSON array, NDJSON or Parquet file into a dataset as one batch')
      .argument('<file>', 'the file to import')
      .requiredOption('--dataset <id>', 'target dataset id')
      .option('--format <format>', 'json or parquet (default: detected from the file)'),
  ).action(async (file: string, options: ImportOptions) => {
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      throw new DomainError('IMPORT_FILE_NOT_FOUND', `Cannot read '${file}'`);
    }
    const { services, ctx, close } = await openTenant(options);
    try {
      const format = options.format ?? (file.endsWith('.parquet') ? 'parquet' : 'json');
      const batch = await services.batches.create(ctx.tenantId, { datasetId: options.dataset, inputFormat: { format } }, ctx.clientId);
      await services.batches.addFile(ctx.tenantId, batch.id, options.dataset, basename(file).replace(/[^\w. -]/g, '_'), createReadStream(file));
      await services.batches.complete(ctx.tenantId, batch.id);
      const started = Date.now();
      const tty = process.stderr.isTTY;
      let lastPrint = 0;
      for (;;) {
        const worked = await services.jobs.runOne();
        const current = await services.batches.get(ctx.tenantId, batch.id);
        const now = Date.now();
        if (now - lastPrint > (tty ? 100 : 2000) || current.status !== 'processing') {
          lastPrint = now;
          const line = progressLine(current.recordsTotal, current.recordsFailed, started);
          process.stderr.write(tty ? `\r${line}   ` : `${line}\n`);
        }
        if (current.status !== 'processing') {
          if (tty) process.stderr.write('\n');
          const errors = await services.batches.errors(ctx.tenantId, batch.id, { limit: 10, start: 0 });
          const summary = {
            batchId: batch.id,
            status: current.status,
            bytes: size,
            records: current.recordsTotal,
            stored: current.recordsTotal - current.recordsFailed,
            failed: current.recordsFailed,
            seconds: Number(((now - started) / 1000).toFixed(2)),
            firstErrors: errors,
          };
          process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
          if (current.status !== 'success') process.exitCode = 1;
          return;
        }
        // Another process (a running server) may hold the job; then we only watch.
        if (!worked) await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      await close();
    }
  });
}
