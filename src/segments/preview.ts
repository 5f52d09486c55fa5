/** A preview (and its estimate): what it evaluates, what it found so far, and the estimate's arithmetic. */
import { randomUUID } from 'node:crypto';
import type { ScanCursor } from '../jobs/export/profile-scan.js';

/** The job kind of previews. */
export const PREVIEW_JOB = 'segment-preview';

/** People a preview keeps to page through (matches past it are counted, not listed). */
export const PREVIEW_RESULTS_MAX = 10_000;

/** People evaluated first, chosen at random, for the estimate. */
export const ESTIMATE_SAMPLE = 1_000;

/** One person a preview found: their XID and their identities (each with its XID when the namespace is known). */
export interface PreviewPerson {
  readonly objectId: string;
  readonly identities: ReadonlyArray<{ readonly namespace: string; readonly id: string; readonly xid?: string }>;
}

/** Counts of a pass: people read, people matched, and matched people by identity namespace. */
export interface PreviewCounts {
  read: number;
  matched: number;
  byNamespace: Record<string, number>;
}

/** A preview's stored state. */
export interface Preview {
  readonly tenantId: number;
  readonly id: string;
  readonly queryId: string;
  readonly executionId: number;
  readonly expression: string;
  readonly graphType: 'pdg' | 'none';
  /** The people of the sandbox when the preview started (what the estimate extrapolates to). */
  readonly totalRows: number;
  readonly state: 'RUNNING' | 'RESULT_READY' | 'FAILED' | 'CANCELLED';
  readonly sample: PreviewCounts;
  readonly scan: PreviewCounts;
  readonly cursor: ScanCursor | null;
  readonly results: readonly PreviewPerson[];
  readonly error?: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A new preview's ids: AEP's previewId is base64 of `0:<n>:<previewQueryId>:<executionId>`. */
export function previewIds(): { id: string; queryId: string; executionId: number } {
  const queryId = randomUUID();
  const executionId = 1;
  return { id: Buffer.from(`0:0:${queryId}:${executionId}`).toString('base64url'), queryId, executionId };
}

/** The estimate AEP answers: from the whole scan once it is done (exact), else from the random sample. */
export function estimateOf(p: Preview): { estimatedSize: number; standardError: number; read: number; matched: number; byNamespace: Record<string, number> } {
  if (p.state === 'RESULT_READY') return { estimatedSize: p.scan.matched, standardError: 0, read: p.scan.read, matched: p.scan.matched, byNamespace: p.scan.byNamespace };
  const n = p.sample.read;
  const N = Math.max(p.totalRows, n);
  if (n === 0) return { estimatedSize: 0, standardError: 0, read: 0, matched: 0, byNamespace: {} };
  const share = p.sample.matched / n;
  // The standard error of a proportion from a sample without replacement (finite population correction), in people.
  const fpc = N > 1 ? Math.sqrt((N - n) / (N - 1)) : 0;
  const standardError = N * Math.sqrt((share * (1 - share)) / n) * fpc;
  const scale = N / n;
  return {
    estimatedSize: Math.round(share * N),
    standardError: Math.round(standardError * 100) / 100,
    read: n,
    matched: p.sample.matched,
    byNamespace: Object.fromEntries(Object.entries(p.sample.byNamespace).map(([ns, c]) => [ns, Math.round(c * scale)])),
  };
}
