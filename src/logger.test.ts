import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createLogger, StdoutDestination } from './logger.js';

/** A stdout whose reader takes nothing until told to. */
class StalledPipe extends EventEmitter {
  writableLength = 0;
  lines: string[] = [];
  write(chunk: string) {
    this.writableLength += chunk.length;
    this.lines.push(chunk);
    return false;
  }
  drainAll() {
    this.writableLength = 0;
  }
}

describe('the log destination', () => {
  it('when stdout takes nothing, then lines past the bound are dropped and counted, never waited for, and the count is logged once it takes lines again', () => {
    const pipe = new StalledPipe();
    const destination = new StdoutDestination(pipe as unknown as NodeJS.WritableStream & { writableLength: number }, 10_000);
    const log = createLogger('info', destination);
    for (let i = 0; i < 1_000; i++) log.info({ i }, 'a line of about sixty bytes of log output');
    expect(pipe.writableLength).toBeLessThanOrEqual(10_000);
    const kept = pipe.lines.length;
    expect(destination.dropped).toBe(1_000 - kept);
    pipe.drainAll();
    log.info('after the reader came back');
    const notice = JSON.parse(pipe.lines.at(-2)!) as { dropped: number; msg: string };
    expect(notice.dropped).toBe(1_000 - kept);
    expect(JSON.parse(pipe.lines.at(-1)!).msg).toBe('after the reader came back');
  });

  it('when the reader has gone (EPIPE), then logging drops lines instead of throwing', () => {
    const pipe = new StalledPipe();
    const destination = new StdoutDestination(pipe as unknown as NodeJS.WritableStream & { writableLength: number });
    pipe.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    createLogger('info', destination).info('nobody hears this');
    expect(pipe.lines).toHaveLength(0);
    expect(destination.dropped).toBe(1);
  });
});
