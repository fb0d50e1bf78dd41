// One client holding hundreds of idle connections must not lock other clients out. The real server
// runs as a child process with a low file-descriptor limit (512, as the 1,024 the attack met, scaled
// down; the embedded database alone keeps ~170 files open), one address (127.0.0.1) opens 600 idle
// sockets, and another (127.0.0.2) asks for a page.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, ROOT, waitForHttp } from '../../bench/lib/processes.js';
import type { Database } from '../db/pool.js';
import { createTestDatabase } from '../../test/db.js';

let db: Database | null = null;
const dataDir = mkdtempSync(path.join(tmpdir(), 'wenku-conns-'));
beforeAll(async () => {
  if (process.env.DATABASE_URL) db = await createTestDatabase();
});
afterAll(async () => {
  await db?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** GET `url` from the source address `from`; the status, or the error's code. */
function getFrom(from: string, port: number, pathname: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: pathname, localAddress: from, agent: false, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

describe('connections per client', () => {
  it('when one address holds 600 idle connections to a server that may open 512 files, then a client from another address is still served', async () => {
    const port = await freePort();
    const child = spawn('sh', ['-c', 'ulimit -n 512 && exec "$0" "$@"', process.execPath, '--import', 'tsx', path.join(ROOT, 'src/server.ts')], {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        PUBLIC_URL: `http://127.0.0.1:${port}`, // production refuses to start without it
        LOG_LEVEL: 'fatal',
        RATE_LIMIT_SCALE: '0',
        RUN_WORKER: 'false',
        PORT: String(port),
        DATA_DIR: dataDir,
        // Loopback is a client here, not a trusted proxy.
        TRUST_PROXY: '10.255.255.1',
        HTTP_MAX_CONNECTIONS_PER_IP: '64',
        ...(db ? { DATABASE_URL: db.connectionString } : { DATABASE_URL: '' }),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const idle: net.Socket[] = [];
    try {
      await waitForHttp(`http://127.0.0.1:${port}/readyz`, 120_000);
      for (let i = 0; i < 600; i++) {
        const socket = net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.1' });
        socket.on('error', () => undefined);
        idle.push(socket);
      }
      await Promise.all(idle.map((s) => new Promise<void>((resolve) => (s.connecting ? s.once('connect', () => resolve()).once('close', () => resolve()) : resolve()))));
      // Give the server time to accept (or refuse) them all.
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && idle.filter((s) => !s.destroyed).length > 64) await new Promise((r) => setTimeout(r, 100));
      expect(await getFrom('127.0.0.2', port, '/api/v1/site')).toBe(200);
      // The busy address itself got its share and no more.
      expect(idle.filter((s) => !s.destroyed).length).toBeLessThanOrEqual(64);
    } finally {
      for (const s of idle) s.destroy();
      child.kill('SIGKILL');
      await exited;
    }
  }, 180_000);
});
