// Live status for the SSE endpoint. On a Postgres server every status change is announced with
// NOTIFY on channel document_status (a trigger, migrations/0030), and each process holds one
// LISTEN connection (direct, never through a transaction pooler) while anyone watches: a change
// committed by any worker on any machine reaches every node's streams at once. Notifications are
// not delivered through the embedded database's socket (pglite-socket passes raw protocol bytes
// of one shared session), so there, and while the LISTEN connection is down or reconnecting, one
// shared poller per process reads the status of every watched document in one query per tick.
import pg from 'pg';
import type { Logger } from 'pino';
import type { StatusEvent } from './documents.schemas.js';
import { selectDocumentStatuses } from './documents.repo.js';

export type StatusListener = (event: StatusEvent, ended: boolean) => void;

interface Watch {
  listener: StatusListener;
  last: string;
}

export const STATUS_CHANNEL = 'document_status';
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 10_000;

/** Statuses after which nothing more happens to a document on its own. */
export const isFinalStatus = (status: StatusEvent['status']) => status !== 'processing';

export interface StatusWatcherOptions {
  /** Poll period when there are no notifications (embedded database, LISTEN connection down). */
  intervalMs?: number;
  /** A direct connection string for LISTEN; unset: poll only. */
  listenUrl?: string;
}

export class DocumentStatusWatcher {
  private readonly watches = new Map<number, Set<Watch>>();
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  private readonly listenUrl: string | undefined;
  private listener: pg.Client | null = null;
  /** The LISTEN is in place: notifications, not the poller, drive the streams. */
  private listening = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private reconnectDelay = RECONNECT_MIN_MS;
  private pending = new Set<number>();
  private flushing = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: Logger,
    options: StatusWatcherOptions | number = {},
  ) {
    const o = typeof options === 'number' ? { intervalMs: options } : options;
    this.intervalMs = o.intervalMs ?? 1_000;
    this.listenUrl = o.listenUrl;
  }

  /**
   * Calls `listener` whenever the document's status differs from what it was last told
   * (starting from `initial`); `ended` is true when the document is gone. Returns the unsubscribe.
   */
  watch(documentId: number, initial: StatusEvent, listener: StatusListener): () => void {
    const entry: Watch = { listener, last: JSON.stringify(initial) };
    let set = this.watches.get(documentId);
    if (!set) this.watches.set(documentId, (set = new Set()));
    set.add(entry);
    this.adjust();
    return () => {
      set.delete(entry);
      if (set.size === 0) this.watches.delete(documentId);
      this.adjust();
    };
  }

  /** Whether status changes currently arrive as notifications (for tests and the log). */
  get usesNotifications(): boolean {
    return this.listening;
  }

  /** Ends the LISTEN connection and the poller (process shutdown). */
  async close(): Promise<void> {
    this.watches.clear();
    this.adjust();
    await this.disconnect();
  }

  /** Runs the poller only while someone watches and no LISTEN is in place; connects LISTEN while someone watches. */
  private adjust(): void {
    const wanted = this.watches.size > 0;
    if (wanted && this.listenUrl && !this.listener && !this.reconnectTimer) void this.connect();
    if (!wanted && this.listener) void this.disconnect();
    const poll = wanted && !this.listening;
    if (poll && !this.timer) {
      this.timer = setInterval(() => void this.poll(), this.intervalMs);
      this.timer.unref();
    } else if (!poll && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.listenUrl, application_name: 'wenku-status-listener' });
    this.listener = client;
    const lost = (err?: Error) => {
      if (this.listener !== client) return;
      if (err) this.log.warn({ err }, 'status listener connection lost; polling until it is back');
      this.listener = null;
      this.listening = false;
      client.removeAllListeners('notification');
      void client.end().catch(() => undefined);
      this.adjust();
      if (this.watches.size > 0) this.scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (msg) => {
      const id = Number(msg.payload);
      if (msg.channel === STATUS_CHANNEL && this.watches.has(id)) this.enqueue(id);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${STATUS_CHANNEL}`);
    } catch (err) {
      lost(err as Error);
      return;
    }
    if (this.listener !== client) return;
    this.listening = true;
    this.reconnectDelay = RECONNECT_MIN_MS;
    this.adjust();
    // A change committed before the LISTEN took effect sent its notification to nobody.
    await this.poll();
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer) return;
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, RECONNECT_MAX_MS);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.watches.size > 0 && !this.listener) void this.connect();
    }, delay);
    this.reconnectTimer.unref();
  }

  private async disconnect(): Promise<void> {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const client = this.listener;
    this.listener = null;
    this.listening = false;
    if (client) {
      client.removeAllListeners();
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
    }
  }

  /** Notifications for the same documents within one turn of the event loop are read in one query. */
  private enqueue(id: number): void {
    this.pending.add(id);
    if (this.flushing) return;
    this.flushing = true;
    setImmediate(() => {
      const ids = [...this.pending];
      this.pending = new Set();
      void this.check(ids).finally(() => {
        this.flushing = false;
        if (this.pending.size) this.enqueue([...this.pending][0]!);
      });
    });
  }

  private async poll(): Promise<void> {
    if (this.polling || this.watches.size === 0) return;
    this.polling = true;
    try {
      await this.check([...this.watches.keys()]);
    } finally {
      this.polling = false;
    }
  }

  private async check(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    try {
      const rows = await selectDocumentStatuses(this.pool, ids);
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const id of ids) {
        const set = this.watches.get(id);
        if (!set) continue;
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
      this.log.warn({ err }, 'could not read document statuses');
    }
  }
}
