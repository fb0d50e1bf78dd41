import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import jwt from 'jsonwebtoken';
import type { Response } from 'superagent';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { withTransaction } from '../db/transaction.js';
import { contentDisposition, downloadFileName, parseRange } from './delivery.js';
import { refundPurchase } from './refunds.service.js';
import { generateFile, createDocument, SEED_DOC, topUp, type DocFixture } from '../../test/factories.js';
import { registerAdmin } from '../auth/test-fixtures.js';

let ctx: TestContext;
let author: Awaited<ReturnType<typeof registerUser>>;
let buyer: Awaited<ReturnType<typeof registerUser>>;
let stranger: Awaited<ReturnType<typeof registerUser>>;
let admin: Awaited<ReturnType<typeof registerUser>>;
let doc: DocFixture;
let purchaseId: number;
// The factory's default title, with the colon (illegal in file names) replaced.
const SEED_FILE_NAME = '党办_在全县政法稳定工作推进会议上的讲话.doc';

beforeAll(async () => {
  ctx = await createTestContext();
  author = await registerUser(ctx);
  buyer = await registerUser(ctx);
  stranger = await registerUser(ctx);
  admin = await registerAdmin(ctx, { email: 'dl-admin@example.com' });
  doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 500 });
  await topUp(ctx, buyer.token, 5000);
  purchaseId = (await buy(buyer.token, doc.id)).body.purchase.id;
});
afterAll(async () => ctx.close());

const auth = (token: string) => ({ authorization: `Bearer ${token}` });
function buy(token: string, docId: number) {
  return ctx.http().post(`/api/v1/documents/${docId}/purchase`).set(auth(token)).send({ confirm: true });
}
const linkFor = (token: string, docId: number, body: object = { confirm: true }) =>
  ctx.http().post(`/api/v1/documents/${docId}/download-link`).set(auth(token)).send(body);
async function urlFor(token: string, docId: number): Promise<string> {
  const res = await linkFor(token, docId);
  expect(res.status).toBe(200);
  return res.body.url;
}
const binary = (res: Response, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};
const fetch = (url: string, headers: Record<string, string> = {}) => ctx.http().get(url).set(headers).buffer(true).parse(binary);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('download links', () => {
  it('when a buyer confirms, then 200 with a /dl/ url, the expiry and the site notices', async () => {
    const res = await linkFor(buyer.token, doc.id);
    expect(res.status).toBe(200);
    expect(res.body.url).toMatch(/^\/dl\/[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(Date.parse(res.body.expiresAt) - Date.now()).toBeGreaterThan(4 * 60_000);
    expect(Date.parse(res.body.expiresAt) - Date.now()).toBeLessThanOrEqual(5 * 60_000 + 1000);
    expect(res.body.notices).toEqual(ctx.deps.config.site.notices);
    const claims = jwt.decode(res.body.url.slice(4)) as Record<string, unknown>;
    expect(claims).toMatchObject({ sub: String(buyer.user.id), doc: doc.id, pur: purchaseId, aud: 'wenku:download' });
  });

  it('when confirm is missing, then 428', async () => {
    const res = await linkFor(buyer.token, doc.id, {});
    expect(res.status).toBe(428);
    expect(res.body.error.code).toBe('confirmation_required');
  });

  it('when someone who has not bought a paid document asks, then 402 insufficient_funds', async () => {
    const res = await linkFor(stranger.token, doc.id);
    expect(res.status).toBe(402);
    expect(res.body.error.code).toBe('insufficient_funds');
  });

  it('when the uploader, an admin, or anyone for a free document asks, then 200', async () => {
    expect((await linkFor(author.token, doc.id)).status).toBe(200);
    expect((await linkFor(admin.token, doc.id)).status).toBe(200);
    const free = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 0 });
    expect((await linkFor(stranger.token, free.id)).status).toBe(200);
  });

  it('when the document is taken down, then 404 for everyone but admins; processing is 404 for readers, as from the documents API', async () => {
    const down = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 0, status: 'taken_down' });
    expect((await linkFor(stranger.token, down.id)).status).toBe(404);
    expect((await linkFor(author.token, down.id)).status).toBe(404);
    expect((await linkFor(admin.token, down.id)).status).toBe(200);
    const busy = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 0, status: 'processing' });
    expect((await linkFor(stranger.token, busy.id)).status).toBe(404);
    expect((await linkFor(stranger.token, 987654)).status).toBe(404);
  });
});

describe('delivery', () => {
  it('when the link is fetched, then the exact bytes arrive with the download headers and a Chinese filename*', async () => {
    const url = await urlFor(buyer.token, doc.id);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(Buffer.compare(res.body as Buffer, readFileSync(SEED_DOC))).toBe(0);
    expect(res.headers['content-type']).toBe('application/msword');
    expect(res.headers['content-length']).toBe(String(doc.bytes.length));
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.headers.etag).toBe(`"${doc.sha256}"`);
    expect(res.headers['last-modified']).toMatch(/GMT$/);
    const disposition = res.headers['content-disposition'] as string;
    expect(disposition).toMatch(/^attachment; filename="[\x20-\x7e]+\.doc"; filename\*=UTF-8''/);
    expect(/^[\x20-\x7e]*$/.test(disposition)).toBe(true);
    expect(decodeURIComponent(disposition.split("filename*=UTF-8''")[1]!)).toBe(SEED_FILE_NAME);
  });

  it('when a Word file was uploaded as report.html or tool.jar, then it downloads as <title>.doc / .docx, never under that name', async () => {
    const asHtml = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 0, format: 'DOC', title: '季度报告', originalFilename: 'report.html' });
    const asJar = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 0, format: 'DOCX', title: 'tool', originalFilename: 'tool.jar', file: await generateFile(1024) });
    for (const [d, name, ascii] of [[asHtml, '季度报告.doc', 'document.doc'], [asJar, 'tool.docx', 'tool.docx']] as const) {
      const res = await fetch(await urlFor(stranger.token, d.id));
      expect(res.status).toBe(200);
      const disposition = res.headers['content-disposition'] as string;
      expect(disposition).toBe(`attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`);
      expect(disposition).not.toMatch(/\.(html|jar)/);
    }
  });

  it('when HEAD is asked, then the same headers and no body', async () => {
    const url = await urlFor(buyer.token, doc.id);
    const res = await ctx.http().head(url);
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe(String(doc.bytes.length));
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.text ?? '').toBe('');
  });

  it('when single ranges are asked, then 206 with the right slice; several ranges get the whole file', async () => {
    const url = await urlFor(buyer.token, doc.id);
    const size = doc.bytes.length;
    const first = await fetch(url, { range: 'bytes=0-99' });
    expect(first.status).toBe(206);
    expect(first.headers['content-range']).toBe(`bytes 0-99/${size}`);
    expect(Buffer.compare(first.body as Buffer, doc.bytes.subarray(0, 100))).toBe(0);
    const suffix = await fetch(url, { range: 'bytes=-10' });
    expect(suffix.headers['content-range']).toBe(`bytes ${size - 10}-${size - 1}/${size}`);
    expect(Buffer.compare(suffix.body as Buffer, doc.bytes.subarray(size - 10))).toBe(0);
    const open = await fetch(url, { range: `bytes=${size - 5}-` });
    expect((open.body as Buffer).length).toBe(5);
    const beyond = await fetch(url, { range: `bytes=10-${size + 1000}` });
    expect(beyond.headers['content-range']).toBe(`bytes 10-${size - 1}/${size}`);
    const multi = await fetch(url, { range: 'bytes=0-1,5-6' });
    expect(multi.status).toBe(200);
    expect((multi.body as Buffer).length).toBe(size);
  });

  it.each(['bytes=999999999-', 'bytes=50-10', 'bytes=-0', 'bytes=abc'])('when the range is %s, then 416 with Content-Range bytes */size', async (range) => {
    const url = await urlFor(buyer.token, doc.id);
    const res = await ctx.http().get(url).set('range', range);
    expect(res.status).toBe(416);
    expect(res.headers['content-range']).toBe(`bytes */${doc.bytes.length}`);
  });

  it('when If-Range does not match, then the whole file; when it matches, then the range', async () => {
    const url = await urlFor(buyer.token, doc.id);
    expect((await fetch(url, { range: 'bytes=0-9', 'if-range': '"stale"' })).status).toBe(200);
    expect((await fetch(url, { range: 'bytes=0-9', 'if-range': `"${doc.sha256}"` })).status).toBe(206);
  });

  it('when a 20 MB file is fetched in ranges, then the pieces reassemble to the file', async () => {
    const big = await createDocument(ctx, {
      uploaderId: author.user.id, priceCents: 0, format: 'DOCX', title: '大文件 "测试"', originalFilename: 'big.docx', file: await generateFile(20 * 1024 * 1024),
    });
    const url = await urlFor(stranger.token, big.id);
    const size = big.bytes.length;
    const cuts = [0, 1, 7_000_000, 7_000_001, 13_999_999, size];
    const parts: Buffer[] = [];
    for (let i = 0; i < cuts.length - 1; i++) {
      const res = await fetch(url, { range: `bytes=${cuts[i]}-${cuts[i + 1]! - 1}` });
      expect(res.status).toBe(206);
      parts.push(res.body as Buffer);
    }
    expect(sha(Buffer.concat(parts))).toBe(sha(big.bytes));
    const whole = await fetch(url);
    expect(whole.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    expect(sha(whole.body as Buffer)).toBe(sha(big.bytes));
    expect(decodeURIComponent((whole.headers['content-disposition'] as string).split("filename*=UTF-8''")[1]!)).toBe('大文件 _测试_.docx');
  });
});

describe('link checks on every request', () => {
  it('when the link has expired, then 410 link_expired', async () => {
    const url = await urlFor(buyer.token, doc.id);
    ctx.clock.advance(ctx.deps.config.downloadLinkTtlMs + 1000);
    try {
      const res = await ctx.http().get(url);
      expect(res.status).toBe(410);
      expect(res.body.error.code).toBe('link_expired');
    } finally {
      ctx.clock.advance(-(ctx.deps.config.downloadLinkTtlMs + 1000));
    }
  });

  it('when the link is tampered with, or signed by someone else, then 403 and no bytes', async () => {
    const url = await urlFor(buyer.token, doc.id);
    const [h, p, s] = url.slice(4).split('.') as [string, string, string];
    const flipped = `${h}.${p}.${s.slice(0, -2)}${s.endsWith('AA') ? 'BB' : 'AA'}`;
    expect((await ctx.http().get(`/dl/${flipped}`)).status).toBe(403);
    const other = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 500 });
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const moved = Buffer.from(JSON.stringify({ ...payload, doc: other.id })).toString('base64url');
    expect((await ctx.http().get(`/dl/${h}.${moved}.${s}`)).status).toBe(403);
    const forged = jwt.sign({ ...payload, doc: other.id }, 'not-the-secret-at-all-0123456789abcdef', { algorithm: 'HS256' });
    expect((await ctx.http().get(`/dl/${forged}`)).status).toBe(403);
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${p}.`;
    expect((await ctx.http().get(`/dl/${none}`)).status).toBe(403);
  });

  it('when a session token is used as a link, or a link as a session token, then both are refused', async () => {
    expect((await ctx.http().get(`/dl/${buyer.token}`)).status).toBe(403);
    const url = await urlFor(buyer.token, doc.id);
    expect((await ctx.http().get('/api/v1/me').set(auth(url.slice(4)))).status).toBe(401);
  });

  it('when the purchase is refunded after the link was issued, then 403', async () => {
    const d = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 100 });
    const p = (await buy(buyer.token, d.id)).body.purchase.id as number;
    const url = await urlFor(buyer.token, d.id);
    expect((await ctx.http().head(url)).status).toBe(200);
    await withTransaction(ctx.deps.db.pool, (tx) => refundPurchase(tx, { purchaseId: p, actorId: null, note: null }));
    const res = await ctx.http().get(url);
    expect(res.status).toBe(403);
    expect((await linkFor(buyer.token, d.id)).status).toBe(402);
  });

  it('when the document is taken down after the link was issued, then 404', async () => {
    const d = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 100 });
    await buy(buyer.token, d.id);
    const url = await urlFor(buyer.token, d.id);
    await ctx.deps.db.pool.query(`UPDATE documents SET taken_down_at = now() WHERE id = $1`, [d.id]);
    expect((await ctx.http().get(url)).status).toBe(404);
  });

  it('when the uploader deleted the document, then its buyers still download it', async () => {
    const d = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 100 });
    await buy(buyer.token, d.id);
    await ctx.deps.db.pool.query(`UPDATE documents SET deleted_at = now() WHERE id = $1`, [d.id]);
    const url = await urlFor(buyer.token, d.id);
    expect((await fetch(url)).status).toBe(200);
    expect((await linkFor(stranger.token, d.id)).status).toBe(404);
  });
});

describe('download events', () => {
  const events = async (docId: number) =>
    (await ctx.deps.db.pool.query(
      `SELECT purchase_id AS "purchaseId", user_id AS "userId", bytes_sent AS "bytesSent", requests, completed FROM download_events WHERE document_id = $1 ORDER BY id`,
      [docId],
    )).rows;
  const downloads = async (docId: number) => (await ctx.deps.db.pool.query('SELECT downloads FROM documents WHERE id = $1', [docId])).rows[0].downloads;

  // Events are written after the last byte went out, so the client may see the end first.
  const eventually = (check: () => Promise<void>) => vi.waitFor(check, { timeout: 5000, interval: 50 });

  it('when a buyer downloads in part and then in full, then the link records bytes and completion and the count rises once', async () => {
    const d = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 100 });
    const p = (await buy(buyer.token, d.id)).body.purchase.id;
    const url = await urlFor(buyer.token, d.id);
    await fetch(url, { range: 'bytes=0-99' });
    await eventually(async () => {
      expect(await events(d.id)).toEqual([{ purchaseId: p, userId: buyer.user.id, bytesSent: 100, requests: 1, completed: false }]);
    });
    expect(await downloads(d.id)).toBe(0);
    await fetch(url, { range: 'bytes=100-' });
    await eventually(async () => {
      expect(await events(d.id)).toEqual([{ purchaseId: p, userId: buyer.user.id, bytesSent: d.bytes.length, requests: 2, completed: true }]);
    });
    expect(await downloads(d.id)).toBe(1);
    await fetch(url);
    await fetch(await urlFor(buyer.token, d.id));
    await eventually(async () => {
      expect((await events(d.id)).map((e) => [e.requests, e.completed])).toEqual([[3, true], [1, true]]);
    });
    expect(await downloads(d.id)).toBe(1);
    // HEAD sends no bytes and records nothing. A one-byte GET after it is the condition to wait
    // for: once it is recorded, a HEAD that had been recorded too would show as a fifth request.
    await ctx.http().head(url);
    const before = (await events(d.id))[0];
    await fetch(url, { range: 'bytes=0-0' });
    await eventually(async () => {
      expect((await events(d.id))[0].bytesSent).toBeGreaterThan(before.bytesSent);
    });
    expect((await events(d.id))[0]).toMatchObject({ requests: 4, bytesSent: before.bytesSent + 1 });
  });
});

describe('delivery helpers', () => {
  it('when names contain quotes or no ASCII at all, then the header stays ASCII and reversible', () => {
    expect(contentDisposition('报告.doc')).toBe(`attachment; filename="document.doc"; filename*=UTF-8''%E6%8A%A5%E5%91%8A.doc`);
    expect(contentDisposition('a\'b;%c.docx')).toBe(`attachment; filename="a'b__c.docx"; filename*=UTF-8''a%27b%3B%25c.docx`);
    expect(contentDisposition("it's (v2).doc")).toBe(`attachment; filename="it's (v2).doc"; filename*=UTF-8''it%27s%20%28v2%29.doc`);
  });

  it('when a title holds characters illegal in file names, then they become _ and the extension is the format\'s', () => {
    expect(downloadFileName('报告/2023: "定稿" <v2>?*|\\', 'DOC')).toBe('报告_2023_ _定稿_ _v2_____.doc');
    expect(downloadFileName('a\r\nb\u202Egnp.exe', 'DOCX')).toBe('a b_gnp.exe.docx');
    expect(downloadFileName('  ...  ', 'DOC')).toBe('文档.doc');
    expect(downloadFileName('CON', 'DOC')).toBe('_CON.doc');
    expect(downloadFileName('总结。', 'DOC')).toBe('总结。.doc');
    const long = downloadFileName('长'.repeat(200), 'DOCX');
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(255);
    expect(long.endsWith('长.docx')).toBe(true);
    expect(downloadFileName('表格', 'XLSX')).toBe('表格.xlsx');
  });

  it('when range headers are parsed, then RFC 9110 rules apply', () => {
    expect(parseRange(undefined, 10)).toEqual({ kind: 'full' });
    expect(parseRange('items=0-1', 10)).toEqual({ kind: 'full' });
    expect(parseRange('bytes=0-0', 10)).toEqual({ kind: 'partial', start: 0, end: 0 });
    expect(parseRange('bytes=-20', 10)).toEqual({ kind: 'partial', start: 0, end: 9 });
    expect(parseRange('bytes=10-', 10)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
  });
});
