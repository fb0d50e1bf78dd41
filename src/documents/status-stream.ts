// The HTTP side of live status: a Server-Sent Events stream of `status` events that ends once
// the document is ready or failed (or gone), with heartbeat comments so proxies keep it open.
import type { Request, Response } from 'express';
import type { StatusEvent } from './documents.schemas.js';
import { isFinalStatus, type DocumentStatusWatcher } from './status-events.js';

const HEARTBEAT_MS = 15_000;

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
