// Parent side of mammoth-child.ts: forks it with a capped V8 heap, one job at a time per child.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { ChildFailure, Pool, type PoolChild } from './children.js';
import type { MammothReply, MammothRequest } from './mammoth-child.js';

export interface MammothLimits {
  heapMb: number;
  timeoutMs: number;
  maxInflatedBytes: number;
  maxImageBytes: number;
}

export const DEFAULT_MAMMOTH_LIMITS: MammothLimits = {
  heapMb: 512,
  timeoutMs: 60_000,
  maxInflatedBytes: 200 * 1024 * 1024,
  maxImageBytes: 10 * 1024 * 1024,
};

function childEntry(): { file: string; execArgv: string[] } {
  const self = fileURLToPath(import.meta.url);
  // From source (tsx, vitest) the child is a .ts file and needs the tsx loader; built, it is .js.
  if (self.endsWith('.ts')) return { file: self.replace(/mammoth-runner\.ts$/u, 'mammoth-child.ts'), execArgv: ['--import', 'tsx'] };
  return { file: self.replace(/mammoth-runner\.js$/u, 'mammoth-child.js'), execArgv: [] };
}

let nextId = 1;

function spawnChild(limits: MammothLimits, log: Logger): Promise<PoolChild<MammothRequest, MammothReply>> {
  const { file, execArgv } = childEntry();
  const proc = fork(file, [], {
    execArgv: [...execArgv, `--max-old-space-size=${limits.heapMb}`],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
  let stderr = '';
  proc.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-2000);
  });
  let pending: { id: number; resolve: (r: MammothReply) => void; reject: (e: Error) => void } | null = null;
  let exited = false;
  proc.on('message', (reply: MammothReply) => {
    if (pending && reply.id === pending.id) {
      const p = pending;
      pending = null;
      p.resolve(reply);
    }
  });
  proc.on('exit', (code, signal) => {
    exited = true;
    if (pending) {
      const oom = /heap out of memory|Allocation failed/u.test(stderr);
      log.warn({ code, signal, oom }, 'mammoth child exited during a job');
      pending.reject(new ChildFailure('crashed', oom ? 'out of memory' : `exited with ${signal ?? code}`));
      pending = null;
    }
  });
  const child: PoolChild<MammothRequest, MammothReply> = {
    jobsDone: 0,
    lastRss: 0,
    process: proc,
    run(req) {
      return new Promise<MammothReply>((resolve, reject) => {
        if (exited) {
          reject(new ChildFailure('crashed', 'mammoth child is gone'));
          return;
        }
        pending = { id: req.id, resolve: (r) => { child.lastRss = r.rss; resolve(r); }, reject };
        proc.send(req);
      });
    },
    kill() {
      if (!exited) proc.kill('SIGKILL');
    },
    async shutdown() {
      if (exited) return;
      proc.disconnect();
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          proc.kill('SIGKILL');
          resolve();
        }, 2000);
        proc.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
      });
    },
  };
  return new Promise((resolve, reject) => {
    proc.once('spawn', () => resolve(child));
    proc.once('error', reject);
  });
}

export class MammothRunner {
  private readonly pool: Pool<MammothRequest, MammothReply>;

  constructor(
    size: number,
    private readonly limits: MammothLimits,
    log: Logger,
  ) {
    this.pool = new Pool(
      'mammoth',
      size,
      () => spawnChild(limits, log),
      // A heap that grew on a big document is given back by starting afresh.
      (c) => c.jobsDone >= 200 || c.lastRss > 400 * 1024 * 1024,
      log,
    );
  }

  /** Resolves with the child's reply; rejects with ChildFailure on timeout/crash. */
  convert(path: string): Promise<MammothReply> {
    return this.pool.run(
      { id: nextId++, path, maxInflatedBytes: this.limits.maxInflatedBytes, maxImageBytes: this.limits.maxImageBytes },
      this.limits.timeoutMs,
    );
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
