/** Identifier generation shared by every domain: random, URL-safe and sortable where order matters. */
import { randomBytes, randomUUID } from 'node:crypto';

/** A random UUID v4, the shape AEP uses for sandbox and job ids. */
export function uuid(): string {
  return randomUUID();
}

/** A 32-hex-character id that sorts by creation time (ms timestamp first), like AEP's batch and dataset ids. */
export function sortableId(now = Date.now()): string {
  return now.toString(16).padStart(12, '0') + randomBytes(10).toString('hex');
}
