/** Output and flag helpers the CLI's API commands share: tables, times, whole-number flags. */
import { CliError } from './cli-error.js';

/** A flag's whole number from `lo` to `hi`, or a usage error naming the flag. */
export function wholeNumber(text: string, flag: string, lo: number, hi: number): number {
  const n = /^\d{1,7}$/.test(text) ? Number(text) : NaN;
  if (!(n >= lo && n <= hi)) throw new CliError(`${flag} '${text}' must be a whole number from ${lo} to ${hi}`, 2);
  return n;
}

/** Left-aligned columns, two spaces apart: readable in a terminal and still splittable with awk. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

/** `2026-05-01 10:00:00Z`: the epoch in ms as UTC to the second. */
export const when = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
