/** Runs the load generator in its own process (it shares the 2 cores with the server, as a real client would). */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DriveConfig } from './drive.js';

/** What one load run measured. */
export interface DriveResult {
  requestsPerSecond: number;
  total: number;
  /** autocannon's figure: an `amount` run's is rounded up to its next whole-second sample. */
  duration: number;
  /** Exact wall time from the start to the last answer; what a fixed-count rate must divide by. */
  seconds: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  status2xx: number;
}

const DRIVER = fileURLToPath(new URL('./drive.ts', import.meta.url));

/** Drives the server and returns the result. */
export function drive(config: DriveConfig): Promise<DriveResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', DRIVER, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`load generator exited ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as DriveResult);
    });
  });
}
