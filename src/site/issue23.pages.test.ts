// Issue 23's page items that need no browser: the accepted formats rendered from the one table,
// Chinese-only messages on the link pages, favorite/share only on published documents, the deleted
// document's page, a readable audit log, routine notifications grouped and left out of the bell,
// and comments that say their author bought the document.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createTestContext, type TestContext } from '../../test/app.js';
import { bearer, buy, count, createDocument, registerUser, topUp } from '../../test/factories.js';
import { registerAdmin } from '../auth/test-fixtures.js';
import { DOCUMENT_FORMATS, FORMATS } from '../conversion/formats.js';
import { insertAuditEntry } from '../support/audit.repo.js';
import { notify } from '../notifications/notifications.service.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => ctx?.close());

const session = (token: string) => ({ cookie: `wenku_session=${token}`, accept: 'text/html' });
const csrfOf = (html: string) => html.match(/name="_csrf" value="([^"]+)"/)![1]!;

describe('the accepted formats, from the one table', () => {
  it('when the search page is opened, then its 格式 filter offers 全部 and every accepted format, each a working filter', async () => {
    const author = await registerUser(ctx);
    await createDocument(ctx, { uploaderId: author.user.id, title: '格式筛选测试 DOCX 文档', format: 'DOCX' });
    const res = await ctx.http().get('/search');
    expect(res.status).toBe(200);
    const legend = res.text.indexOf('<legend>格式</legend>');
    const block = res.text.slice(legend, res.text.indexOf('</fieldset>', legend));
    const labels = [...block.matchAll(/<a href="[^"]*" aria-current="[a-z]+">([^<]+)<\/a>/g)].map((m) => m[1]);
    expect(labels).toEqual(['全部', ...DOCUMENT_FORMATS]);
    expect(block).toContain('href="/search?format=PDF"');
    const pdf = await ctx.http().get('/search?format=PDF');
    expect(pdf.status).toBe(200);
    expect(pdf.text).toMatch(/<a href="\/search\?format=PDF" aria-current="true">PDF<\/a>/);
  });

  it('when the home, search and upload pages are opened, then none says Word only: hero, sidebar, titles and descriptions name every family', async () => {
    const user = await registerUser(ctx);
    const home = await ctx.http().get('/');
    expect(home.text).not.toMatch(/Word 文档|\.doc \/ \.docx/);
    expect(home.text).toMatch(/<title>[^<]*Word、PDF、演示文稿、表格、纯文本[^<]*<\/title>/);
    expect(home.text).toMatch(/<meta name="description" content="[^"]*共 15 种格式/);
    // The sidebar lists every format of the table (PDF by its name alone).
    const sidebar = home.text.match(/<p class="small muted">上传文档并设置价格[^<]+<\/p>/)![0];
    for (const f of DOCUMENT_FORMATS) expect(sidebar).toContain(f === 'PDF' ? '、PDF、' : `.${FORMATS[f].ext}`);
    const search = await ctx.http().get('/search');
    expect(search.text).not.toContain('Word 文档');
    const upload = await ctx.http().get('/upload').set(session(user.token));
    expect(upload.status).toBe(200);
    expect(upload.text).not.toContain('Word 文档');
    const accepted = upload.text.match(/<span class="small muted" id="accepted-formats">([^<]+)<\/span>/)![1]!;
    for (const f of DOCUMENT_FORMATS) expect(accepted).toContain(f === 'PDF' ? '、PDF、' : `.${FORMATS[f].ext}`);
    expect(accepted).toContain('共 15 种格式');
    const accept = upload.text.match(/accept="([^"]+)"/)![1]!.split(',');
    for (const f of DOCUMENT_FORMATS) expect(accept).toContain(`.${FORMATS[f].ext}`);
    const meta = upload.text.match(/<meta name="description" content="([^"]+)"/)![1]!;
    expect(meta).toContain('.pptx');
  });

  it('when package.json and the README introduce the project, then they name the 15 formats, not Word alone', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { description: string };
    expect(pkg.description).not.toMatch(/for Word documents$/);
    expect(pkg.description).toMatch(/PDF/);
    const readme = readFileSync('README.md', 'utf8');
    const firstParagraph = readme.split('\n\n')[1]!;
    expect(firstParagraph).not.toMatch(/upload Word documents \(\.doc and \.docx\)/);
    expect(firstParagraph).toMatch(/15 formats/);
    expect(firstParagraph).toMatch(/PDF/);
  });
});

describe('link pages speak Chinese only', () => {
  it('when a reset link is used, expired or forged, then the page says so in Chinese without the API English, and no password changes', async () => {
    const agent = request.agent(ctx.app);
    const form = await agent.get('/reset-password?token=forged-token-abc');
    const res = await agent.post('/reset-password').type('form').send({ _csrf: csrfOf(form.text), token: 'forged-token-abc', password: 'new-password-123' });
    expect(res.status).toBe(400);
    const alert = res.text.match(/<p class="alert alert-error" role="alert">([\s\S]*?)<\/p>/)![1]!;
    expect(alert).toContain('重置链接无效、已使用或已过期');
    expect(alert).not.toMatch(/invalid|expired link|\(/);
    const short = await agent.post('/reset-password').type('form').send({ _csrf: csrfOf(form.text), token: 'forged-token-abc', password: 'short' });
    expect(short.status).toBe(400);
    expect(short.text).toContain('密码至少 8 个字符');
    expect(short.text).not.toMatch(/at least 8 characters|password: /);
  });

  it('when a verification link is forged, then the page says so in Chinese only', async () => {
    const agent = request.agent(ctx.app);
    const form = await agent.get('/verify-email?token=forged');
    const res = await agent.post('/verify-email').type('form').send({ _csrf: csrfOf(form.text), token: 'forged' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('验证链接无效或已过期');
    expect(res.text).not.toContain('invalid or expired link');
  });

  it('when a forgot-password address is malformed, then the page says so in Chinese only', async () => {
    const agent = request.agent(ctx.app);
    const form = await agent.get('/forgot-password');
    const res = await agent.post('/forgot-password').type('form').send({ _csrf: csrfOf(form.text), email: 'not-an-address' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('邮箱格式不正确');
    expect(res.text).not.toContain('invalid email');
  });
});

describe('favorite and share only on a published document', () => {
  it('when the uploader opens a failed document, then it offers neither 收藏 nor 分享赚钱; a ready one offers both', async () => {
    const author = await registerUser(ctx);
    const failed = await createDocument(ctx, { uploaderId: author.user.id, status: 'failed', failureReason: '文件已损坏' });
    const page = await ctx.http().get(`/doc/${failed.id}`).set(session(author.token));
    expect(page.status).toBe(200);
    expect(page.text).toContain('文档转换失败');
    expect(page.text).not.toContain('js-favorite');
    expect(page.text).not.toContain('分享赚钱');
    expect(page.text).not.toContain('id="share-panel"');
    const ready = await createDocument(ctx, { uploaderId: author.user.id });
    const readyPage = await ctx.http().get(`/doc/${ready.id}`).set(session(author.token));
    expect(readyPage.text).toContain('js-favorite');
    expect(readyPage.text).toContain('分享赚钱');
  });
});

describe('a deleted document', () => {
  it('when its page is opened after the uploader deleted it, then 410 says it was deleted and lists related documents', async () => {
    const author = await registerUser(ctx);
    const related = await createDocument(ctx, { uploaderId: author.user.id, title: '乡村振兴工作总结报告', keywords: ['乡村振兴', '工作总结'], category: '工作总结' });
    const gone = await createDocument(ctx, { uploaderId: author.user.id, title: '乡村振兴工作总结', keywords: ['乡村振兴', '工作总结'], category: '工作总结' });
    const del = await ctx.http().delete(`/api/v1/documents/${gone.id}`).set(bearer(author.token));
    expect(del.status).toBe(204);
    const page = await ctx.http().get(`/doc/${gone.id}`).set({ accept: 'text/html' });
    expect(page.status).toBe(410);
    expect(page.text).toContain('该文档已被上传者删除');
    expect(page.text).toContain('《乡村振兴工作总结》');
    expect(page.text).toContain(`href="/doc/${related.id}"`);
    expect(page.text).toContain('<meta name="robots" content="noindex">');
    // The API keeps the contract's 404.
    expect((await ctx.http().get(`/api/v1/documents/${gone.id}`)).status).toBe(404);
  });

  it('when a document deleted before it was ever published is opened, then the ordinary 404 (its existence is not told)', async () => {
    const author = await registerUser(ctx);
    const failed = await createDocument(ctx, { uploaderId: author.user.id, title: '从未发布的草稿', status: 'failed', deleted: true });
    const page = await ctx.http().get(`/doc/${failed.id}`).set({ accept: 'text/html' });
    expect(page.status).toBe(404);
    expect(page.text).not.toContain('从未发布的草稿');
  });
});

describe('the audit log', () => {
  it('when an admin opens it, then details read as labelled words (yuan, statuses), never raw JSON', async () => {
    const admin = await registerAdmin(ctx, { email: 'audit-23@example.com' });
    const now = new Date();
    await insertAuditEntry(ctx.deps.db.pool, { adminId: admin.user.id, action: 'ticket.refund', targetType: 'ticket', targetId: 7, details: { purchaseId: 12, amountCents: 550, buyerId: 3, note: '未完整下载' }, now });
    await insertAuditEntry(ctx.deps.db.pool, { adminId: admin.user.id, action: 'ticket.status', targetType: 'ticket', targetId: 7, details: { from: 'open', to: 'in_review' }, now });
    await insertAuditEntry(ctx.deps.db.pool, { adminId: admin.user.id, action: 'vip_plan.update', targetType: 'vip_plan', targetId: 1, details: { planId: 'month', before: { priceCents: 1500 }, after: { priceCents: 1200 } }, now });
    const page = await ctx.http().get('/admin/audit-log').set(session(admin.token));
    expect(page.status).toBe(200);
    const table = page.text.slice(page.text.indexOf('id="audit-log"'));
    expect(table).not.toMatch(/\{&quot;|\{"/);
    expect(table).toContain('<dt>金额</dt><dd>¥5.50</dd>');
    expect(table).toContain('<dt>备注</dt><dd>未完整下载</dd>');
    expect(table).toContain('<dt>原状态</dt><dd>待处理</dd>');
    expect(table).toContain('<dt>新状态</dt><dd>处理中</dd>');
    expect(table).toContain('<dt>修改前</dt><dd>价格：¥15.00</dd>');
  });
});

describe('routine notifications', () => {
  it('when 26 of 32 unread notifications are 已转换完成, then the bell counts the 6 that matter, the page folds the routine ones, and the API marks each', async () => {
    const user = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: user.user.id });
    for (let i = 0; i < 26; i++) {
      await notify(ctx.deps.db.pool, { userId: user.user.id, kind: 'document_ready', title: `您的文档《例行${i}》已转换完成`, body: '', link: `/doc/${doc.id}` });
    }
    for (const kind of ['sale', 'sale', 'document_taken_down', 'ticket_resolved', 'payout_approved', 'payout_rejected']) {
      await notify(ctx.deps.db.pool, { userId: user.user.id, kind, title: `重要：${kind}`, body: '', link: null });
    }
    const home = await ctx.http().get('/').set(session(user.token));
    expect(home.text).toMatch(/<span class="bell-count" aria-label="6 条重要通知未读">6<\/span>/);

    const page = await ctx.http().get('/notifications').set(session(user.token));
    expect(page.status).toBe(200);
    const important = page.text.slice(page.text.indexOf('id="important-notifications"'));
    expect(important).toContain('重要：sale');
    expect(important).not.toContain('已转换完成');
    const group = page.text.slice(page.text.indexOf('id="routine-notifications"'), page.text.indexOf('id="important-h"'));
    expect(group).toContain('26 条转换完成、审核通过等例行通知');
    expect(group).toContain('26 条未读');

    const api = await ctx.http().get('/api/v1/me/notifications?limit=50').set(bearer(user.token));
    expect(api.status).toBe(200);
    expect(api.body.unread).toBe(32);
    expect(api.body.unreadImportant).toBe(6);
    expect(api.body.items.filter((n: { routine: boolean }) => n.routine)).toHaveLength(26);
    for (const n of api.body.items) expect(Object.keys(n)).toEqual(expect.arrayContaining(['id', 'kind', 'title', 'body', 'link', 'createdAt', 'readAt']));
    const onlyImportant = await ctx.http().get('/api/v1/me/notifications?group=important').set(bearer(user.token));
    expect(onlyImportant.body.items).toHaveLength(6);

    // Marking the routine group read leaves the important ones unread.
    const read = await ctx.http().post('/api/v1/me/notifications/read').set(bearer(user.token)).send({ group: 'routine' });
    expect(read.status).toBe(204);
    expect(await count(ctx, 'notifications WHERE user_id = $1 AND read_at IS NULL', [user.user.id])).toBe(6);
    expect(await count(ctx, "notifications WHERE user_id = $1 AND read_at IS NULL AND kind = 'document_ready'", [user.user.id])).toBe(0);
  });
});

describe('comments by buyers', () => {
  it('when a buyer who rated comments, then the comment is marked 已购买 with their stars; a reader who did not buy is not', async () => {
    const author = await registerUser(ctx);
    const buyer = await registerUser(ctx, { displayName: '买家老李' });
    const browser = await registerUser(ctx, { displayName: '路人小王' });
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 300 });
    await topUp(ctx, buyer.token, 300);
    await buy(ctx, buyer.token, doc.id);
    expect((await ctx.http().put(`/api/v1/documents/${doc.id}/rating`).set(bearer(buyer.token)).send({ stars: 4 })).status).toBe(204);
    expect((await ctx.http().post(`/api/v1/documents/${doc.id}/comments`).set(bearer(buyer.token)).send({ body: '内容很实用' })).status).toBe(201);
    expect((await ctx.http().post(`/api/v1/documents/${doc.id}/comments`).set(bearer(browser.token)).send({ body: '看起来不错' })).status).toBe(201);

    const api = await ctx.http().get(`/api/v1/documents/${doc.id}/comments`);
    const byName = Object.fromEntries(api.body.items.map((c: { author: { displayName: string } }) => [c.author.displayName, c.author]));
    expect(byName['买家老李']).toMatchObject({ bought: true, stars: 4 });
    expect(byName['路人小王']).toMatchObject({ bought: false, stars: null });

    const page = await ctx.http().get(`/doc/${doc.id}`);
    const buyerComment = page.text.slice(page.text.indexOf('<strong>买家老李</strong>'), page.text.indexOf('内容很实用'));
    expect(buyerComment).toContain('已购买');
    expect(buyerComment).toContain('★★★★☆');
    const otherComment = page.text.slice(page.text.indexOf('<strong>路人小王</strong>'), page.text.indexOf('看起来不错'));
    expect(otherComment).not.toContain('已购买');
    expect(otherComment).not.toContain('★');
  });
});
