/** Median, min and max over repeated runs, and the table row every scenario reports. */

/** One reported figure with its same-run ceiling; `ratio` = median / ceiling (higher is better for rates). */
export interface BenchRow {
  name: string;
  unit: string;
  median: number;
  min: number;
  max: number;
  ceiling: number;
  ratio: number;
  /** Extra figures (p99 latency, RSS, …) shown beside the row. */
  notes?: Record<string, number | string>;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A row from the runs of a figure and of its ceiling. */
export function row(name: string, unit: string, runs: readonly number[], ceilingRuns: readonly number[], notes?: Record<string, number | string>): BenchRow {
  const m = median(runs);
  const c = median(ceilingRuns);
  return { name, unit, median: m, min: Math.min(...runs), max: Math.max(...runs), ceiling: c, ratio: c === 0 ? 0 : m / c, ...(notes ? { notes } : {}) };
}
