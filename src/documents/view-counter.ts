// Document views are counted in memory and written in one UPDATE every few seconds, so a busy
// document page never turns each view into a row-locking write. Flushed on shutdown; a crash
// loses at most one interval's views, which is fine for a popularity figure.
import type pg from 'pg';
import type { Logger } from 'pino';
import { addDocumentViews } from './documents.repo.js';

export class ViewCounter {
  private pending = new Map<number, number>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: Logger,
    private readonly intervalMs = 5_000,
  ) {}

  /** Counts one view of the document. */
  count(documentId: number): void {
    this.pending.set(documentId, (this.pending.get(documentId) ?? 0) + 1);
    if (!this.timer) {
      this.timer = setInterval(() => void this.flush(), this.intervalMs);
      this.timer.unref();
    }
  }

  /** Views counted but not yet written, so a response can include its own view. */
  unsaved(documentId: number): number {
    return this.pending.get(documentId) ?? 0;
  }

  /** Writes what is pending (one statement); on failure the counts are kept for the next try. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0) {
        if (this.timer) clearInterval(this.timer);
        this.timer = null;
        return;
      }
      const batch = this.pending;
      this.pending = new Map();
      try {
        await addDocumentViews(this.pool, [...batch.keys()], [...batch.values()]);
      } catch (err) {
        this.log.warn({ err }, 'could not save view counts; keeping them for the next flush');
        for (const [id, n] of batch) this.pending.set(id, (this.pending.get(id) ?? 0) + n);
      }
    });
    return this.flushing;
  }

  /** Stops the timer and writes what is left. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }
}
