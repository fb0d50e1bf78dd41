import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { createDocument, type DocumentOptions } from '../../test/factories.js';
import { registerAdmin } from '../auth/test-fixtures.js';

// The page tests' documents: created on a known day (the pages print it), referred to by id.
const insertPageDocument = async (c: TestContext, o: DocumentOptions) => (await createDocument(c, { createdAt: '2023-05-05T02:00:00Z', ...o })).id;

let ctx: TestContext;
let author: Awaited<ReturnType<typeof registerUser>>;
let reader: Awaited<ReturnType<typeof registerUser>>;
let admin: Awaited<ReturnType<typeof registerUser>>;

const session = (token: string) => `wenku_session=${token}`;
const SEED_PAGES = [
  '<p class="doc-title">在全县政法稳定工作推进会议上的讲话</p><p>今天我们召开这次会议，有三方面的需要，一是工作所需，二是责任所在，三是形势所迫。</p>',
  '<p>一、政法稳定工作怎么看？也就是定位和认识问题。</p><table><tr><td>项目</td><td>目标</td></tr></table>',
  '<p>二、政法稳定工作怎么干？也就是能力和方法问题。</p>',
  '<p>第四页独有内容：PAGE-FOUR-SECRET 信访积案化解。</p>',
  '<p>第五页独有内容：PAGE-FIVE-SECRET。</p>',
];

beforeAll(async () => {
  ctx = await createTestContext();
  author = await registerUser(ctx, { displayName: '作者甲' });
  reader = await registerUser(ctx, { displayName: '读者乙' });
  admin = await registerAdmin(ctx, { email: 'pages-admin@example.com', displayName: '管理员' });
});
afterAll(async () => ctx?.close());

describe('the document page /doc/:id', () => {
  it('when a reader opens a ready document, then the page shows everything the seed page shows', async () => {
    const id = await insertPageDocument(ctx, { uploaderId: author.user.id, pages: SEED_PAGES.slice(0, 3) });
    const res = await ctx.http().get(`/doc/${id}`);
    expect(res.status).toBe(200);
    const html = res.text;
    for (const expected of [
      `ID：</b>${id}`,
      '大小：</b>23KB',
      '页数：</b>3页',
      '格式：</b>DOC',
      '时间：</b><time datetime="2023-05-05T02:00:00.000Z">2023-05-05</time>',
      '此文档下载收益归作者所有',
      `上传者：<a class="uploader-link" href="/u/${author.user.id}"><strong>作者甲</strong></a>`,
      '温馨提示',
      '你可能关注的文档',
      `/support?documentId=${id}`,
      '分享赚钱',
      '收藏',
      '下载文档',
      '网站客服：QQ 3074922707',
      '<span class="fmt-badge fmt-doc fmt-blue"',
    ]) {
      expect(html).toContain(expected);
    }
    for (const notice of ctx.deps.config.site.notices) expect(html).toContain(notice);
    for (const k of ['党办', '全县', '政法', '稳定', '讲话']) expect(html).toContain(`<a href="/search?q=${encodeURIComponent(k)}">${k}</a>`);
    // Indexable: a real title, a description from the preview text, the text itself in the HTML.
    expect(html).toMatch(/<title>党办:在全县政法稳定工作推进会议上的讲话 - DOC - /);
    expect(html).toMatch(/<meta name="description" content="在全县政法稳定工作推进会议上的讲话 今天我们召开这次会议/);
    expect(html).toContain('<noscript><div class="preview-text">在全县政法稳定工作推进会议上的讲话');
    expect(html).not.toContain('name="robots"');
  });

  it('when the preview is shown, then it sits in a sandboxed frame without scripts, served under its own strict policy', async () => {
    const id = await insertPageDocument(ctx, { uploaderId: author.user.id, pages: SEED_PAGES.slice(0, 2) });
    const page = await ctx.http().get(`/doc/${id}`);
    const frameTag = page.text.match(/<iframe[^>]*>/)?.[0] ?? '';
    expect(frameTag).toContain(`src="/doc/${id}/preview"`);
    expect(frameTag).toMatch(/sandbox="[^"]*"/);
    expect(frameTag).not.toContain('allow-scripts');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");

    const frame = await ctx.http().get(`/doc/${id}/preview`);
    expect(frame.status).toBe(200);
    const csp = frame.headers['content-security-policy'] as string;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/sandbox allow-same-origin/);
    expect(csp).not.toContain('allow-scripts');
    expect(csp).not.toMatch(/script-src/);
    expect(frame.text).toContain('一、政法稳定工作怎么看？');
    expect(frame.text).toContain('<table>');
  });

  it('when a paid document is truncated, then neither the page nor its frame carries any text past the free pages', async () => {
    const id = await insertPageDocument(ctx, { uploaderId: author.user.id, pages: SEED_PAGES, priceCents: 500, freePreviewPages: 3 });
    for (const cookie of [undefined, session(reader.token)]) {
      const page = await ctx.http().get(`/doc/${id}`).set('Cookie', cookie ?? '');
      expect(page.status).toBe(200);
      expect(page.text).toContain('剩余 <strong>2</strong> 页未读，购买后下载阅读全文');
      expect(page.text).toContain('¥5.00');
      const frame = await ctx.http().get(`/doc/${id}/preview`).set('Cookie', cookie ?? '');
      expect(frame.text).toContain('二、政法稳定工作怎么干？');
      for (const body of [page.text, frame.text]) {
        expect(body).not.toContain('PAGE-FOUR-SECRET');
        expect(body).not.toContain('PAGE-FIVE-SECRET');
        expect(body).not.toContain('信访积案化解');
      }
    }
    // The uploader sees the whole document.
    const own = await ctx.http().get(`/doc/${id}/preview`).set('Cookie', session(author.token));
    expect(own.text).toContain('PAGE-FIVE-SECRET');
    const ownPage = await ctx.http().get(`/doc/${id}`).set('Cookie', session(author.token));
    expect(ownPage.text).not.toContain('页未读');
    expect(ownPage.text).toContain('这是你上传的文档，下载不收费。');
  });

  it('when titles, keywords, names and file names hold markup, then every page prints them escaped', async () => {
    const evil = await registerUser(ctx, { displayName: '<script>alert("name")</script>' });
    const id = await insertPageDocument(ctx, {
      uploaderId: evil.user.id,
      title: '<script>alert("title")</script>政法</title>',
      keywords: ['<img src=x onerror=alert(1)>', '政法'],
      pages: ['<p>政法 正文</p>'],
      originalFilename: '<svg onload=alert(1)>.doc',
    });
    const pages = [
      await ctx.http().get(`/doc/${id}`),
      await ctx.http().get('/'),
      await ctx.http().get('/search?q=' + encodeURIComponent('政法 <script>')),
      await ctx.http().get('/me').set('Cookie', session(evil.token)),
    ];
    for (const res of pages) {
      expect(res.status).toBeLessThan(500);
      expect(res.text).not.toContain('<script>alert');
      expect(res.text).not.toContain('<img src=x');
      expect(res.text).not.toContain('<svg onload');
      expect(res.text).not.toMatch(/<\/title>政法|政法<\/title>(?!\s*$)/);
    }
    expect(pages[0]!.text).toContain('&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt;政法&lt;/title&gt;');
    expect(pages[0]!.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(pages[0]!.text).toContain('&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;');
    expect(pages[2]!.text).toContain('“政法 &lt;script&gt;”的搜索结果');
  });

  it('when the reader is anonymous, then the page may be cached by shared caches; with a session or a share code, never', async () => {
    const id = await insertPageDocument(ctx, { uploaderId: author.user.id });
    for (const path of [`/doc/${id}`, '/', '/search?q=政法', `/doc/${id}/preview`]) {
      const anon = await ctx.http().get(path);
      expect(anon.headers['cache-control']).toMatch(/^public, max-age=0, s-maxage=\d+$/);
      expect(anon.headers.vary).toMatch(/Cookie/i);
      const logged = await ctx.http().get(path).set('Cookie', session(reader.token));
      expect(logged.headers['cache-control']).toBe('private, no-store');
      expect(logged.headers.vary).toMatch(/Cookie/i);
    }
    const shared = await ctx.http().get(`/doc/${id}?ref=${author.user.referralCode}`);
    expect(shared.headers['cache-control']).toBe('private, no-store');
    const me = await ctx.http().get('/me').set('Cookie', session(reader.token));
    expect(me.headers['cache-control']).toBe('private, no-store');
  });

  it('when a logged-in reader opens the page, then the share link carries their referral code and the favorite button their state', async () => {
    const id = await insertPageDocument(ctx, { uploaderId: author.user.id });
    const before = await ctx.http().get(`/doc/${id}`).set('Cookie', session(reader.token));
    expect(before.text).toContain(`/doc/${id}?ref=${reader.user.referralCode}`);
    expect(before.text).toContain('aria-pressed="false"');
    const fav = await ctx.http().put(`/api/v1/documents/${id}/favorite`).set('authorization', `Bearer ${reader.token}`);
    expect(fav.status).toBe(204);
    const after = await ctx.http().get(`/doc/${id}`).set('Cookie', session(reader.token));
    expect(after.text).toContain('aria-pressed="true"');
    expect(after.text).toContain('已收藏');
    const anon = await ctx.http().get(`/doc/${id}`);
    expect(anon.text).not.toContain('?ref=');
    expect(anon.text).toContain(`href="/login?next=%2Fdoc%2F${id}"`);
  });

  it('when a document is taken down or deleted, then its page and frame are gone for everyone but admins (a deleted one\'s page: 410 saying so)', async () => {
    const down = await insertPageDocument(ctx, { uploaderId: author.user.id, takenDown: true, pages: ['<p>下架的内容 TAKEN-DOWN-TEXT</p>'] });
    const gone = await insertPageDocument(ctx, { uploaderId: author.user.id, deleted: true, pages: ['<p>删除的内容 DELETED-TEXT</p>'] });
    for (const cookie of ['', session(reader.token), session(author.token)]) {
      for (const path of [`/doc/${down}`, `/doc/${down}/preview`, `/doc/${gone}`, `/doc/${gone}/preview`]) {
        const res = await ctx.http().get(path).set('Cookie', cookie).set('Accept', 'text/html');
        expect(res.status).toBe(path === `/doc/${gone}` ? 410 : 404);
        expect(res.text).not.toContain('TAKEN-DOWN-TEXT');
        expect(res.text).not.toContain('DELETED-TEXT');
      }
    }
    const asAdmin = await ctx.http().get(`/doc/${down}`).set('Cookie', session(admin.token));
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.text).toContain('此文档已下架，仅管理员可见');
    expect((await ctx.http().get('/doc/abc')).status).toBe(404);
  });

  it('when a document is converting or failed, then its uploader sees the live status or the reason with a retry button', async () => {
    const converting = await insertPageDocument(ctx, { uploaderId: author.user.id, status: 'processing' });
    const failed = await insertPageDocument(ctx, { uploaderId: author.user.id, status: 'failed', failureReason: '文件已加密，无法转换' });
    const live = await ctx.http().get(`/doc/${converting}`).set('Cookie', session(author.token));
    expect(live.status).toBe(200);
    expect(live.text).toContain('文档正在转换');
    expect(live.text).toContain('data-status="processing"');
    expect(live.text).not.toContain('<iframe');
    const broken = await ctx.http().get(`/doc/${failed}`).set('Cookie', session(author.token));
    expect(broken.text).toContain('文档转换失败：文件已加密，无法转换');
    expect(broken.text).toContain('重新转换');
    // Not listed yet: others get 404.
    expect((await ctx.http().get(`/doc/${converting}`).set('Cookie', session(reader.token))).status).toBe(404);
  });
});

describe('home, search, upload and 我的文库', () => {
  it('when the home page is opened, then it lists latest and popular documents and categories with counts', async () => {
    const id = await insertPageDocument(ctx, { uploaderId: author.user.id, title: '首页可见的文档', category: '工作总结' });
    const res = await ctx.http().get('/');
    expect(res.status).toBe(200);
    expect(res.text).toContain('最新文档');
    expect(res.text).toContain('热门文档');
    expect(res.text).toContain(`href="/doc/${id}"`);
    expect(res.text).toMatch(/工作总结<\/span><span class="count">[1-9]\d*<\/span>/);
    expect(res.text).toMatch(/<meta name="description" content="[^"]+">/);
  });

  it('when searching a word from the body, then the result is found with the match marked, and filters narrow it', async () => {
    const paid = await insertPageDocument(ctx, {
      uploaderId: author.user.id,
      title: '信访工作会议纪要',
      keywords: ['信访'],
      priceCents: 300,
      freePreviewPages: 1,
      pages: ['<p>第一页：信访工作要坚持五要。</p>', '<p>第二页：SNIPPET-HIDDEN 信访工作的付费内容。</p>'],
    });
    const res = await ctx.http().get('/search?q=' + encodeURIComponent('信访工作'));
    expect(res.status).toBe(200);
    expect(res.text).toContain(`href="/doc/${paid}"`);
    expect(res.text).toContain('<mark>信访工作</mark>');
    expect(res.text).not.toContain('SNIPPET-HIDDEN');
    const freeOnly = await ctx.http().get('/search?free=1&q=' + encodeURIComponent('信访工作'));
    expect(freeOnly.text).not.toContain(`href="/doc/${paid}"`);
    const paidOnly = await ctx.http().get('/search?free=0&format=doc&q=' + encodeURIComponent('信访工作'));
    expect(paidOnly.text).toContain(`href="/doc/${paid}"`);
    const bad = await ctx.http().get('/search?cursor=not-a-cursor');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('搜索条件有误');
  });

  it('when there are more results than a page, then the next link (numbered page 2) leads to the rest', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 22; i++) ids.push(await insertPageDocument(ctx, { uploaderId: author.user.id, title: `分页测试文档${i}`, category: '论文报告' }));
    const first = await ctx.http().get('/search?category=' + encodeURIComponent('论文报告'));
    const next = first.text.match(/href="([^"]+page=2)" rel="next"/)?.[1];
    expect(next).toBeTruthy();
    const second = await ctx.http().get(next!.replace(/&amp;/g, '&'));
    expect(second.status).toBe(200);
    const seen = (html: string) => ids.filter((id) => html.includes(`href="/doc/${id}"`));
    expect(seen(first.text).length).toBe(20);
    expect(seen(second.text).length).toBe(2);
    expect(new Set([...seen(first.text), ...seen(second.text)]).size).toBe(22);
  });

  it('when an anonymous visitor opens /upload or /me, then they are sent to log in and come back', async () => {
    for (const path of ['/upload', '/me']) {
      const res = await ctx.http().get(path);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(path)}`);
    }
    const upload = await ctx.http().get('/upload').set('Cookie', session(reader.token));
    expect(upload.status).toBe(200);
    expect(upload.text).toContain('id="progress-bar"');
    expect(upload.text).toContain('<option value="讲话致辞"');
    expect(upload.text).toContain('/static/js/upload.js');
  });

  it('when a reader opens 我的文库, then it lists their uploads with status, favorites and balance', async () => {
    const me = await registerUser(ctx, { displayName: '我的文库用户' });
    const mine = await insertPageDocument(ctx, { uploaderId: me.user.id, title: '我上传的失败文档', status: 'failed', failureReason: '无法读取' });
    const liked = await insertPageDocument(ctx, { uploaderId: author.user.id, title: '我收藏的文档' });
    await ctx.http().put(`/api/v1/documents/${liked}/favorite`).set('authorization', `Bearer ${me.token}`).expect(204);
    const res = await ctx.http().get('/me').set('Cookie', session(me.token));
    expect(res.status).toBe(200);
    expect(res.text).toContain(`href="/doc/${mine}"`);
    expect(res.text).toContain('转换失败');
    expect(res.text).toContain('失败原因：无法读取');
    expect(res.text).toContain(`href="/doc/${liked}"`);
    expect(res.text).toContain('¥0.00');
    expect(res.text).toContain('href="/wallet"');
  });
});
