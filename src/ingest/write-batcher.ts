/**
 * Group commit across streaming requests: the writes of one sandbox that queue while its previous group commits are
 * merged into one transaction and one write (`IngestService.commitGroup`). On PostgreSQL a request otherwise pays
 * its own round trips for every statement and its own turn at the sandbox's graph lock; grouped, a burst pays once.
 */
import type { Committer, IngestService, PreparedWrite, WriteOutcome } from './ingest.service.js';

interface Pending {
  readonly prepared: PreparedWrite;
  readonly inletId: string | undefined;
  readonly resolve: (outcome: WriteOutcome) => void;
  readonly reject: (err: unknown) => void;
}

/** Queues streaming writes per sandbox and commits each sandbox's queue as one group, sandboxes side by side. */
export class WriteBatcher {
  private readonly queues = new Map<number, Pending[]>();
  private readonly running = new Set<number>();

  /** `maxRecords` bounds a group (a transaction's size and the work a failure makes its requests redo alone). */
  constructor(
    private readonly ingest: IngestService,
    private readonly maxRecords = 5_000,
  ) {}

  /** The committer to give `IngestService.useCommitter`; batch writes (with a batch id) commit alone. */
  readonly commit: Committer = (tenantId, prepared, batchId, inletId) => {
    if (batchId !== null) return this.ingest.commit(tenantId, prepared, batchId, inletId);
    return new Promise<WriteOutcome>((resolve, reject) => {
      const queue = this.queues.get(tenantId) ?? [];
      queue.push({ prepared, inletId, resolve, reject });
      this.queues.set(tenantId, queue);
      if (!this.running.has(tenantId)) void this.drain(tenantId);
    });
  };

  private async drain(tenantId: number): Promise<void> {
    this.running.add(tenantId);
    try {
      for (let queue = this.queues.get(tenantId); queue && queue.length > 0; queue = this.queues.get(tenantId)) {
        let records = 0;
        let n = 0;
        while (n < queue.length && (n === 0 || records + queue[n]!.prepared.records.length <= this.maxRecords)) records += queue[n++]!.prepared.records.length;
        await this.run(tenantId, queue.splice(0, n));
      }
    } finally {
      this.running.delete(tenantId);
      this.queues.delete(tenantId);
    }
  }

  private async run(tenantId: number, group: readonly Pending[]): Promise<void> {
    if (group.length === 1) {
      const [only] = group;
      return this.ingest.commit(tenantId, only!.prepared, null, only!.inletId).then(only!.resolve, only!.reject);
    }
    let answers: Array<WriteOutcome | Error>;
    try {
      answers = await this.ingest.commitGroup(tenantId, group);
    } catch {
      // Something failed the whole transaction: each request runs alone, in arrival order (a later record for the
      // same fragment must still win), so only the one at fault fails.
      for (const p of group) await this.ingest.commit(tenantId, p.prepared, null, p.inletId).then(p.resolve, p.reject);
      return;
    }
    group.forEach((p, i) => {
      const answer = answers[i]!;
      if (answer instanceof Error) p.reject(answer);
      else p.resolve(answer);
    });
  }
}
