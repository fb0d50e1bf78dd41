// The HTTP side of live status: a Server-Sent Events stream of `status` events that ends once
// the document is ready or failed (or gone), with heartbeat comments so proxies keep it open.
import type { Request, Response } from 'express';
import { AppError } from '../errors.js';
import type { StatusEvent } from './documents.schemas.js';
import { isFinalStatus, type DocumentStatusWatcher } from './status-events.js';

const HEARTBEAT_MS = 15_000;
/** Open streams one account (or one IP without an account) may hold in one process at once. */
export const MAX_STREAMS_PER_CLIENT = 10;

/**
 * Counts open event streams per client, so a script cannot hold thousands of connections (each
 * a socket and a watcher) open. One per process; a slot is freed when its response closes.
 */
export class StreamSlots {
  private open = new Map<string, number>();
  constructor(private readonly max = MAX_STREAMS_PER_CLIENT) {}

  /** Takes a slot for this request's client until `res` closes; 429 rate_limited when all are taken. */
  acquire(req: Request, res: Response): void {
    const key = req.actor ? `user:${req.actor.userId}` : `ip:${req.ip ?? ''}`;
    const n = this.open.get(key) ?? 0;
    if (n >= this.max) {
      res.setHeader('Retry-After', '30');
      throw new AppError('rate_limited', `同时打开的状态连接过多（最多 ${this.max} 个）(too many open event streams)`);
    }
    this.open.set(key, n + 1);
    let released = false;
    res.on('close', () => {
      if (released) return;
      released = true;
      const left = (this.open.get(key) ?? 1) - 1;
      if (left > 0) this.open.set(key, left);
      else this.open.delete(key);
    });
  }

  /** Open streams of all clients (for tests and metrics). */
  get size(): number {
    let total = 0;
    for (const n of this.open.values()) total += n;
    return total;
  }
}

export function streamDocumentStatus(
  req: Request,
  res: Response,
  watcher: DocumentStatusWatcher,
  documentId: number,
  initial: StatusEvent,
): void {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    'X-Accel-Buffering': 'no', // nginx: pass events through as they come
    Connection: 'keep-alive',
  });
  const send = (event: StatusEvent) => res.write(`event: status\ndata: ${JSON.stringify(event)}\n\n`);
  res.write('retry: 3000\n\n');
  send(initial);
  if (isFinalStatus(initial.status)) {
    res.end();
    return;
  }
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  let unwatch = () => {};
  const finish = () => {
    clearInterval(heartbeat);
    unwatch();
    if (!res.writableEnded) res.end();
  };
  unwatch = watcher.watch(documentId, initial, (event, ended) => {
    if (!ended) send(event);
    if (ended || isFinalStatus(event.status)) finish();
  });
  req.on('close', finish);
}
