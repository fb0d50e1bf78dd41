// The real server as a child process whose stdout is a pipe nobody reads: logging must never block
// it, and SIGTERM must end it within the shutdown deadline however full that pipe is.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, ROOT, waitForHttp } from '../bench/lib/processes.js';
import type { Database } from './db/pool.js';
import { createTestDatabase } from '../test/db.js';
import { SHUTDOWN_DEADLINE_MS } from './lifecycle.js';

let db: Database | null = null;
const dataDir = mkdtempSync(path.join(tmpdir(), 'wenku-shutdown-'));
beforeAll(async () => {
  if (process.env.DATABASE_URL) db = await createTestDatabase();
});
afterAll(async () => {
  await db?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('shutting down', () => {
  it('when stdout is a pipe nobody reads and the server has logged far more than it holds, then it keeps answering and SIGTERM ends it within the deadline', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/server.ts')], {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        PUBLIC_URL: `http://127.0.0.1:${port}`, // production refuses to start without it
        LOG_LEVEL: 'info',
        RATE_LIMIT_SCALE: '0',
        RUN_WORKER: 'false',
        PORT: String(port),
        DATA_DIR: dataDir,
        ...(db ? { DATABASE_URL: db.connectionString } : { DATABASE_URL: '' }),
      },
      // stdout: a pipe this test never reads; stderr ignored.
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    child.stdout!.pause();
    const exited = new Promise<number>((resolve) => child.once('exit', () => resolve(Date.now())));
    try {
      const url = `http://127.0.0.1:${port}`;
      await waitForHttp(`${url}/readyz`, 120_000);
      // Each request's log line carries its 8 KB URL: 600 of them are ~5 MB, far past the pipe's
      // buffer (64 KB – a few hundred KB), so the pipe is full long before the end.
      const long = 'x'.repeat(8_000);
      let answered = 0;
      for (let batch = 0; batch < 30; batch++) {
        const results = await Promise.all(
          Array.from({ length: 20 }, () =>
            fetch(`${url}/api/v1/no-such-route/${long}`, { signal: AbortSignal.timeout(10_000) }).then(
              async (r) => (await r.arrayBuffer(), r.status),
              () => 0,
            ),
          ),
        );
        answered += results.filter((s) => s === 404).length;
      }
      // Logging never held a request up: every one was answered while the pipe stayed full.
      expect(answered).toBe(600);
      const sent = Date.now();
      child.kill('SIGTERM');
      const gone = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), SHUTDOWN_DEADLINE_MS + 5_000))]);
      expect(gone, 'still running after SIGTERM and the deadline').not.toBeNull();
      expect(gone! - sent).toBeLessThan(SHUTDOWN_DEADLINE_MS + 5_000);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    }
  }, 180_000);

  it('when stopping hangs with the main thread blocked (no timer can run), then the watchdog kills the process soon after the deadline', async () => {
    // A stop that blocks the main thread for good, as a synchronous write to a stalled pipe did.
    const script = `
      import { exitGracefully } from ${JSON.stringify(path.join(ROOT, 'src/lifecycle.ts'))};
      import { pino } from 'pino';
      exitGracefully(pino({ level: 'silent' }), 1_000, async () => { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); });
      setInterval(() => undefined, 1_000);
      process.stdout.write('ready\\n');
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<{ at: number; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (_code, signal) => resolve({ at: Date.now(), signal })));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (c: Buffer) => c.toString().includes('ready') && resolve());
        child.once('exit', () => reject(new Error('exited before it was ready')));
      });
      const sent = Date.now();
      child.kill('SIGTERM');
      const gone = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), 15_000))]);
      expect(gone, 'still running 15 s after SIGTERM').not.toBeNull();
      expect(gone!.signal).toBe('SIGKILL');
      // 1 s deadline + 2 s grace, rounded up to whole seconds by `timeout`.
      expect(gone!.at - sent).toBeLessThan(10_000);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    }
  }, 60_000);
});
