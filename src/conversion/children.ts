// A small pool of long-lived helper processes, each doing one job at a time, with a hard timeout
// per job. A child that times out, crashes or grows too big is killed and replaced; the job that
// was running gets a ChildFailure and the caller decides what to tell the user.
import { type ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';

export class ChildFailure extends Error {
  constructor(
    readonly kind: 'timeout' | 'crashed' | 'closed',
    message: string,
  ) {
    super(message);
  }
}

interface Job<Req, Rep> {
  req: Req;
  timeoutMs: number;
  resolve: (r: Rep) => void;
  reject: (e: Error) => void;
}

export interface PoolChild<Req, Rep> {
  /** Sends one job; resolves with its reply, rejects with ChildFailure when the child dies. */
  run(req: Req): Promise<Rep>;
  kill(): void;
  /** Asks for a clean exit. */
  shutdown(): Promise<void>;
  jobsDone: number;
  lastRss: number;
  process: ChildProcess | null;
}

export class Pool<Req, Rep> {
  private readonly idle: Array<PoolChild<Req, Rep>> = [];
  private readonly all = new Set<PoolChild<Req, Rep>>();
  private readonly waiting: Array<Job<Req, Rep>> = [];
  private starting = 0;
  private closed = false;

  constructor(
    private readonly name: string,
    private readonly size: number,
    private readonly spawn: () => Promise<PoolChild<Req, Rep>>,
    private readonly retire: (child: PoolChild<Req, Rep>) => boolean,
    private readonly log: Logger,
  ) {}

  run(req: Req, timeoutMs: number): Promise<Rep> {
    if (this.closed) return Promise.reject(new ChildFailure('closed', `${this.name} pool is closed`));
    return new Promise<Rep>((resolve, reject) => {
      this.waiting.push({ req, timeoutMs, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.waiting.length > 0 && this.idle.length > 0) {
      const child = this.idle.pop()!;
      const job = this.waiting.shift()!;
      void this.execute(child, job);
    }
    if (this.waiting.length > this.starting && this.all.size + this.starting < this.size) {
      this.starting++;
      this.spawn().then(
        (child) => {
          this.starting--;
          if (this.closed) {
            void child.shutdown();
            return;
          }
          this.all.add(child);
          this.idle.push(child);
          this.pump();
        },
        (err: Error) => {
          this.starting--;
          this.log.error({ err }, `${this.name}: could not start a helper process`);
          // Nothing can run: fail the jobs that would have waited for this child.
          const job = this.waiting.shift();
          job?.reject(new ChildFailure('crashed', `${this.name} could not start: ${err.message}`));
          this.pump();
        },
      );
    }
  }

  private async execute(child: PoolChild<Req, Rep>, job: Job<Req, Rep>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    let keep = true;
    try {
      const reply = await Promise.race([
        child.run(job.req),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new ChildFailure('timeout', `${this.name} took longer than ${job.timeoutMs} ms`)), job.timeoutMs);
        }),
      ]);
      child.jobsDone++;
      job.resolve(reply);
    } catch (err) {
      keep = false;
      job.reject(err as Error);
    } finally {
      clearTimeout(timer);
    }
    if (!keep || this.closed || this.retire(child)) {
      this.all.delete(child);
      if (keep) await child.shutdown().catch(() => child.kill());
      else child.kill();
    } else {
      this.idle.push(child);
    }
    this.pump();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.waiting.splice(0)) job.reject(new ChildFailure('closed', `${this.name} pool is closed`));
    const children = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.all(children.map((c) => c.shutdown().catch(() => c.kill())));
  }
}
