import { pino, type DestinationStream, type Logger } from 'pino';

/** The most log output held in memory while stdout does not take it; past it, lines are dropped and counted. */
export const LOG_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * Where the log goes: process.stdout, never waiting for it. pino's default destination writes
 * synchronously (a full pipe blocks the whole process, in write(2) or in Atomics.wait retrying
 * EAGAIN), and its asynchronous one (sonic-boom, `sync: false`) writes with fs.write on libuv's
 * thread pool, which blocks a pool thread on a full blocking pipe, and then the process's exit,
 * which waits for that thread; its exit handler also flushes synchronously. process.stdout is a
 * libuv stream for pipes and sockets: writes go out when the reader takes them, never blocking.
 * What it holds is bounded here: past LOG_BUFFER_BYTES a line is dropped and counted, and the
 * count is logged once stdout takes lines again.
 */
export class StdoutDestination implements DestinationStream {
  /** Lines dropped since the process started. */
  dropped = 0;
  private droppedUnreported = 0;
  private broken = false;

  constructor(
    private readonly out: NodeJS.WritableStream & { writableLength: number } = process.stdout,
    private readonly maxBytes = LOG_BUFFER_BYTES,
  ) {
    // A reader that went away (EPIPE) ends logging, not the process.
    out.on('error', () => {
      this.broken = true;
    });
  }

  write(line: string): void {
    if (this.broken || this.out.writableLength + line.length > this.maxBytes) {
      this.dropped++;
      this.droppedUnreported++;
      return;
    }
    if (this.droppedUnreported > 0) {
      const notice = { level: 40, time: Date.now(), service: 'wenku', dropped: this.droppedUnreported, msg: 'log lines dropped: stdout was not being read' };
      this.droppedUnreported = 0;
      this.out.write(`${JSON.stringify(notice)}\n`);
    }
    this.out.write(line);
  }
}

export function createLogger(level: string, destination: DestinationStream = new StdoutDestination()): Logger {
  return pino(
    {
      level,
      base: { service: 'wenku' },
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'], remove: true },
    },
    destination,
  );
}
