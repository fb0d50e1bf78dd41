// Requests refused before their body is read (413 too large, 401 anonymous upload, 429 past the
// upload limit), sent by Node's own fetch (undici), which writes the whole body before it reads
// the answer: the status and the contract's body must reach it, not EPIPE or a reset.
import net, { type AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { createHttpServer } from './http-server.js';

const MAX_UPLOAD = 40 * 1024 * 1024;
let ctx: TestContext;
let server: Server;
let base: string;
let token: string;

beforeAll(async () => {
  // Uploads: one an hour (RATE_LIMIT_SCALE 0.01 rounds 30 to 1), so the second is a 429.
  ctx = await createTestContext({ MAX_UPLOAD_BYTES: String(MAX_UPLOAD), RATE_LIMIT_SCALE: '0.01' });
  server = createHttpServer(ctx.app, ctx.deps.config);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ({ token } = await registerUser(ctx)); // registrations are one an hour here too
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await ctx.close();
});

/** An upload of `bytes` bytes through fetch; the multipart body has its Content-Length. */
async function fetchUpload(bytes: number, token?: string): Promise<{ status: number; body: { error?: { code: string; message: string } } }> {
  const form = new FormData();
  form.append('title', '很大的文件');
  form.append('file', new Blob([Buffer.alloc(bytes, 0x61)], { type: 'text/plain' }), 'big.txt');
  const res = await fetch(`${base}/api/v1/documents`, {
    method: 'POST',
    headers: token ? { authorization: `Bearer ${token}` } : {},
    body: form,
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
}

// 32 MB (within the limit, for 401 and 429) and 48 MB (over it): far more than the kernel's socket
// buffers take on loopback, so the client is still writing when the answer comes.
const BIG = 32 * 1024 * 1024;
const TOO_BIG = 48 * 1024 * 1024;

describe('answers that come before the body is read', () => {
  it('when fetch uploads more than MAX_UPLOAD_BYTES, then it sees 413 file_too_large with the contract\'s body, and the server stays up for the next request', async () => {
    const res = await fetchUpload(TOO_BIG, token);
    expect(res.status).toBe(413);
    expect(res.body.error?.code).toBe('file_too_large');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('when fetch uploads a large file without logging in, then it sees 401', async () => {
    const res = await fetchUpload(BIG);
    expect(res.status).toBe(401);
    expect(res.body.error?.code).toBe('unauthenticated');
  });

  it('when fetch uploads past the upload limit, then it sees 429 rate_limited', async () => {
    // The hour's one upload (a file too small to be a document still counts).
    const first = await fetchUpload(10, token);
    expect(first.status).not.toBe(429);
    const res = await fetchUpload(BIG, token);
    expect(res.status).toBe(429);
    expect(res.body.error?.code).toBe('rate_limited');
  });
});

describe('a client that writes its whole body before it reads', () => {
  it('when it sends more than MAX_UPLOAD_BYTES without reading, then once it has sent everything it still reads the 413, not a reset', async () => {
    const { port } = server.address() as AddressInfo;
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.pause(); // reads nothing until the body is out, as simple clients do
    const length = TOO_BIG;
    const head =
      `POST /api/v1/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
      `Content-Type: multipart/form-data; boundary=xyz\r\nContent-Length: ${length}\r\n\r\n`;
    let writeError: Error | null = null;
    socket.on('error', (err) => (writeError ??= err));
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    const write = (data: Buffer | string) =>
      new Promise<void>((resolve) => {
        socket.write(data, () => resolve());
      });
    await write(head);
    for (let sent = 0; sent < length && !writeError && !socket.destroyed; sent += chunk.length) await write(chunk.subarray(0, Math.min(chunk.length, length - sent)));
    expect(writeError).toBeNull();
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
    socket.resume();
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    expect(text).toMatch(/^HTTP\/1\.1 413/);
    expect(text).toContain('"code":"file_too_large"');
  }, 60_000);

  it('when it goes on sending far past the bound, then the server stops reading and closes: what it discards is bounded', async () => {
    const { port } = server.address() as AddressInfo;
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const announced = 1024 * 1024 * 1024; // 1 GiB announced: refused, then read only up to the bound
    let failed = false;
    socket.on('error', () => (failed = true));
    socket.on('close', () => (failed = true));
    const write = (data: Buffer | string) =>
      new Promise<void>((resolve) => {
        socket.write(data, () => resolve());
      });
    await write(`POST /api/v1/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: multipart/form-data; boundary=xyz\r\nContent-Length: ${announced}\r\n\r\n`);
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    let sent = 0;
    while (!failed && sent < announced) {
      await write(chunk);
      sent += chunk.length;
    }
    socket.destroy();
    expect(failed).toBe(true);
    // The bound is twice the largest upload body (about 81 MB here) plus what the kernel buffers.
    expect(sent).toBeLessThan(160 * 1024 * 1024);
  }, 60_000);
});
