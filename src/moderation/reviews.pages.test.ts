// Review before publish on the pages: /admin/reviews (admins only, CSRF-checked forms), the
// document page and 我的文库 of a document waiting for review or rejected (审核中, the reason in
// Chinese, the appeal form), and strangers' 404.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAdmin } from '../auth/test-fixtures.js';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { count, createDocument, type TestUser } from '../../test/factories.js';
import { csrfOf, loginAgent } from '../../test/pages.js';
import type { Converter } from '../conversion/index.js';
import { convertDocument } from '../documents/conversion.service.js';
import { SEED_DOC, upload } from '../documents/test-support.js';

let ctx: TestContext;
let admin: TestUser;
let author: TestUser;
let stranger: TestUser;

beforeAll(async () => {
  ctx = await createTestContext({ REVIEW_MODE: 'new_uploaders' });
  admin = await registerAdmin(ctx, { email: 'review-desk@example.com' });
  author = await registerUser(ctx, { displayName: '新作者' });
  stranger = await registerUser(ctx, { displayName: '路人' });
});
afterAll(async () => ctx?.close());

const converter: Converter = {
  convert: async () => ({ pages: ['<p>会议纪要正文</p>'], pageCount: 1, wordCount: 6, text: '会议纪要正文', properties: { title: null, author: null }, simplified: false, warnings: [] }),
  close: async () => {},
};
let padding = 0;
async function pendingDocument(user: TestUser, title: string): Promise<number> {
  const bytes = Buffer.concat([readFileSync(SEED_DOC), Buffer.alloc(700 * ++padding)]);
  const res = await upload(ctx, user.token, bytes, { fields: { title }, filename: 'a.doc' });
  expect(res.status).toBe(202);
  const id = res.body.document.id as number;
  await convertDocument(ctx.deps, converter, { id: `p-${id}`, documentId: id, retryCount: 0, finalAttempt: false });
  return id;
}
const status = async (id: number) => (await ctx.deps.db.pool.query<{ status: string }>('SELECT status FROM documents WHERE id = $1', [id])).rows[0]!.status;

describe('/admin/reviews', () => {
  it('when an anonymous visitor opens it, then they are sent to log in; a user gets 403; the admin nav links it', async () => {
    const anon = await ctx.http().get('/admin/reviews');
    expect(anon.status).toBe(303);
    expect(anon.headers.location).toBe('/login?next=%2Fadmin%2Freviews');
    const { agent } = await loginAgent(ctx, stranger);
    expect((await agent.get('/admin/reviews')).status).toBe(403);
    const { agent: desk } = await loginAgent(ctx, admin);
    expect((await desk.get('/admin')).text).toContain('href="/admin/reviews"');
  });

  it('when documents wait, then the admin sees them oldest first with the uploader’s history, and approves one through the form', async () => {
    const older = await pendingDocument(author, '第一次会议纪要');
    const newer = await pendingDocument(author, '第二次会议纪要');
    const { agent, csrf } = await loginAgent(ctx, admin);
    const page = await agent.get('/admin/reviews').expect(200);
    expect(page.text).toContain('文档审核');
    expect(page.text.indexOf(`id="review-${older}"`)).toBeGreaterThan(-1);
    expect(page.text.indexOf(`id="review-${older}"`)).toBeLessThan(page.text.indexOf(`id="review-${newer}"`));
    expect(page.text).toContain('上传者历史');
    expect(page.text).toContain('可能的重复');
    expect(page.text).toContain('涉嫌侵犯他人著作权'); // the reasons offered
    // Without the CSRF token the form post is refused and nothing changes.
    expect((await agent.post(`/admin/reviews/${older}`).type('form').send({ decision: 'approve' })).status).toBe(403);
    expect(await status(older)).toBe('pending_review');
    const done = await agent.post(`/admin/reviews/${older}`).type('form').send({ _csrf: csrf, decision: 'approve', reason: '', note: '' });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/admin/reviews?done=approve');
    expect(await status(older)).toBe('ready');
    expect((await agent.get('/admin/reviews?done=approve')).text).toContain('已通过审核');
    // The other document is still there, with the first one in its uploader's history.
    const after = await agent.get('/admin/reviews').expect(200);
    expect(after.text).not.toContain(`id="review-${older}"`);
    expect(after.text).toContain(`id="review-${newer}"`);
    expect(after.text).toContain(`/doc/${older}`);
  });

  it('when a rejection has no reason, then the queue shows why (400); with one it is rejected; a second decision shows 409', async () => {
    const id = await pendingDocument(author, '内容空白的文档');
    const { agent, csrf } = await loginAgent(ctx, admin);
    const bad = await agent.post(`/admin/reviews/${id}`).type('form').send({ _csrf: csrf, decision: 'reject', reason: '', note: '' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('请选择驳回原因');
    expect(await status(id)).toBe('pending_review');
    const ok = await agent.post(`/admin/reviews/${id}`).type('form').send({ _csrf: csrf, decision: 'reject', reason: 'low_quality', note: '只有封面' });
    expect(ok.status).toBe(303);
    expect(await status(id)).toBe('rejected');
    const again = await agent.post(`/admin/reviews/${id}`).type('form').send({ _csrf: csrf, decision: 'approve', reason: '', note: '' });
    expect(again.status).toBe(409);
    expect(again.text).toContain('不在待审核状态');
    expect(await status(id)).toBe('rejected');
  });
});

describe('the uploader’s pages', () => {
  it('when the document waits for review, then its page says 审核中 to the uploader, 我的文库 too, and strangers get 404', async () => {
    const id = await pendingDocument(author, '待审核的讲话稿');
    const { agent } = await loginAgent(ctx, author);
    const page = await agent.get(`/doc/${id}`).expect(200);
    expect(page.text).toContain('审核中');
    expect(page.text).toContain('会议纪要正文'); // the uploader reads the preview
    expect((await agent.get('/me')).text).toMatch(new RegExp(`待审核的讲话稿</a> <span class="status-badge status-pending_review">审核中`));
    const { agent: other } = await loginAgent(ctx, stranger);
    expect((await other.get(`/doc/${id}`)).status).toBe(404);
    expect((await ctx.http().get(`/doc/${id}`)).status).toBe(404);
    const home = await ctx.http().get('/').expect(200);
    expect(home.text).not.toContain(`/doc/${id}"`);
    expect((await ctx.http().get('/search').query({ q: '讲话稿' })).text).not.toContain(`/doc/${id}"`);
  });

  it('when it was rejected, then the uploader reads the reason in Chinese and appeals from the document page with a ticket of category appeal', async () => {
    const id = await pendingDocument(author, '被驳回的总结');
    const { agent: desk, csrf: deskCsrf } = await loginAgent(ctx, admin);
    await desk.post(`/admin/reviews/${id}`).type('form').send({ _csrf: deskCsrf, decision: 'reject', reason: 'mismatch', note: '标题写的是总结，内容是通知' }).expect(303);
    const { agent } = await loginAgent(ctx, author);
    const page = await agent.get(`/doc/${id}`).expect(200);
    expect(page.text).toContain('未通过审核');
    expect(page.text).toContain('标题、分类或简介与内容不符：标题写的是总结，内容是通知');
    expect(page.text).toContain('id="appeal-form"');
    expect((await agent.get('/me')).text).toContain('未通过审核：标题、分类或简介与内容不符');
    // The appeal form posts with the page's CSRF token.
    const form = page.text.slice(page.text.indexOf('id="appeal-form"'));
    const res = await agent.post('/support/tickets').type('form').send({
      _csrf: csrfOf(form), category: 'appeal', documentId: String(id), subject: '申诉：《被驳回的总结》未通过审核', body: '内容就是总结，请复核',
    });
    expect(res.status, res.text.slice(0, 3000)).toBe(303);
    const location = String(res.headers.location);
    const ticketId = Number(/\/support\/tickets\/(\d+)/.exec(location)![1]);
    const { rows } = await ctx.deps.db.pool.query('SELECT category, document_id AS "documentId", reporter_id AS "reporterId" FROM tickets WHERE id = $1', [ticketId]);
    expect(rows[0]).toEqual({ category: 'appeal', documentId: id, reporterId: author.user.id });
    expect((await agent.get(location)).text).toContain('审核申诉');
    // Only the uploader is offered the appeal; strangers do not see the page at all.
    expect((await desk.get(`/doc/${id}`)).text).not.toContain('id="appeal-form"');
    const { agent: other } = await loginAgent(ctx, stranger);
    expect((await other.get(`/doc/${id}`)).status).toBe(404);
    // Support reads the appeal and puts the document back into the queue from the ticket page.
    const ticketPage = await desk.get(`/admin/tickets/${ticketId}`).expect(200);
    expect(ticketPage.text).toContain('id="review-requeue"');
    const requeued = await desk.post(`/admin/reviews/${id}/requeue`).type('form').send({ _csrf: csrfOf(ticketPage.text) });
    expect(requeued.status).toBe(303);
    expect(await status(id)).toBe('pending_review');
    expect((await desk.get('/admin/reviews')).text).toContain(`id="review-${id}"`);
    expect(await count(ctx, `admin_audit_log WHERE action = 'document.review_requeue' AND target_id = $1`, [id])).toBe(1);
    const twice = await desk.post(`/admin/reviews/${id}/requeue`).type('form').send({ _csrf: csrfOf(ticketPage.text) });
    expect(twice.status).toBe(409);
    await desk.post(`/admin/reviews/${id}`).type('form').send({ _csrf: deskCsrf, decision: 'approve', reason: '', note: '申诉成立' }).expect(303);
    expect((await other.get(`/doc/${id}`)).status).toBe(200);
  });

  it('when the uploader has three published documents, then REVIEW_MODE=new_uploaders publishes the next one at once', async () => {
    const trusted = await registerUser(ctx);
    for (let i = 0; i < 3; i++) await createDocument(ctx, { uploaderId: trusted.user.id });
    const id = await pendingDocument(trusted, '老用户的文档');
    expect(await status(id)).toBe('ready');
    expect(await count(ctx, `notifications WHERE user_id = $1 AND kind = 'document_ready' AND body LIKE '%审核%'`, [trusted.user.id])).toBe(0);
  });
});
