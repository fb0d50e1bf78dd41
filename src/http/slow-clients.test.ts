// Slow and oversized clients against the real HTTP server on loopback (createHttpServer, as
// server.ts builds it), with the timeouts shortened to about a second.
import { existsSync, readdirSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import type { Server } from 'node:http';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { uploadTempDir } from '../documents/upload-storage.js';
import { MULTIPART_OVERHEAD_BYTES } from './body-limits.js';
import { createHttpServer } from './http-server.js';

const MAX_UPLOAD = 1_000_000;
let ctx: TestContext;
let server: Server;
let port: number;
let token: string;

beforeAll(async () => {
  ctx = await createTestContext({ HTTP_IDLE_TIMEOUT: '1s', HTTP_HEADERS_TIMEOUT: '1500ms', HTTP_BODY_TIMEOUT: '2s', MAX_UPLOAD_BYTES: String(MAX_UPLOAD) });
  server = createHttpServer(ctx.app, ctx.deps.config);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  ({ token } = await registerUser(ctx));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await ctx.close();
});

interface RawClient {
  socket: net.Socket;
  /** Everything the server sent so far. */
  received(): string;
  /** Resolves with the time (ms since `since`) when the server closed the connection. */
  closed: Promise<number>;
}

async function rawClient(): Promise<RawClient> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let text = '';
  socket.on('data', (chunk) => (text += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
  return { socket, received: () => text, closed };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function uploadHead(length: number, extra = ''): string {
  return (
    `POST /api/v1/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
    `Content-Type: multipart/form-data; boundary=xyz\r\nContent-Length: ${length}\r\n${extra}\r\n`
  );
}

/** A normal request from another client, timed. */
async function servedMeanwhile(): Promise<{ status: number; ms: number }> {
  const started = Date.now();
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/documents?limit=1`);
  await res.arrayBuffer();
  return { status: res.status, ms: Date.now() - started };
}

describe('slow clients', () => {
  it('when an upload body trickles and then stops, then the connection is cut about a second after its last byte (408), while other clients are served', async () => {
    const stalled = await Promise.all(Array.from({ length: 20 }, () => rawClient()));
    for (const c of stalled) c.socket.write(uploadHead(500_000) + '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.docx"\r\n\r\n');
    // A byte every 300 ms for 3 s keeps them alive: an upload's timeout is on inactivity, not on
    // the total time (other bodies have 2 s in all here).
    for (let i = 0; i < 10; i++) {
      await sleep(300);
      for (const c of stalled) c.socket.write('x');
    }
    const lastByte = Date.now();
    for (const c of stalled) expect(c.socket.destroyed).toBe(false);

    const meanwhile = await servedMeanwhile();
    expect(meanwhile.status).toBe(200);
    expect(meanwhile.ms).toBeLessThan(3_000);

    const closedAt = await Promise.all(stalled.map((c) => c.closed));
    for (const at of closedAt) {
      expect(at - lastByte).toBeGreaterThanOrEqual(900);
      expect(at - lastByte).toBeLessThan(4_000);
    }
    expect(stalled[0]!.received()).toMatch(/^HTTP\/1\.1 408/);
    // Nothing of the cut-off uploads was stored, and their partial files are gone.
    const rows = await ctx.deps.db.pool.query('SELECT count(*)::int AS n FROM documents');
    expect(rows.rows[0].n).toBe(0);
    const tempDir = uploadTempDir(ctx.deps.config);
    await vi.waitFor(() => expect(existsSync(tempDir) ? readdirSync(tempDir).filter((f) => !statSync(path.join(tempDir, f)).isDirectory()) : []).toEqual([]), { timeout: 3_000 });
  }, 30_000);

  it('when a JSON body trickles in without ever pausing for the idle timeout, then it is cut off after the body timeout (408)', async () => {
    const slow = await rawClient();
    const started = Date.now();
    slow.socket.write('POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
    const trickle = setInterval(() => slow.socket.writable && slow.socket.write(' '), 300);
    const closedAt = await slow.closed;
    clearInterval(trickle);
    expect(closedAt - started).toBeGreaterThanOrEqual(1_900);
    expect(closedAt - started).toBeLessThan(6_000);
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408/);
  }, 30_000);

  it('when request headers trickle in, then the connection is cut after the headers timeout', async () => {
    const slow = await rawClient();
    const started = Date.now();
    slow.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const trickle = setInterval(() => slow.socket.writable && slow.socket.write('X-Slow: 1\r\n'), 200);
    const closedAt = await slow.closed;
    clearInterval(trickle);
    expect(closedAt - started).toBeGreaterThanOrEqual(1_400);
    expect(closedAt - started).toBeLessThan(5_000);
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408/);
  }, 30_000);
});

describe('a slow answer', () => {
  it('when the app takes longer than the idle timeout on a complete request, then the client still gets its answer', async () => {
    const slowApp = express();
    slowApp.post('/slow', express.json(), async (req, res) => {
      await sleep(2_000);
      res.json({ echoed: req.body });
    });
    const slowServer = createHttpServer(slowApp, ctx.deps.config);
    await new Promise<void>((resolve) => slowServer.listen(0, '127.0.0.1', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(slowServer.address() as AddressInfo).port}/slow`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ a: 1 }),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ echoed: { a: 1 } });
    } finally {
      slowServer.closeAllConnections();
      await new Promise((resolve) => slowServer.close(resolve));
    }
  }, 30_000);
});

describe('oversized bodies', () => {
  it('when an upload announces more than MAX_UPLOAD_BYTES plus the form overhead, then it gets 413 file_too_large at once, before sending its body', async () => {
    const client = await rawClient();
    const started = Date.now();
    client.socket.write(uploadHead(MAX_UPLOAD + MULTIPART_OVERHEAD_BYTES + 1));
    const closedAt = await client.closed;
    // Answered (413, not the idle timeout's 408) without a byte of the body.
    expect(closedAt - started).toBeLessThan(5_000);
    expect(client.received()).toMatch(/^HTTP\/1\.1 413/);
    expect(client.received()).toContain('"code":"file_too_large"');
    expect(client.received()).toMatch(/connection: close/i);
  });

  it('when the client asks "Expect: 100-continue" for too large a body, then it gets 413 and never "100 Continue"; within the limit it gets "100 Continue"', async () => {
    const big = await rawClient();
    big.socket.write(uploadHead(MAX_UPLOAD * 2, 'Expect: 100-continue\r\n'));
    await big.closed;
    expect(big.received()).toMatch(/^HTTP\/1\.1 413/);
    expect(big.received()).not.toContain('100 Continue');

    const fits = await rawClient();
    fits.socket.write(uploadHead(1_000, 'Expect: 100-continue\r\n'));
    for (let i = 0; i < 50 && !fits.received().includes('100 Continue'); i++) await sleep(20);
    expect(fits.received()).toMatch(/^HTTP\/1\.1 100 Continue/);
    fits.socket.destroy();
  });

  it('when a JSON or form body announces more than its parser accepts, then it gets 413 before sending it', async () => {
    for (const [type, length] of [
      ['application/json', 1024 * 1024 + 1],
      ['application/x-www-form-urlencoded', 100 * 1024 + 1],
    ] as const) {
      const client = await rawClient();
      const started = Date.now();
      client.socket.write(`POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${type}\r\nContent-Length: ${length}\r\n\r\n`);
      const closedAt = await client.closed;
      expect(closedAt - started).toBeLessThan(5_000);
      expect(client.received()).toMatch(/^HTTP\/1\.1 413/);
    }
    // Within the limit the same route answers as usual.
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'nobody@example.com', password: 'wrong-password' }),
    });
    expect(res.status).toBe(401);
  });
});
