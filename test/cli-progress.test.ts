/** The import's progress display: a redrawn bar on a terminal, throttled plain lines otherwise, with rate, errors and ETA. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProgressDisplay, formatBytes, formatDuration, progressText } from '../src/cli/progress.js';

const state = { phase: 'importing', unit: 'rows' as const, done: 25_000, total: 100_000, errors: 3, elapsedMs: 5_000 };

describe('import progress', () => {
  it('says rows of the total, percent, rate, errors and the time left', () => {
    assert.equal(progressText(state), 'importing: 25,000 / 100,000 rows (25%)  5,000 rows/s  3 errors  ETA 15s');
    assert.equal(progressText(state, 8), 'importing: [##------] 25,000 / 100,000 rows (25%)  5,000 rows/s  3 errors  ETA 15s');
    assert.equal(progressText({ ...state, total: undefined }), 'importing: 25,000 rows  5,000 rows/s  3 errors');
    assert.equal(progressText({ ...state, done: 100_000 }), 'importing: 100,000 / 100,000 rows (100%)  20,000 rows/s  3 errors');
    assert.equal(progressText({ phase: 'uploading', unit: 'bytes', done: 3 * 1024 * 1024, total: 12 * 1024 * 1024, elapsedMs: 1000 }), 'uploading: 3.0 MB / 12.0 MB (25%)  3.0 MB/s  ETA 3s');
    assert.deepEqual([formatBytes(512), formatBytes(48_300), formatDuration(125), formatDuration(3720)], ['512 B', '47.2 KB', '2m05s', '1h02m']);
  });

  it('redraws one line on a terminal and writes a line per period otherwise, always ending with the final state', () => {
    const tty: string[] = [];
    const bar = new ProgressDisplay({ isTTY: true, write: (t: string) => tty.push(t) });
    bar.update(state);
    bar.finish({ ...state, done: 100_000 });
    assert.ok(tty.every((t) => t.startsWith('\r')));
    assert.match(tty[0]!, /\[######-+\] 25,000/);
    assert.ok(tty[1]!.endsWith('\n'));

    let now = 0;
    const log: string[] = [];
    const lines = new ProgressDisplay({ write: (t: string) => log.push(t) }, 2000, () => now);
    lines.update(state);
    now = 1999;
    lines.update(state);
    assert.equal(log.length, 0, 'short work shows only its final line');
    now = 2000;
    lines.update(state);
    now = 3000;
    lines.update(state);
    lines.finish({ ...state, done: 100_000 });
    assert.equal(log.length, 2);
    assert.ok(log.every((l) => l.endsWith('\n') && !l.includes('\r')));
    assert.match(log[1]!, /100,000 \/ 100,000 rows \(100%\)/);
  });
});
