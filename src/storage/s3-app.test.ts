// The app on BLOB_STORE=s3 (s3rver on loopback): uploads land in the bucket, downloads are
// checked by the app on every request and then redirected to a short-lived presigned GET,
// and the orphan sweep pages through the bucket.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { startS3Server, type TestS3Server } from '../../test/s3-server.js';
import { withTransaction } from '../db/transaction.js';
import { refundPurchase } from '../payments/refunds.service.js';
import { createDocument, SEED_DOC, topUp } from '../../test/factories.js';
import { uploadTempDir } from '../documents/upload-storage.js';
import { newBlobKey } from '../documents/upload.service.js';
import { sweepDocuments } from '../documents/sweep.service.js';
import { S3BlobStore } from './s3-blob-store.js';

let s3: TestS3Server;
let ctx: TestContext;
let author: Awaited<ReturnType<typeof registerUser>>;
let buyer: Awaited<ReturnType<typeof registerUser>>;

beforeAll(async () => {
  s3 = await startS3Server();
  ctx = await createTestContext(s3.env(s3.newBucket()));
  author = await registerUser(ctx);
  buyer = await registerUser(ctx);
  await topUp(ctx, buyer.token, 5000);
});
afterAll(async () => {
  await ctx?.close();
  await s3?.stop();
});

const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
async function boughtLink(priceCents = 100) {
  const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents });
  const bought = await ctx.http().post(`/api/v1/documents/${doc.id}/purchase`).set(auth(buyer.token)).send({ confirm: true });
  expect(bought.status).toBe(201);
  const link = await ctx.http().post(`/api/v1/documents/${doc.id}/download-link`).set(auth(buyer.token)).send({ confirm: true });
  expect(link.status).toBe(200);
  return { doc, url: link.body.url as string, purchaseId: bought.body.purchase.id as number };
}

describe('BLOB_STORE=s3', () => {
  it('when a file is uploaded, then its bytes are in the bucket under the row\'s key and no temporary file is left', async () => {
    expect(ctx.deps.blobs).toBeInstanceOf(S3BlobStore);
    const res = await ctx.http().post('/api/v1/documents').set(auth(author.token)).attach('file', SEED_DOC);
    expect(res.status).toBe(202);
    const { rows } = await ctx.deps.db.pool.query<{ blob_key: string; sha256: string }>('SELECT blob_key, sha256 FROM documents WHERE id = $1', [
      res.body.document.id,
    ]);
    expect(readdirSync(uploadTempDir(ctx.deps.config)).filter((n) => n.startsWith('upload'))).toEqual([]);
    const bytes = readFileSync(SEED_DOC);
    expect(rows[0]!.sha256).toBe(sha(bytes));
    expect(await ctx.deps.blobs.stat(rows[0]!.blob_key)).toEqual({ size: bytes.length });
    const chunks: Buffer[] = [];
    for await (const c of ctx.deps.blobs.createReadStream(rows[0]!.blob_key)) chunks.push(c as Buffer);
    expect(sha(Buffer.concat(chunks))).toBe(sha(bytes));
  });

  it('when a buyer follows a download link, then 302 to a presigned GET that serves the file with its name, and Range works through it', async () => {
    const { doc, url } = await boughtLink();
    const res = await ctx.http().get(url).redirects(0);
    expect(res.status).toBe(302);
    expect(res.headers['cache-control']).toBe('private, no-store');
    const location = new URL(res.headers.location!);
    expect(`${location.protocol}//${location.host}`).toBe(s3.endpoint);
    // Expires within seconds, and the name and type are forced by the signature.
    expect(Number(location.searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(30);
    expect(location.searchParams.get('response-content-disposition')).toMatch(/^attachment;/);

    const whole = await fetch(location);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-disposition')).toContain("filename*=UTF-8''");
    expect(whole.headers.get('content-type')).toBe('application/msword');
    expect(sha(Buffer.from(await whole.arrayBuffer()))).toBe(sha(doc.bytes));

    const part = await fetch(location, { headers: { range: 'bytes=10-1033' } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).equals(doc.bytes.subarray(10, 1034))).toBe(true);

    // The hand-over is recorded as a download event.
    await vi.waitFor(async () => {
      const { rows } = await ctx.deps.db.pool.query('SELECT handed_off, completed FROM download_events WHERE document_id = $1', [doc.id]);
      expect(rows).toEqual([{ handed_off: true, completed: true }]);
    });
  });

  it('when the link is asked with HEAD, then the app answers the size itself (no redirect)', async () => {
    const { doc, url } = await boughtLink();
    const res = await ctx.http().head(url).redirects(0);
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe(String(doc.bytes.length));
  });

  it('when the purchase is refunded or the document taken down, then the app refuses before any redirect', async () => {
    const refunded = await boughtLink();
    await withTransaction(ctx.deps.db.pool, (tx) => refundPurchase(tx, { purchaseId: refunded.purchaseId, actorId: null, note: null }));
    const r1 = await ctx.http().get(refunded.url).redirects(0);
    expect(r1.status).toBe(403);
    expect(r1.headers.location).toBeUndefined();

    const down = await boughtLink();
    await ctx.deps.db.pool.query(`UPDATE documents SET taken_down_at = now() WHERE id = $1`, [down.doc.id]);
    const r2 = await ctx.http().get(down.url).redirects(0);
    expect(r2.status).toBe(404);
    expect(r2.headers.location).toBeUndefined();
  });

  it('when an unsatisfiable range is asked, then 416 from the app', async () => {
    const { doc, url } = await boughtLink();
    const res = await ctx.http().get(url).set('range', `bytes=${doc.bytes.length + 10}-`).redirects(0);
    expect(res.status).toBe(416);
  });

  it('when the sweep runs, then old objects no row points to are removed from the bucket and every referenced one stays', async () => {
    const kept = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 0 });
    const scratch = mkdtempSync(path.join(tmpdir(), 'wenku-s3-sweep-'));
    const twoHoursAgo = Date.now() - 2 * 3600_000;
    const orphans = Array.from({ length: 4 }, () => newBlobKey(twoHoursAgo));
    const young = newBlobKey();
    for (const key of [...orphans, young]) {
      const file = path.join(scratch, key);
      writeFileSync(file, key);
      await ctx.deps.blobs.putFile(key, file);
    }
    const report = await sweepDocuments(ctx.deps);
    expect(report.orphanBlobsRemoved).toBe(orphans.length);
    for (const key of orphans) expect(await ctx.deps.blobs.stat(key)).toBeNull();
    // Too young to judge (its row may not have committed yet), and the documents' own files.
    expect(await ctx.deps.blobs.stat(young)).not.toBeNull();
    expect(await ctx.deps.blobs.stat(kept.blobKey)).not.toBeNull();
    const { rows } = await ctx.deps.db.pool.query<{ blob_key: string }>('SELECT blob_key FROM documents');
    for (const row of rows) expect(await ctx.deps.blobs.stat(row.blob_key)).not.toBeNull();
  });
});
