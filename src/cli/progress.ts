/** Progress for long CLI work: a bar redrawn in place on a terminal, a plain line every few seconds otherwise. */

/** Where a piece of work is: what it counts, how far, out of how many (when known), and errors so far. */
export interface ProgressState {
  readonly phase: string;
  readonly unit: 'rows' | 'bytes';
  readonly done: number;
  readonly total: number | undefined;
  readonly errors?: number;
  readonly elapsedMs: number;
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');
/** Bytes in the unit that keeps small files readable: 512 B, 48.2 KB, 1.3 MB. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** "4s", "2m05s", "1h02m": short enough for a status line. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** One status line: amount (of total, with percent), rate, errors and ETA; with `barWidth`, a bar in front. */
export function progressText(p: ProgressState, barWidth = 0): string {
  const seconds = Math.max(p.elapsedMs / 1000, 0.001);
  const rate = p.done / seconds;
  const amount =
    p.unit === 'bytes'
      ? `${formatBytes(p.done)}${p.total === undefined ? '' : ` / ${formatBytes(p.total)}`}`
      : `${count(p.done)}${p.total === undefined ? '' : ` / ${count(p.total)}`} rows`;
  const fraction = p.total ? Math.min(p.done / p.total, 1) : undefined;
  const parts: string[] = [];
  let bar = '';
  if (barWidth > 0 && fraction !== undefined) {
    const filled = Math.round(fraction * barWidth);
    bar = `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] `;
  }
  parts.push(fraction === undefined ? amount : `${amount} (${Math.floor(fraction * 100)}%)`);
  parts.push(p.unit === 'bytes' ? `${formatBytes(rate)}/s` : `${count(rate)} rows/s`);
  if (p.errors !== undefined) parts.push(`${count(p.errors)} errors`);
  if (fraction !== undefined && fraction < 1 && rate > 0) parts.push(`ETA ${formatDuration((p.total! - p.done) / rate)}`);
  return `${p.phase}: ${bar}${parts.join('  ')}`;
}

/** Writes progress to a stream: redrawn in place when it is a terminal, else a line at most every `everyMs`. */
export class ProgressDisplay {
  private drawn = false;
  private lastDraw = 0;
  // The first periodic line waits a full period, so short work shows only its final line.
  private lastLine: number;

  constructor(
    private readonly out: { write(text: string): unknown; isTTY?: boolean },
    private readonly everyMs = 2000,
    private readonly now: () => number = Date.now,
  ) {
    this.lastLine = now();
  }

  /** Shows the state if it is time to (a terminal: always; a log: every `everyMs`). */
  update(state: ProgressState): void {
    const t = this.now();
    if (this.out.isTTY) {
      // Ten redraws a second are smooth; one per uploaded chunk would flood a slow terminal.
      if (this.drawn && t - this.lastDraw < 100) return;
      this.lastDraw = t;
      this.out.write(`\r${progressText(state, 24)}\u001b[K`);
      this.drawn = true;
      return;
    }
    if (t - this.lastLine < this.everyMs) return;
    this.lastLine = t;
    this.out.write(progressText(state) + '\n');
  }

  /** Shows the final state of a phase, always, and ends the terminal line. */
  finish(state: ProgressState): void {
    if (this.out.isTTY) this.out.write(`\r${progressText(state, 24)}\u001b[K\n`);
    else this.out.write(progressText(state) + '\n');
    this.drawn = false;
    this.lastLine = this.now();
  }

  /** Ends a redrawn line before other output, so messages do not land on top of the bar. */
  interrupt(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}
