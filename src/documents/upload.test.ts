import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import type { Converter } from '../conversion/index.js';
import { buildZip } from '../conversion/test-fixtures.js';
import { textSimhash } from '../text/simhash.js';
import type { ConversionWorker } from './conversion.worker.js';
import {
  blobKeys,
  CORE_PROPS_DOCX,
  count,
  SEED_DOC,
  SEED_TITLE,
  startTestWorker,
  tempFiles,
  testConverter,
  upload,
  waitForConversion,
  ZIP_BOMB_DOCX,
} from './test-support.js';

const MAX_UPLOAD_BYTES = 40_000; // the seed (23,552 bytes) fits; the zip bomb (31,954) too
const SEED_KEYWORDS = ['党办', '全县', '政法', '稳定', '工作', '推进', '会议', '讲话'];

let ctx: TestContext;
let converter: Converter;
let worker: ConversionWorker | null = null;
let alice: { token: string; user: { id: number } };

beforeAll(async () => {
  ctx = await createTestContext({ MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) });
  converter = testConverter(ctx, 2);
  alice = await registerUser(ctx, { displayName: '爱丽丝' });
});
afterAll(async () => {
  await worker?.stop(5_000);
  await converter?.close();
  await ctx?.close();
});

/** Everything a failed upload must not leave behind. */
async function expectNothingStored(before: { rows: number; blobs: string[] }) {
  expect(await count(ctx, 'documents')).toBe(before.rows);
  expect(await blobKeys(ctx)).toEqual(before.blobs);
  expect(await tempFiles(ctx)).toEqual([]);
}
const snapshot = async () => ({ rows: await count(ctx, 'documents'), blobs: await blobKeys(ctx) });

/** Reads Server-Sent Events from a live server until the stream ends. */
async function readEvents(url: string, token: string, onFirst: () => Promise<void>): Promise<Array<{ event: string; data: unknown }>> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const events: Array<{ event: string; data: unknown }> = [];
  const decoder = new TextDecoder();
  let buffer = '';
  let first = true;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) events.push({ event, data: JSON.parse(data) });
      if (event && first) {
        first = false;
        await onFirst();
      }
    }
  }
  return events;
}


/**
 * Another user's copy of a public document is refused (409 duplicate). Tests that upload the seed
 * again under a new user first withdraw the public copies earlier tests made (deleted by their uploader).
 */
async function withdrawPublicSeedCopies(): Promise<void> {
  const sha256 = createHash('sha256').update(readFileSync(SEED_DOC)).digest('hex');
  await ctx.deps.db.pool.query('UPDATE documents SET deleted_at = now() WHERE sha256 = $1 AND deleted_at IS NULL', [sha256]);
}

describe('uploading the seed .doc', () => {
  it('when a user uploads it, then it answers 202 processing, stores file, row and job, and the worker makes it ready with its title, 8 pages and keywords, announced over SSE', async () => {
    const res = await upload(ctx, alice.token, SEED_DOC, { fields: { category: '讲话致辞', priceCents: '0' } });
    expect(res.status).toBe(202);
    const doc = res.body.document;
    expect(doc).toMatchObject({
      status: 'processing',
      format: 'DOC',
      sizeBytes: 23_552,
      pages: null,
      wordCount: null,
      failureReason: null,
      category: '讲话致辞',
      priceCents: 0,
      freePreviewPages: 3,
      originalFilename: '在全县政法稳定工作推进会议上的讲话.doc',
      title: '在全县政法稳定工作推进会议上的讲话', // from the file name until the properties are read
      uploader: { id: alice.user.id, displayName: '爱丽丝' },
      stats: { views: 0, downloads: 0, favorites: 0 },
    });
    expect(new Date(doc.uploadedAt).toISOString()).toBe(doc.uploadedAt);
    expect(Object.keys(doc).sort()).toEqual(
      ['id', 'title', 'description', 'format', 'sizeBytes', 'pages', 'wordCount', 'uploadedAt', 'keywords', 'category',
        'priceCents', 'freePreviewPages', 'status', 'failureReason', 'thumbnailUrl', 'uploader', 'stats', 'rating', 'originalFilename'].sort(),
    );

    // State: the row, the stored file (byte for byte), the job, no temporary file.
    const row = (await ctx.deps.db.pool.query('SELECT blob_key, sha256 FROM documents WHERE id = $1', [doc.id])).rows[0];
    expect(await blobKeys(ctx)).toEqual([row.blob_key]);
    expect(readFileSync(ctx.deps.blobs.localPath!(row.blob_key)).equals(readFileSync(SEED_DOC))).toBe(true);
    expect(row.blob_key).not.toContain('讲话');
    expect(await count(ctx, `pgboss.job WHERE name = 'convert-document' AND data->>'documentId' = $1`, [String(doc.id)])).toBe(1);
    expect(await tempFiles(ctx)).toEqual([]);

    // Live status: processing first; the worker starts only once the stream is open.
    const server = ctx.app.listen(0);
    try {
      const port = (server.address() as AddressInfo).port;
      const events = await readEvents(`http://127.0.0.1:${port}/api/v1/documents/${doc.id}/events`, alice.token, async () => {
        worker = await startTestWorker(ctx, converter, 2);
      });
      expect(events[0]).toEqual({ event: 'status', data: { status: 'processing', failureReason: null, pages: null } });
      expect(events.at(-1)).toEqual({ event: 'status', data: { status: 'ready', failureReason: null, pages: 8 } });
    } finally {
      server.close();
    }

    const ready = (await ctx.http().get(`/api/v1/documents/${doc.id}`)).body.document;
    expect(ready).toMatchObject({ status: 'ready', title: SEED_TITLE, pages: 8, format: 'DOC', sizeBytes: 23_552 });
    expect(ready.keywords).toEqual(expect.arrayContaining(SEED_KEYWORDS));
    expect(ready.wordCount).toBeGreaterThan(4000);
    const stored = (await ctx.deps.db.pool.query(
      `SELECT title_source, doc_title, converter_version, body_text LIKE '%信访工作%' AS has_body,
         (SELECT count(*)::int FROM document_pages WHERE document_id = $1) AS pages_stored
       FROM documents WHERE id = $1`, [doc.id])).rows[0];
    expect(stored).toMatchObject({ title_source: 'properties', doc_title: SEED_TITLE, has_body: true });
    expect(stored.pages_stored).toBeGreaterThanOrEqual(1);
    // The near-copy fingerprint of the text is written with it (issue 14 item 13).
    const print = (await ctx.deps.db.pool.query('SELECT text_simhash::text AS simhash, body_text AS "bodyText" FROM documents WHERE id = $1', [doc.id])).rows[0];
    expect(print.simhash).toBe(String(textSimhash(print.bodyText)));
  });

  it('when the same user uploads the same file again, then it answers 409 with the existing id and stores nothing', async () => {
    const before = await snapshot();
    const { id } = (await ctx.deps.db.pool.query('SELECT id FROM documents WHERE uploader_id = $1', [alice.user.id])).rows[0];
    const res = await upload(ctx, alice.token, SEED_DOC, { filename: 'another-name.doc' });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'conflict', details: { documentId: id } });
    await expectNothingStored(before);
  });

  it('when a .docx with its own title arrives, then the uploader\'s title and keywords win and it becomes ready as DOCX', async () => {
    const res = await upload(ctx, alice.token, CORE_PROPS_DOCX, {
      fields: { title: '季度预算报告 Quarterly Budget', keywords: '财务, 预算 budget', description: '一份测试文档', freePreviewPages: '1' },
    });
    expect(res.status).toBe(202);
    expect(res.body.document).toMatchObject({ format: 'DOCX', title: '季度预算报告 Quarterly Budget', freePreviewPages: 1, description: '一份测试文档' });
    const done = await waitForConversion(ctx, res.body.document.id);
    expect(done).toEqual({ status: 'ready', failureReason: null });
    const doc = (await ctx.http().get(`/api/v1/documents/${res.body.document.id}`)).body.document;
    expect(doc.title).toBe('季度预算报告 Quarterly Budget');
    expect(doc.keywords).toEqual(expect.arrayContaining(['季度', '预算', '报告', 'Quarterly', 'Budget', '财务']));
    // "预算" and "budget" given again by the uploader are not repeated (case-insensitive).
    expect(doc.keywords.filter((k: string) => k.toLowerCase() === 'budget')).toHaveLength(1);
    expect(doc.pages).toBeGreaterThanOrEqual(1);
  });
});

describe('hostile and invalid uploads', () => {
  const exe = Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'), randomBytes(2048)]);
  // (A PDF renamed .docx is now accepted as what its bytes say: a PDF, see page-preview.test.ts.)
  const html = Buffer.from('<!DOCTYPE html><html><body><script>alert(1)</script></body></html>');
  const cases: Array<[string, Buffer, string]> = [
    ['an exe renamed .doc', exe, 'setup.doc'],
    ['an HTML page renamed .docx', html, 'paper.docx'],
    ['an empty file', Buffer.alloc(0), 'empty.doc'],
    ['random bytes', randomBytes(8192), 'noise.doc'],
    ['a zip that is not a Word file', buildZip([{ name: 'readme.txt', data: 'hello' }]), 'archive.docx'],
  ];
  it.each(cases)('when the file is %s, then it answers 400 unsupported_file with a reason in Chinese and English, and stores nothing', async (_label, bytes, filename) => {
    const before = await snapshot();
    const res = await upload(ctx, alice.token, bytes, { filename });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('unsupported_file');
    expect(res.body.error.message).toMatch(/\p{Script=Han}/u);
    expect(res.body.error.message).toMatch(/[a-z]{3,}/);
    await expectNothingStored(before);
  });

  it('when the file is one byte over MAX_UPLOAD_BYTES, then it answers 413 file_too_large and no temporary file is left', async () => {
    const before = await snapshot();
    const res = await upload(ctx, alice.token, randomBytes(MAX_UPLOAD_BYTES + 1), { filename: 'big.doc' });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('file_too_large');
    await expectNothingStored(before);
    // Exactly at the limit is not too large (it is judged by its content instead).
    const atLimit = await upload(ctx, alice.token, randomBytes(MAX_UPLOAD_BYTES), { filename: 'limit.doc' });
    expect(atLimit.status).toBe(400);
    await expectNothingStored(before);
  });

  it.each([
    ['a price with a fraction', { priceCents: '1.5' }],
    ['a negative price', { priceCents: '-1' }],
    ['a price that is not a number', { priceCents: 'abc' }],
    ['a price over the maximum', { priceCents: '100000001' }],
    ['negative free pages', { freePreviewPages: '-2' }],
    ['an unknown category', { category: '火星文' }],
    ['a title of 201 characters', { title: '长'.repeat(201) }],
    ['21 keywords', { keywords: Array.from({ length: 21 }, (_, i) => `词${i}`).join(',') }],
    ['a keyword of 31 characters', { keywords: 'k'.repeat(31) }],
  ])('when the form has %s, then it answers 400 validation_failed and stores nothing', async (_label, fields) => {
    const bob = await registerUser(ctx);
    const before = await snapshot();
    const res = await upload(ctx, bob.token, SEED_DOC, { fields });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(Array.isArray(res.body.error.details)).toBe(true);
    await expectNothingStored(before);
  });

  it('when there is no file part, then it answers 400 and stores nothing', async () => {
    const before = await snapshot();
    const res = await ctx.http().post('/api/v1/documents').set('authorization', `Bearer ${alice.token}`).field('title', '没有文件');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    await expectNothingStored(before);
  });

  it('when nobody is logged in, then it answers 401 and stores nothing', async () => {
    const before = await snapshot();
    const res = await ctx.http().post('/api/v1/documents').attach('file', SEED_DOC);
    expect(res.status).toBe(401);
    await expectNothingStored(before);
  });

  it('when the file was taken down before (its hash is blocked), then it answers 403 saying why, and stores nothing', async () => {
    const carol = await registerUser(ctx);
    const sha = (await ctx.deps.db.pool.query(`SELECT sha256 FROM documents WHERE uploader_id = $1 AND format = 'DOC' ORDER BY id LIMIT 1`, [alice.user.id])).rows[0].sha256;
    await ctx.deps.db.pool.query(`INSERT INTO blocked_hashes (sha256, reason) VALUES ($1, '版权方投诉')`, [sha]);
    try {
      const before = await snapshot();
      const res = await upload(ctx, carol.token, SEED_DOC);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
      expect(res.body.error.message).toContain('下架');
      expect(res.body.error.message).toContain('版权方投诉');
      await expectNothingStored(before);
    } finally {
      await ctx.deps.db.pool.query('DELETE FROM blocked_hashes WHERE sha256 = $1', [sha]);
    }
  });

  it('when the client goes away in the middle of the file, then no temporary file is left and nothing is stored', async () => {
    const before = await snapshot();
    const server = ctx.app.listen(0);
    try {
      const port = (server.address() as AddressInfo).port;
      const boundary = 'wenkuboundary';
      await new Promise<void>((resolve) => {
        const req = httpRequest({
          host: '127.0.0.1', port, method: 'POST', path: '/api/v1/documents',
          headers: { authorization: `Bearer ${alice.token}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': '30000' },
        });
        req.on('error', () => resolve());
        req.on('close', () => resolve());
        req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="half.doc"\r\nContent-Type: application/msword\r\n\r\n`);
        req.write(readFileSync(SEED_DOC).subarray(0, 12_000), () => setTimeout(() => req.destroy(), 200));
      });
      for (let i = 0; i < 50 && (await tempFiles(ctx)).length; i++) await new Promise((r) => setTimeout(r, 50));
      await expectNothingStored(before);
    } finally {
      server.close();
    }
  });
});

describe('file names', () => {
  it('when the name carries path parts, then only the last part is kept as metadata and nothing is written outside the store', async () => {
    const dave = await registerUser(ctx);
    await withdrawPublicSeedCopies();
    const res = await upload(ctx, dave.token, SEED_DOC, { filename: '../../etc/passwd.doc' });
    expect(res.status).toBe(202);
    expect(res.body.document.originalFilename).toBe('passwd.doc');
    expect(res.body.document.title).toBe('passwd');
    const key = (await ctx.deps.db.pool.query('SELECT blob_key FROM documents WHERE id = $1', [res.body.document.id])).rows[0].blob_key;
    expect(key).toMatch(/^[0-9a-f]{24}-[0-9a-z]+$/);
    expect(existsSync(path.join(ctx.deps.config.dataDir, 'etc'))).toBe(false);
    expect(existsSync(path.join(ctx.deps.config.dataDir, 'passwd.doc'))).toBe(false);
    // The title from the file name is replaced by the one in the document's properties.
    await waitForConversion(ctx, res.body.document.id);
    expect((await ctx.http().get(`/api/v1/documents/${res.body.document.id}`)).body.document.title).toBe(SEED_TITLE);
  });

  it('when the name is Chinese (UTF-8 without a charset parameter), then it survives intact', async () => {
    const erin = await registerUser(ctx);
    await withdrawPublicSeedCopies();
    const res = await upload(ctx, erin.token, SEED_DOC, { filename: '二〇二三年 工作讲话（定稿）.doc', fields: { title: '工作讲话' } });
    expect(res.status).toBe(202);
    expect(res.body.document.originalFilename).toBe('二〇二三年 工作讲话（定稿）.doc');
    const stored = (await ctx.deps.db.pool.query('SELECT original_filename FROM documents WHERE id = $1', [res.body.document.id])).rows[0];
    expect(stored.original_filename).toBe('二〇二三年 工作讲话（定稿）.doc');
  });
});

describe('load and failures', () => {
  it('when ten users upload at once, then all ten are stored with their own file and job, and all are converted (the first published, copies held for review)', async () => {
    const users = await Promise.all(Array.from({ length: 10 }, () => registerUser(ctx)));
    await withdrawPublicSeedCopies();
    const before = await snapshot();
    const responses = await Promise.all(users.map((u) => upload(ctx, u.token, SEED_DOC)));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(202));
    const ids = responses.map((r) => r.body.document.id as number);
    expect(new Set(ids).size).toBe(10);
    expect(await count(ctx, 'documents')).toBe(before.rows + 10);
    expect((await blobKeys(ctx)).length).toBe(before.blobs.length + 10);
    expect(await count(ctx, `pgboss.job WHERE name = 'convert-document' AND (data->>'documentId')::bigint = ANY($1::bigint[])`, [ids])).toBe(10);
    // No upload left a temporary file (the worker's page-render folders of conversions already running are its own).
    expect((await tempFiles(ctx)).filter((name) => !name.startsWith('pages_'))).toEqual([]);
    const results = await Promise.all(ids.map((id) => waitForConversion(ctx, id, 90_000)));
    expect(await tempFiles(ctx)).toEqual([]);
    // The same file from ten accounts: the first to finish is published, and the rest wait for a
    // moderator as copies of another user's document (held whatever REVIEW_MODE says); all converted once.
    expect(results.every((r) => r.status === 'ready' || r.status === 'pending_review')).toBe(true);
    expect(results.some((r) => r.status === 'ready')).toBe(true);
    expect(await count(ctx, `documents WHERE id = ANY($1::bigint[]) AND status = 'pending_review' AND review_hold IS NULL`, [ids])).toBe(0);
    expect(await count(ctx, `documents WHERE id = ANY($1::bigint[]) AND pages = 8 AND conversion_attempts = 1`, [ids])).toBe(10);
  });

  it('when the file is a zip bomb, then the document fails at once with a Chinese reason, and no retry is allowed (the file is at fault)', async () => {
    const res = await upload(ctx, alice.token, ZIP_BOMB_DOCX, { filename: 'bomb.docx' });
    expect(res.status).toBe(202);
    const id = res.body.document.id;
    const done = await waitForConversion(ctx, id);
    expect(done.status).toBe('failed');
    expect(done.failureReason).toMatch(/\p{Script=Han}/u);
    const doc = (await ctx.http().get(`/api/v1/documents/${id}`).set('authorization', `Bearer ${alice.token}`)).body.document;
    expect(doc).toMatchObject({ status: 'failed', failureReason: done.failureReason, pages: null });
    expect(await count(ctx, 'document_pages WHERE document_id = $1', [id])).toBe(0);

    // Others do not see a failed document at all; its uploader may not retry it either: the
    // converter called the failure permanent, so the same bytes would fail again.
    const stranger = await registerUser(ctx);
    expect((await ctx.http().get(`/api/v1/documents/${id}`).set('authorization', `Bearer ${stranger.token}`)).status).toBe(404);
    expect((await ctx.http().post(`/api/v1/documents/${id}/retry`).set('authorization', `Bearer ${stranger.token}`)).status).toBe(404);
    expect(await count(ctx, 'documents WHERE id = $1 AND NOT failure_retriable', [id])).toBe(1);
    const retry = await ctx.http().post(`/api/v1/documents/${id}/retry`).set('authorization', `Bearer ${alice.token}`);
    expect(retry.status).toBe(409);
    expect(retry.body.error.message).toContain('文件本身');
    expect(await count(ctx, `documents WHERE id = $1 AND status = 'failed'`, [id])).toBe(1);
    expect(await count(ctx, `pgboss.job WHERE name = 'convert-document' AND data->>'documentId' = $1`, [String(id)])).toBe(1);

    const seedId = (await ctx.deps.db.pool.query(`SELECT id FROM documents WHERE uploader_id = $1 AND status = 'ready' LIMIT 1`, [alice.user.id])).rows[0].id;
    const notFailed = await ctx.http().post(`/api/v1/documents/${seedId}/retry`).set('authorization', `Bearer ${alice.token}`);
    expect(notFailed.status).toBe(409);
  });
});
