// Document views are counted in memory and written in one statement every few seconds, so a busy
// document page never turns each view into a row-locking write. A view counts at most once per
// viewer (an account, or an anonymous reader by IP: a User-Agent is the client's to change at will,
// so one address rotating it stays one viewer) per document per day, and never
// the uploader's own (the caller decides that), so 「热门」 cannot be bought with a reload loop.
// The database decides what is a first view (document_view_marks), so the rule holds across
// processes; the in-memory set only spares it the obvious repeats. Flushed on shutdown; a crash
// loses at most one interval's views, which is fine for a popularity figure.
import { createHash } from 'node:crypto';
import type { Request } from 'express';
import type pg from 'pg';
import type { Logger } from 'pino';
import { addFirstViewsOfTheDay, deleteViewMarksBefore } from './view-marks.repo.js';
import { calendarDay } from '../../public/js/format.js';

/** Who is viewing: `u:<id>` for an account, else `a:` and a hash of the IP (never its User-Agent, issue 27 item 10). */
export function viewerKey(userId: number | null | undefined, ip: string | undefined): string {
  if (userId) return `u:${userId}`;
  return `a:${createHash('sha256').update(`${ip ?? ''}`).digest('base64url').slice(0, 22)}`;
}

/** The viewer of an HTTP request (its account, else its IP). */
export function viewerOfRequest(req: Request): string {
  return viewerKey(req.actor?.userId, req.ip);
}

/** Past this many remembered (document, viewer) pairs the set starts over; the database still dedupes. */
const MAX_REMEMBERED = 200_000;

export class ViewCounter {
  /** Views not yet written, per day: `documentId viewer` pairs. */
  private pending = new Map<string, { documentIds: number[]; viewers: string[] }>();
  private unsavedByDocument = new Map<number, number>();
  private seen = new Set<string>();
  private seenDay = '';
  private purgedBefore = '';
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: Logger,
    private readonly intervalMs = 5_000,
    private readonly now: () => Date = () => new Date(),
    /** The zone whose calendar days a view counts once in (TIMEZONE), and the studio's chart shows. */
    private readonly timeZone = 'UTC',
  ) {}

  private dayOf(at: Date): string {
    return calendarDay(at, this.timeZone);
  }

  /** Counts a view of the document by `viewer` (see viewerKey) unless they viewed it today already. */
  count(documentId: number, viewer: string): void {
    const day = this.dayOf(this.now());
    if (day !== this.seenDay) {
      this.seenDay = day;
      this.seen.clear();
    }
    const pair = `${documentId} ${viewer}`;
    if (this.seen.has(pair)) return;
    if (this.seen.size >= MAX_REMEMBERED) this.seen.clear();
    this.seen.add(pair);
    let batch = this.pending.get(day);
    if (!batch) this.pending.set(day, (batch = { documentIds: [], viewers: [] }));
    batch.documentIds.push(documentId);
    batch.viewers.push(viewer);
    this.unsavedByDocument.set(documentId, (this.unsavedByDocument.get(documentId) ?? 0) + 1);
    if (!this.timer) {
      this.timer = setInterval(() => void this.flush(), this.intervalMs);
      this.timer.unref();
    }
  }

  /** Views counted but not yet written, so a response can include its own view. */
  unsaved(documentId: number): number {
    return this.unsavedByDocument.get(documentId) ?? 0;
  }

  /** Writes what is pending (one statement per day); on failure the views are kept for the next try. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0) {
        if (this.timer) clearInterval(this.timer);
        this.timer = null;
        return;
      }
      const batches = this.pending;
      this.pending = new Map();
      this.unsavedByDocument = new Map();
      for (const [day, batch] of batches) {
        try {
          await addFirstViewsOfTheDay(this.pool, { day, ...batch });
        } catch (err) {
          this.log.warn({ err }, 'could not save view counts; keeping them for the next flush');
          this.keep(day, batch);
        }
      }
      await this.purgeOldMarks();
    });
    return this.flushing;
  }

  private keep(day: string, batch: { documentIds: number[]; viewers: string[] }): void {
    let target = this.pending.get(day);
    if (!target) this.pending.set(day, (target = { documentIds: [], viewers: [] }));
    target.documentIds.push(...batch.documentIds);
    target.viewers.push(...batch.viewers);
    for (const id of batch.documentIds) this.unsavedByDocument.set(id, (this.unsavedByDocument.get(id) ?? 0) + 1);
  }

  /** Once a day per process: marks before yesterday can no longer hold back a view. */
  private async purgeOldMarks(): Promise<void> {
    const yesterday = this.dayOf(new Date(this.now().getTime() - 24 * 3600 * 1000));
    if (yesterday === this.purgedBefore) return;
    try {
      await deleteViewMarksBefore(this.pool, yesterday);
      this.purgedBefore = yesterday;
    } catch (err) {
      this.log.warn({ err }, 'could not delete old view marks');
    }
  }

  /** Stops the timer and writes what is left. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }
}
