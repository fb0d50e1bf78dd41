// Downloads behind the shipped nginx front end (deploy/nginx.conf) with DOWNLOAD_ACCEL_PREFIX:
// the app checks each request and nginx sends the bytes. Real nginx (Debian package).
import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startNginx, type Running } from '../../bench/lib/processes.js';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { withTransaction } from '../db/transaction.js';
import { refundPurchase } from './refunds.service.js';
import { createDocument, topUp, type DocFixture } from '../../test/factories.js';

let ctx: TestContext;
let server: Server;
let nginx: Running;
let buyer: Awaited<ReturnType<typeof registerUser>>;
let doc: DocFixture;
let purchaseId: number;

beforeAll(async () => {
  ctx = await createTestContext({ DOWNLOAD_ACCEL_PREFIX: '/_files/' });
  server = ctx.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  nginx = await startNginx({ upstream: `127.0.0.1:${port}`, blobRoot: path.join(ctx.deps.config.dataDir, 'blobs') });
  const author = await registerUser(ctx);
  buyer = await registerUser(ctx);
  doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 500 });
  await topUp(ctx, buyer.token, 5000);
  purchaseId = (await ctx.http().post(`/api/v1/documents/${doc.id}/purchase`).set('authorization', `Bearer ${buyer.token}`).send({ confirm: true }))
    .body.purchase.id;
}, 60_000);
afterAll(async () => {
  await nginx?.stop();
  await new Promise((resolve) => server?.close(resolve));
  await ctx?.close();
});

async function linkPath(): Promise<string> {
  const res = await ctx.http().post(`/api/v1/documents/${doc.id}/download-link`).set('authorization', `Bearer ${buyer.token}`).send({ confirm: true });
  expect(res.status).toBe(200);
  return new URL(res.body.url, 'http://x').pathname;
}
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const events = async () =>
  (await ctx.deps.db.pool.query(
    `SELECT bytes_sent AS "bytesSent", requests, completed, handed_off AS "handedOff" FROM download_events WHERE document_id = $1 ORDER BY id`,
    [doc.id],
  )).rows;

describe('downloads sent by the nginx front end', () => {
  it('when a buyer fetches the link through nginx, then the exact bytes arrive with the app’s headers and the hand-over is recorded', async () => {
    const url = `${nginx.url}${await linkPath()}`;
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(sha(Buffer.from(await res.arrayBuffer()))).toBe(sha(doc.bytes));
    expect(res.headers.get('content-type')).toBe('application/msword');
    expect(res.headers.get('content-disposition')).toContain("filename*=UTF-8''");
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(res.headers.get('x-accel-redirect')).toBeNull();
    // Recorded just after the hand-over, so the client may finish first.
    await vi.waitFor(async () => expect(await events()).toEqual([{ bytesSent: doc.bytes.length, requests: 1, completed: true, handedOff: true }]), {
      timeout: 5000,
      interval: 50,
    });

    const part = await fetch(url, { headers: { range: 'bytes=10-19' } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).equals(doc.bytes.subarray(10, 20))).toBe(true);
  });

  it('when the blob path is asked for directly, then nginx refuses it (internal only)', async () => {
    const res = await fetch(`${nginx.url}/_files/${doc.blobKey.slice(0, 2)}/${doc.blobKey}`);
    expect(res.status).toBe(404);
  });

  it('when the purchase is refunded, then the same link gets 403 and no bytes', async () => {
    const url = `${nginx.url}${await linkPath()}`;
    await withTransaction(ctx.deps.db.pool, (tx) => refundPurchase(tx, { purchaseId, actorId: null, note: 'test' }));
    const res = await fetch(url);
    expect(res.status).toBe(403);
    expect((await res.json()).error.code).toBe('forbidden');
  });
});

