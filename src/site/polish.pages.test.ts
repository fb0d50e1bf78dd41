// Issue 16's small things on the pages: one time format in TIMEZONE, Chinese-only messages,
// the expired-link page, logged-in visitors of /login, the favicon, the home title, wallet titles.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createTestContext, type TestContext } from '../../test/app.js';
import { bearer, buy, createDocument, registerUser, topUp } from '../../test/factories.js';
import { registerAdmin } from '../auth/test-fixtures.js';
import { formatDateTime } from '../../public/js/format.js';
import { parseConfig } from '../config.js';
import { pageMessage } from '../http/forms.js';
import { insertAuditEntry } from '../support/audit.repo.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => ctx.close());

const html = { accept: 'text/html' };
const session = (token: string) => ({ cookie: `wenku_session=${token}`, accept: 'text/html' });

describe('times on pages', () => {
  it('when a moment is formatted, then it reads YYYY-MM-DD HH:mm in the zone given (midnight as 00, not 24)', () => {
    expect(formatDateTime('2026-12-01T20:07:31.000Z', 'Asia/Shanghai')).toBe('2026-12-02 04:07');
    expect(formatDateTime('2026-12-01T16:00:00.000Z', 'Asia/Shanghai')).toBe('2026-12-02 00:00');
    expect(formatDateTime('2026-12-01T20:07:31.000Z', 'UTC')).toBe('2026-12-01 20:07');
    expect(formatDateTime(null, 'UTC')).toBe('');
  });

  it('when TIMEZONE is unset, then it is Asia/Shanghai; a zone that does not exist stops start-up naming the setting', () => {
    expect(parseConfig({}).timezone).toBe('Asia/Shanghai');
    expect(parseConfig({ TIMEZONE: 'Europe/Berlin' }).timezone).toBe('Europe/Berlin');
    expect(() => parseConfig({ TIMEZONE: 'Mars/Olympus' })).toThrow(/TIMEZONE/);
  });

  it('when a reader opens the wallet, then entry times are China time in the one format, the API stays UTC ISO, and entries name the document by title', async () => {
    const author = await registerUser(ctx);
    const reader = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: author.user.id, title: '钱包里看得见的标题', priceCents: 250 });
    await topUp(ctx, reader.token, 1000);
    await buy(ctx, reader.token, doc.id);
    const api = await ctx.http().get('/api/v1/wallet').set(bearer(reader.token));
    const entry = (api.body.entries as Array<{ createdAt: string; documentId: number | null }>).find((e) => e.documentId === doc.id)!;
    expect(entry.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    const page = await ctx.http().get('/wallet').set(session(reader.token));
    expect(page.status).toBe(200);
    expect(page.text).toContain(`>${formatDateTime(entry.createdAt, 'Asia/Shanghai')}</time>`);
    expect(page.text).toContain('《钱包里看得见的标题》');
    expect(page.text).not.toContain(`文档 ${doc.id}<`);
  });
});

describe('pages speak Chinese only', () => {
  it('when a message carries its English in parentheses, then the page form drops it and keeps Chinese parentheses', () => {
    expect(pageMessage('邮箱或密码错误 (wrong email or password)')).toBe('邮箱或密码错误');
    expect(pageMessage('上传请求不合法 (LIMIT_PART_COUNT)')).toBe('上传请求不合法');
    expect(pageMessage('价格（元）不合法')).toBe('价格（元）不合法');
    expect(pageMessage('only english')).toBe('only english');
  });

  it('when a login fails on the form, then the page shows only the Chinese message while the API keeps both', async () => {
    const agent = request.agent(ctx.app);
    const form = await agent.get('/login');
    const csrf = form.text.match(/name="_csrf" value="([^"]+)"/)![1]!;
    const res = await agent.post('/login').type('form').send({ _csrf: csrf, email: 'nobody@example.com', password: 'wrong-password-1' });
    expect(res.status).toBe(401);
    expect(res.text).toContain('邮箱或密码错误');
    expect(res.text).not.toContain('wrong email or password');
    const api = await ctx.http().post('/api/v1/auth/login').send({ email: 'nobody@example.com', password: 'wrong-password-1' });
    expect(api.body.error.message).toContain('(wrong email or password)');
  });

  it('when a page does not exist, then the error page says 页面不存在 without "(not found)"', async () => {
    const res = await ctx.http().get('/doc/999999999').set(html);
    expect(res.status).toBe(404);
    expect(res.text).toContain('不存在');
    expect(res.text).not.toContain('(not found)');
  });

  it('when an admin opens the audit log, then actions are words, not codes like document.restore', async () => {
    const admin = await registerAdmin(ctx);
    await insertAuditEntry(ctx.deps.db.pool, { adminId: admin.user.id, action: 'document.restore', targetType: 'document', targetId: 1, details: {}, now: new Date() });
    const page = await ctx.http().get('/admin/audit-log').set(session(admin.token));
    expect(page.status).toBe(200);
    expect(page.text).toContain('恢复文档');
    expect(page.text).not.toContain('document.restore');
  });
});

describe('a bought document', () => {
  it('when a reader has bought a document, then every download button (and the phone bar) says 已购买 instead of the price', async () => {
    const author = await registerUser(ctx);
    const reader = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 250 });
    const before = await ctx.http().get(`/doc/${doc.id}`).set(session(reader.token));
    expect(before.text).toContain('下载文档（¥2.50）');
    await topUp(ctx, reader.token, 1000);
    await buy(ctx, reader.token, doc.id);
    const after = await ctx.http().get(`/doc/${doc.id}`).set(session(reader.token));
    expect(after.status).toBe(200);
    expect(after.text).not.toContain('下载文档（¥2.50）');
    expect(after.text.match(/>已购买 · 下载</g)?.length).toBeGreaterThanOrEqual(3);
    expect(after.text).toMatch(/<div class="mobile-buy"><span class="price free">已购买<\/span>/);
    expect(after.text).toContain('data-owned="1"');
  });
});

describe('the expired download link', () => {
  it('when a reader opens a link after it expired, then the 410 page leads back to the document for a fresh link', async () => {
    const author = await registerUser(ctx);
    const reader = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 0 });
    const link = await ctx.http().post(`/api/v1/documents/${doc.id}/download-link`).set(bearer(reader.token)).send({ confirm: true });
    expect(link.status).toBe(200);
    const path = new URL(link.body.url as string, 'http://x').pathname;
    ctx.clock.advance(ctx.deps.config.downloadLinkTtlMs + 1000);
    const res = await ctx.http().get(path).set(html);
    expect(res.status).toBe(410);
    expect(res.text).toContain('链接已过期');
    expect(res.text).not.toContain('请求有误');
    expect(res.text).toContain(`href="/doc/${doc.id}"`);
    expect(res.text).toContain('重新获取下载链接');
  });
});

describe('small things', () => {
  it('when a logged-in user opens /login or /register, then they are sent on to next (or /me)', async () => {
    const u = await registerUser(ctx);
    const login = await ctx.http().get('/login').set(session(u.token));
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('/me');
    const register = await ctx.http().get('/register?next=%2Fwallet').set(session(u.token));
    expect(register.headers.location).toBe('/wallet');
    const evil = await ctx.http().get('/login?next=%2F%2Fevil.example').set(session(u.token));
    expect(evil.headers.location).toBe('/me');
    const anon = await ctx.http().get('/login').set(html);
    expect(anon.status).toBe(200);
  });

  it('when a browser asks for /favicon.ico or the linked icon, then an SVG answers, and the layout links it', async () => {
    const ico = await ctx.http().get('/favicon.ico');
    expect(ico.status).toBe(200);
    expect(ico.headers['content-type']).toMatch(/image\/svg\+xml/);
    const linked = await ctx.http().get('/static/favicon.svg');
    expect(linked.status).toBe(200);
    const home = await ctx.http().get('/').set(html);
    expect(home.text).toContain('<link rel="icon" href="/static/favicon.svg"');
  });

  it('when the home page is opened, then its title names the site once', async () => {
    const home = await ctx.http().get('/').set(html);
    const title = home.text.match(/<title>([^<]*)<\/title>/)![1]!;
    const name = ctx.deps.config.site.name;
    expect(title.split(name).length - 1).toBe(1);
    const login = await ctx.http().get('/login').set(html);
    expect(login.text).toContain(`<title>登录 - ${name}</title>`);
  });
});
