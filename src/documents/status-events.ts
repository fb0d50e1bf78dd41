// Live status for the SSE endpoint. One shared poller per process reads the status of every
// watched document in one query per tick (LISTEN/NOTIFY does not pass through the embedded
// database's socket, and a query loop per connection would not scale); it runs only while
// someone is watching.
import type pg from 'pg';
import type { Logger } from 'pino';
import type { StatusEvent } from './documents.schemas.js';
import { selectDocumentStatuses } from './documents.repo.js';

export type StatusListener = (event: StatusEvent, ended: boolean) => void;

interface Watch {
  listener: StatusListener;
  last: string;
}

/** Statuses after which nothing more happens to a document on its own. */
export const isFinalStatus = (status: StatusEvent['status']) => status !== 'processing';

export class DocumentStatusWatcher {
  private readonly watches = new Map<number, Set<Watch>>();
  private timer: NodeJS.Timeout | null = null;
  private polling = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: Logger,
    private readonly intervalMs = 1_000,
  ) {}

  /**
   * Calls `listener` whenever the document's status differs from what it was last told
   * (starting from `initial`); `ended` is true when the document is gone. Returns the unsubscribe.
   */
  watch(documentId: number, initial: StatusEvent, listener: StatusListener): () => void {
    const entry: Watch = { listener, last: JSON.stringify(initial) };
    let set = this.watches.get(documentId);
    if (!set) this.watches.set(documentId, (set = new Set()));
    set.add(entry);
    if (!this.timer) {
      this.timer = setInterval(() => void this.poll(), this.intervalMs);
      this.timer.unref();
    }
    return () => {
      set.delete(entry);
      if (set.size === 0) this.watches.delete(documentId);
      if (this.watches.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
    };
  }

  private async poll(): Promise<void> {
    if (this.polling || this.watches.size === 0) return;
    this.polling = true;
    try {
      const rows = await selectDocumentStatuses(this.pool, [...this.watches.keys()]);
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const [id, set] of this.watches) {
        const row = byId.get(id);
        for (const watch of [...set]) {
          if (!row || row.hidden) {
            watch.listener(JSON.parse(watch.last) as StatusEvent, true);
            continue;
          }
          const event: StatusEvent = { status: row.status, failureReason: row.failureReason, pages: row.pages };
          const text = JSON.stringify(event);
          if (text === watch.last) continue;
          watch.last = text;
          watch.listener(event, false);
        }
      }
    } catch (err) {
      this.log.warn({ err }, 'could not poll document statuses');
    } finally {
      this.polling = false;
    }
  }
}
