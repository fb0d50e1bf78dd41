// Review before publish (REVIEW_MODE, issue 15) through the API: a converted document waits as
// pending_review, seen by its uploader and admins only; the queue; approve publishes, reject hides
// with the reason; a second (or concurrent) decision is 409; an edit of a rejected document
// re-queues it; the appeal ticket; the notifications and mail, each exactly once.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAdmin } from '../auth/test-fixtures.js';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { bearer, count, createDocument, type TestUser } from '../../test/factories.js';
import type { Converter } from '../conversion/index.js';
import { convertDocument } from '../documents/conversion.service.js';
import { SEED_DOC, upload } from '../documents/test-support.js';
import { statusAfterConversion } from './review-policy.js';

let ctx: TestContext;
let admin: TestUser;
let author: TestUser;
let stranger: TestUser;

beforeAll(async () => {
  ctx = await createTestContext({ REVIEW_MODE: 'all' });
  admin = await registerAdmin(ctx, { email: 'moderator@example.com' });
  author = await registerUser(ctx, { displayName: '上传者' });
  stranger = await registerUser(ctx, { displayName: '路人' });
});
afterAll(async () => ctx?.close());

const TEXT = '本报告介绍了量子纠缠实验的设计、测量方法与结果分析，并讨论了误差来源和改进方向。实验在低温环境下进行，共采集三千组数据，结果与理论预测一致。';
let converterText = TEXT;
const converter: Converter = {
  convert: async () => ({ pages: [`<p>${converterText}</p>`], pageCount: 1, wordCount: 60, text: converterText, properties: { title: null, author: null }, simplified: false, warnings: [] }),
  close: async () => {},
};
const job = (documentId: number) => ({ id: `t-${documentId}`, documentId, retryCount: 0, finalAttempt: false });

let padding = 0;
/** Uploads (different bytes each time unless `bytes` is given) and converts with the test converter. */
async function uploadAndConvert(user: TestUser, title: string, options: { bytes?: Buffer; text?: string; keywords?: string } = {}) {
  const bytes = options.bytes ?? Buffer.concat([readFileSync(SEED_DOC), Buffer.alloc(512 * ++padding)]);
  const res = await upload(ctx, user.token, bytes, { fields: { title, ...(options.keywords ? { keywords: options.keywords } : {}) }, filename: 'a.doc' });
  expect(res.status).toBe(202);
  const id = res.body.document.id as number;
  converterText = options.text ?? TEXT;
  expect(await convertDocument(ctx.deps, converter, job(id))).toBe('ready');
  return { id, bytes };
}

const status = async (id: number) => (await ctx.deps.db.pool.query<{ status: string }>('SELECT status FROM documents WHERE id = $1', [id])).rows[0]!.status;
const kinds = (userId: number, kind: string) => count(ctx, 'notifications WHERE user_id = $1 AND kind = $2', [userId, kind]);
const decide = (id: number, body: object, token = admin.token) => ctx.http().post(`/api/v1/admin/documents/${id}/review`).set(bearer(token)).send(body);
const searchIds = async (q: string) => ((await ctx.http().get('/api/v1/documents').query({ q })).body.items as Array<{ id: number }>).map((d) => d.id);
const newestIds = async () => ((await ctx.http().get('/api/v1/documents').query({ sort: 'newest', limit: 100 })).body.items as Array<{ id: number }>).map((d) => d.id);
const sitemap = async () => (await ctx.http().get('/sitemaps/1.xml')).text;

describe('a converted document that needs review', () => {
  let pending: number;
  let published: number;

  beforeAll(async () => {
    // A published document that shares the keyword, so "related" has something to leave out.
    published = (await createDocument(ctx, { uploaderId: stranger.user.id, title: '量子纠缠综述', keywords: ['量子纠缠'] })).id;
    pending = (await uploadAndConvert(author, '量子纠缠实验报告', { keywords: '量子纠缠' })).id;
  });

  it('when REVIEW_MODE is all, then it is stored as pending_review (document_search too) and its uploader was told it waits for review, once', async () => {
    expect(await status(pending)).toBe('pending_review');
    const { rows } = await ctx.deps.db.pool.query('SELECT status FROM document_search WHERE document_id = $1', [pending]);
    expect(rows[0].status).toBe('pending_review');
    expect(await kinds(author.user.id, 'document_ready')).toBe(1);
    const { rows: [n] } = await ctx.deps.db.pool.query(`SELECT body FROM notifications WHERE user_id = $1 AND kind = 'document_ready'`, [author.user.id]);
    expect(n.body).toContain('审核');
  });

  it('then strangers and anonymous readers get 404 for the document, its preview, pages, related, download link and purchase', async () => {
    for (const auth of [bearer(stranger.token), {}]) {
      for (const path of [`/api/v1/documents/${pending}`, `/api/v1/documents/${pending}/preview`, `/api/v1/documents/${pending}/pages`, `/api/v1/documents/${pending}/related`, `/api/v1/documents/${pending}/thumbnail`]) {
        const res = await ctx.http().get(path).set(auth);
        expect(res.status, path).toBe(404);
        expect(res.body.error.code).toBe('not_found');
      }
    }
    expect((await ctx.http().post(`/api/v1/documents/${pending}/download-link`).set(bearer(stranger.token)).send({ confirm: true })).status).toBe(404);
    expect((await ctx.http().post(`/api/v1/documents/${pending}/purchase`).set(bearer(stranger.token)).send({ confirm: true })).status).toBe(404);
  });

  it('then listings, search, related documents and the sitemap leave it out', async () => {
    expect(await newestIds()).toContain(published);
    expect(await newestIds()).not.toContain(pending);
    expect(await searchIds('量子纠缠')).toEqual([published]);
    const related = await ctx.http().get(`/api/v1/documents/${published}/related`).expect(200);
    expect(related.body.items.map((d: { id: number }) => d.id)).not.toContain(pending);
    expect(await sitemap()).toContain(`/doc/${published}<`);
    expect(await sitemap()).not.toContain(`/doc/${pending}<`);
  });

  it('then its uploader and admins see it, status pending_review, with its preview; the uploader’s own list shows it', async () => {
    for (const token of [author.token, admin.token]) {
      const res = await ctx.http().get(`/api/v1/documents/${pending}`).set(bearer(token)).expect(200);
      expect(res.body.document.status).toBe('pending_review');
      const preview = await ctx.http().get(`/api/v1/documents/${pending}/preview`).set(bearer(token)).expect(200);
      expect(preview.body.html).toContain('量子纠缠实验');
    }
    // The page-faithful preview's text layer too (a page row as the page pipeline writes it).
    await ctx.deps.db.pool.query(
      `INSERT INTO document_page_images (document_id, number, width, height, lines) VALUES ($1, 1, 1000, 1414, $2::jsonb)`,
      [pending, JSON.stringify([{ x: 10, y: 10, w: 100, h: 20, text: '量子纠缠实验' }])],
    );
    for (const token of [author.token, admin.token]) {
      const text = await ctx.http().get(`/api/v1/documents/${pending}/pages/1/text`).set(bearer(token)).expect(200);
      expect(text.body.lines[0].text).toBe('量子纠缠实验');
    }
    expect((await ctx.http().get(`/api/v1/documents/${pending}/pages/1/text`).set(bearer(stranger.token))).status).toBe(404);
    const mine = await ctx.http().get('/api/v1/me/documents').set(bearer(author.token)).expect(200);
    expect(mine.body.items.find((d: { id: number }) => d.id === pending).status).toBe('pending_review');
  });

  it('when an admin approves it, then it is published everywhere: listings, search, related, sitemap, strangers; one review_approved, audited, no mail', async () => {
    const mails = ctx.deps.mailer.recent().length;
    const res = await decide(pending, { decision: 'approve', note: '' }).expect(200);
    expect(res.body.document).toMatchObject({ id: pending, status: 'ready', failureReason: null });
    expect(await newestIds()).toContain(pending);
    expect(await searchIds('量子纠缠')).toContain(pending);
    const related = await ctx.http().get(`/api/v1/documents/${published}/related`).expect(200);
    expect(related.body.items.map((d: { id: number }) => d.id)).toContain(pending);
    expect(await sitemap()).toContain(`/doc/${pending}<`);
    expect((await ctx.http().get(`/api/v1/documents/${pending}`).set(bearer(stranger.token))).status).toBe(200);
    expect(await kinds(author.user.id, 'review_approved')).toBe(1);
    expect(await count(ctx, `admin_audit_log WHERE action = 'document.review_approve' AND target_id = $1 AND admin_id = $2`, [pending, admin.user.id])).toBe(1);
    expect(ctx.deps.mailer.recent()).toHaveLength(mails);
  });

  it('when a second decision comes for the decided document, then 409 and nothing more is written', async () => {
    const res = await decide(pending, { decision: 'reject', reason: 'other' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('conflict');
    expect(await status(pending)).toBe('ready');
    expect(await count(ctx, 'document_reviews WHERE document_id = $1', [pending])).toBe(1);
    expect(await kinds(author.user.id, 'review_rejected')).toBe(0);
    expect(await kinds(author.user.id, 'review_approved')).toBe(1);
  });
});

describe('rejection', () => {
  let doc: number;

  it('when an admin rejects with a reason and a note, then the document is hidden, the uploader reads the reason in Chinese, is notified and mailed once', async () => {
    doc = (await uploadAndConvert(author, '推广文档')).id;
    const before = await count(ctx, 'admin_audit_log');
    const res = await decide(doc, { decision: 'reject', reason: 'advertising', note: '第 2 页有联系方式' }).expect(200);
    expect(res.body.document).toMatchObject({ status: 'rejected', failureReason: '含有广告或推广信息：第 2 页有联系方式' });
    const own = await ctx.http().get(`/api/v1/documents/${doc}`).set(bearer(author.token)).expect(200);
    expect(own.body.document).toMatchObject({ status: 'rejected', failureReason: '含有广告或推广信息：第 2 页有联系方式' });
    expect((await ctx.http().get(`/api/v1/documents/${doc}`).set(bearer(stranger.token))).status).toBe(404);
    expect(await newestIds()).not.toContain(doc);
    expect(await searchIds('推广文档')).not.toContain(doc);
    expect(await kinds(author.user.id, 'review_rejected')).toBe(1);
    const mails = ctx.deps.mailer.recent().filter((m) => m.to === author.user.email && m.subject.includes('未通过审核'));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text).toContain('含有广告或推广信息');
    expect(await count(ctx, 'admin_audit_log')).toBe(before + 1);
    const { rows } = await ctx.deps.db.pool.query(`SELECT details FROM admin_audit_log WHERE action = 'document.review_reject' AND target_id = $1`, [doc]);
    expect(rows[0].details).toMatchObject({ reason: 'advertising', note: '第 2 页有联系方式', uploaderId: author.user.id });
  });

  it('when the uploader edits the rejected document, then it goes back to the end of the queue; an edit of a pending one keeps its place', async () => {
    const waiting = (await uploadAndConvert(author, '排队中的文档')).id;
    const queuedAt = async (id: number) => (await ctx.deps.db.pool.query('SELECT review_queued_at AS at FROM documents WHERE id = $1', [id])).rows[0].at as Date;
    const waitingSince = await queuedAt(waiting);
    await ctx.http().patch(`/api/v1/documents/${doc}`).set(bearer(author.token)).send({ title: '修改后的文档' }).expect(200);
    const again = await ctx.http().get(`/api/v1/documents/${doc}`).set(bearer(author.token)).expect(200);
    expect(again.body.document).toMatchObject({ status: 'pending_review', failureReason: null, title: '修改后的文档' });
    await ctx.http().patch(`/api/v1/documents/${waiting}`).set(bearer(author.token)).send({ description: '补充简介' }).expect(200);
    expect(await queuedAt(waiting)).toEqual(waitingSince);
    const queue = await ctx.http().get('/api/v1/admin/reviews').set(bearer(admin.token)).expect(200);
    const ids = queue.body.items.map((i: { document: { id: number } }) => i.document.id);
    expect(ids.indexOf(waiting)).toBeLessThan(ids.indexOf(doc));
    expect((await ctx.http().get(`/api/v1/documents/${doc}`).set(bearer(stranger.token))).status).toBe(404);
    // Its history keeps the rejection for the moderator.
    const item = queue.body.items.find((i: { document: { id: number } }) => i.document.id === doc);
    expect(item.uploaderHistory.rejections).toEqual([expect.objectContaining({ documentId: doc, reason: 'advertising', note: '第 2 页有联系方式' })]);
    await decide(waiting, { decision: 'approve' }).expect(200);
  });

  it('when two admins decide the same document at once, then exactly one decision wins and the other gets 409; one notification', async () => {
    const other = await registerAdmin(ctx, { email: 'moderator2@example.com' });
    const decisions = async () => (await kinds(author.user.id, 'review_approved')) + (await kinds(author.user.id, 'review_rejected'));
    const told = await decisions();
    const results = await Promise.all([decide(doc, { decision: 'approve' }), decide(doc, { decision: 'reject', reason: 'low_quality' }, other.token)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(await count(ctx, 'document_reviews WHERE document_id = $1', [doc])).toBe(2); // the first rejection and the winner
    const won = results.find((r) => r.status === 200)!.body.document.status as string;
    expect(await status(doc)).toBe(won);
    expect(await decisions()).toBe(told + 1);
  });
});

describe('the decision’s input', () => {
  it('when a rejection has no reason or an unknown one, then 400 and nothing changes; a non-admin gets 403; no such document 404; a published one 409', async () => {
    const id = (await uploadAndConvert(author, '待定文档')).id;
    for (const body of [{ decision: 'reject' }, { decision: 'reject', reason: 'ugly' }, { decision: 'maybe', reason: 'other' }]) {
      const res = await decide(id, body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect((await decide(id, { decision: 'approve' }, author.token)).status).toBe(403);
    expect((await ctx.http().get('/api/v1/admin/reviews').set(bearer(stranger.token))).status).toBe(403);
    expect((await ctx.http().get('/api/v1/admin/reviews')).status).toBe(401);
    expect(await status(id)).toBe('pending_review');
    expect(await count(ctx, 'document_reviews WHERE document_id = $1', [id])).toBe(0);
    expect((await decide(999_999, { decision: 'approve' })).status).toBe(404);
    const ready = await createDocument(ctx, { uploaderId: author.user.id });
    expect((await decide(ready.id, { decision: 'approve' })).status).toBe(409);
    await decide(id, { decision: 'approve' }).expect(200);
  });
});

describe('the queue', () => {
  it('lists pending documents oldest first, with same-file and near-text copies, the first pages and the uploader’s history', async () => {
    const newcomer = await registerUser(ctx, { displayName: '新人' });
    const first = await uploadAndConvert(newcomer, '第一篇');
    // The same bytes by someone else (accepted: the first is not public yet) and the same text in another file.
    const sameFile = await uploadAndConvert(stranger, '同一个文件', { bytes: first.bytes });
    const nearText = await uploadAndConvert(stranger, '换了标点的副本', { text: TEXT.replace(/，/g, ', ').replace(/。/g, '. ') });
    const res = await ctx.http().get('/api/v1/admin/reviews').set(bearer(admin.token)).expect(200);
    const ids = res.body.items.map((i: { document: { id: number } }) => i.document.id);
    expect(ids).toEqual([first.id, sameFile.id, nearText.id]);
    expect(res.body.total).toBe(3);
    const item = res.body.items[0];
    expect(item.document).toMatchObject({ id: first.id, status: 'pending_review', uploader: { id: newcomer.user.id } });
    expect(item.possibleCopies).toEqual(expect.arrayContaining([
      expect.objectContaining({ id: sameFile.id, match: 'same_file', distance: 0 }),
      expect.objectContaining({ id: nearText.id, match: 'near_text' }),
    ]));
    expect(item.uploaderHistory).toMatchObject({ documents: { pending_review: 1 }, otherDocuments: [], rejections: [], takedowns: [] });
    // Made by the factory, the document has no page images yet: none is invented for the queue.
    expect(item.pages).toEqual([]);
    for (const i of res.body.items) await decide(i.document.id, { decision: 'reject', reason: 'duplicate' }).expect(200);
    expect((await ctx.http().get('/api/v1/admin/reviews').set(bearer(admin.token)).expect(200)).body).toEqual({ items: [], total: 0 });
  });
});

describe('appeal', () => {
  it('when the uploader appeals a rejection, then a ticket of category appeal opens for that document; others cannot appeal it', async () => {
    const { id } = await uploadAndConvert(author, '申诉的文档');
    await decide(id, { decision: 'reject', reason: 'mismatch' }).expect(200);
    const res = await ctx.http().post('/api/v1/tickets').set(bearer(author.token)).send({ category: 'appeal', subject: '申诉', body: '内容与标题一致', documentId: id }).expect(201);
    expect(res.body.ticket).toMatchObject({ category: 'appeal', status: 'open', documentId: id });
    expect(await count(ctx, `tickets WHERE category = 'appeal' AND document_id = $1 AND reporter_id = $2`, [id, author.user.id])).toBe(1);
    const foreign = await ctx.http().post('/api/v1/tickets').set(bearer(stranger.token)).send({ category: 'appeal', subject: '申诉', body: '替人申诉', documentId: id });
    expect(foreign.status).toBe(404);
    const published = await createDocument(ctx, { uploaderId: author.user.id });
    expect((await ctx.http().post('/api/v1/tickets').set(bearer(stranger.token)).send({ category: 'appeal', subject: '申诉', body: '不是我的', documentId: published.id })).status).toBe(404);
    expect((await ctx.http().post('/api/v1/tickets').set(bearer(author.token)).send({ category: 'appeal', subject: '申诉', body: '没写文档' })).status).toBe(400);
    expect(await count(ctx, `tickets WHERE category = 'appeal'`)).toBe(1);
    // An admin who agrees puts it back into the queue; only a rejected document can go back.
    const back = await ctx.http().post(`/api/v1/admin/documents/${id}/review-requeue`).set(bearer(admin.token)).expect(200);
    expect(back.body.document).toMatchObject({ id, status: 'pending_review', failureReason: null });
    expect((await ctx.http().post(`/api/v1/admin/documents/${id}/review-requeue`).set(bearer(admin.token))).status).toBe(409);
    expect((await ctx.http().post(`/api/v1/admin/documents/${id}/review-requeue`).set(bearer(author.token))).status).toBe(403);
    await decide(id, { decision: 'approve', note: '申诉成立' }).expect(200);
  });

  it('publishes the review endpoints in the OpenAPI document', async () => {
    const spec = (await ctx.http().get('/api/v1/openapi.json').expect(200)).body as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/api/v1/admin/reviews', '/api/v1/admin/documents/{id}/review', '/api/v1/admin/documents/{id}/review-requeue']));
  });
});

describe('who is held (REVIEW_MODE)', () => {
  it('off holds nobody; all holds everyone but admins; new_uploaders holds a user until three of their documents are published', async () => {
    const db = ctx.deps.db.pool;
    const user = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: user.user.id, status: 'processing' });
    expect(await statusAfterConversion(db, 'off', doc.id)).toBe('ready');
    expect(await statusAfterConversion(db, 'all', doc.id)).toBe('pending_review');
    expect(await statusAfterConversion(db, 'new_uploaders', doc.id)).toBe('pending_review');
    await createDocument(ctx, { uploaderId: user.user.id });
    await createDocument(ctx, { uploaderId: user.user.id });
    await createDocument(ctx, { uploaderId: user.user.id, takenDown: true }); // taken down: does not count
    expect(await statusAfterConversion(db, 'new_uploaders', doc.id)).toBe('pending_review');
    await createDocument(ctx, { uploaderId: user.user.id });
    expect(await statusAfterConversion(db, 'new_uploaders', doc.id)).toBe('ready');
    expect(await statusAfterConversion(db, 'all', doc.id)).toBe('pending_review');
    // A document rejected before is looked at again whoever uploaded it (a new version of it).
    await db.query(`INSERT INTO document_reviews (document_id, admin_id, decision, reason) VALUES ($1, $2, 'reject', 'other')`, [doc.id, admin.user.id]);
    expect(await statusAfterConversion(db, 'new_uploaders', doc.id)).toBe('pending_review');
    // ...whatever REVIEW_MODE says (issue 27 item 7).
    expect(await statusAfterConversion(db, 'off', doc.id)).toBe('pending_review');
    const own = await createDocument(ctx, { uploaderId: admin.user.id, status: 'processing' });
    expect(await statusAfterConversion(db, 'all', own.id)).toBe('ready');
  });
});
