// The uploader's studio (/me/documents) and the uploader's public page (/u/:id), through the
// pages as a browser would use them: forms with the CSRF token, the state checked afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { bearer, buy, count, createDocument, topUp, type TestUser } from '../../test/factories.js';
import { csrfOf, loginAgent, type Agent } from '../../test/pages.js';
import { calendarDay } from '../../public/js/format.js';
import { upload } from '../documents/test-support.js';
import { chartDays } from './studio-chart.js';

let ctx: TestContext;
let author: TestUser;
let other: TestUser;
let authorAgent: Agent;
let authorCsrf: string;

beforeAll(async () => {
  ctx = await createTestContext();
  author = await registerUser(ctx, { displayName: '作者<甲>' });
  other = await registerUser(ctx, { displayName: '别人' });
  ({ agent: authorAgent, csrf: authorCsrf } = await loginAgent(ctx, author));
});
afterAll(async () => ctx?.close());

interface Row {
  title: string;
  description: string;
  category: string;
  priceCents: number;
  freePreviewPages: number;
  userKeywords: string[];
  keywords: string[];
  deletedAt: Date | null;
  status: string;
}
const rowOf = async (id: number): Promise<Row> =>
  (
    await ctx.deps.db.pool.query<Row>(
      `SELECT title, description, category, price_cents AS "priceCents", free_preview_pages AS "freePreviewPages",
              user_keywords AS "userKeywords", keywords, deleted_at AS "deletedAt", status
         FROM documents WHERE id = $1`,
      [id],
    )
  ).rows[0]!;

const editForm = (over: Record<string, string> = {}) => ({
  _csrf: authorCsrf,
  title: '新标题：年度工作总结',
  description: '第一行\n第二行 <script>alert(1)</script>',
  category: '工作总结',
  keywords: '年度 总结',
  price: '3.50',
  freePreviewPages: '2',
  ...over,
});

/** The studio row of one document (its <li>). */
const studioRow = (html: string, id: number) => {
  const start = html.indexOf(`id="doc-${id}"`);
  expect(start).toBeGreaterThan(0);
  const end = html.indexOf('class="studio-item card"', start);
  return html.slice(start, end < 0 ? undefined : end);
};

describe('the studio /me/documents', () => {
  it('when the uploader opens it, then every own upload is there with status, failure reason, thumbnail or icon, price, numbers; nobody else\'s', async () => {
    const ready = await createDocument(ctx, { uploaderId: author.user.id, title: '已发布的讲话稿', priceCents: 250 });
    const failed = await createDocument(ctx, { uploaderId: author.user.id, title: '转换失败的文档', status: 'failed', failureReason: '文件已损坏或不完整，无法读取' });
    const processing = await createDocument(ctx, { uploaderId: author.user.id, title: '正在转换的文档', status: 'processing' });
    const foreign = await createDocument(ctx, { uploaderId: other.user.id, title: '别人的文档' });
    await ctx.deps.db.pool.query(`UPDATE documents SET thumbnail_key = 'thumb-key', views = 12, downloads = 3 WHERE id = $1`, [ready.id]);

    const res = await authorAgent.get('/me/documents');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toContain('no-store');
    const readyRow = studioRow(res.text, ready.id);
    expect(readyRow).toContain('已发布的讲话稿');
    expect(readyRow).toContain('已发布');
    expect(readyRow).toContain('¥2.50');
    expect(readyRow).toContain('浏览 <b>12</b>');
    expect(readyRow).toContain('下载 <b>3</b>');
    expect(readyRow).toContain(`/api/v1/documents/${ready.id}/thumbnail`);
    const failedRow = studioRow(res.text, failed.id);
    expect(failedRow).toContain('转换失败');
    expect(failedRow).toContain('失败原因：文件已损坏或不完整，无法读取');
    expect(studioRow(res.text, processing.id)).toContain('转换中');
    expect(res.text).not.toContain(`doc-${foreign.id}"`);
    expect(res.text).not.toContain('别人的文档');

    // Linked from 我的文库 and the header; anonymous visitors are sent to log in.
    expect((await authorAgent.get('/me')).text).toContain('href="/me/documents"');
    const anonymous = await ctx.http().get('/me/documents');
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toBe('/login?next=%2Fme%2Fdocuments');
  });

  it('when the uploader edits a document in place, then title, description, category, keywords, price and free pages change, as on the API', async () => {
    const { id } = await createDocument(ctx, { uploaderId: author.user.id, title: '旧标题', priceCents: 100 });
    const res = await authorAgent.post(`/me/documents/${id}`).type('form').send(editForm());
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/me/documents?done=saved#doc-${id}`);
    const row = await rowOf(id);
    expect(row).toMatchObject({
      title: '新标题：年度工作总结',
      description: '第一行\n第二行 <script>alert(1)</script>',
      category: '工作总结',
      priceCents: 350,
      freePreviewPages: 2,
      userKeywords: ['年度', '总结'],
    });
    // The keywords are derived again from the new title, as PATCH does.
    expect(row.keywords).toEqual(expect.arrayContaining(['年度', '总结']));
    const api = (await ctx.http().get(`/api/v1/documents/${id}`)).body.document;
    expect(api).toMatchObject({ title: '新标题：年度工作总结', priceCents: 350, category: '工作总结', freePreviewPages: 2 });
    expect((await authorAgent.get('/me/documents?done=saved')).text).toContain('修改已保存');

    // The document page shows the new price and the description: escaped text, line breaks kept.
    const page = await ctx.http().get(`/doc/${id}`);
    expect(page.text).toContain('¥3.50');
    expect(page.text).toContain('<p class="doc-description-text">第一行\n第二行 &lt;script&gt;alert(1)&lt;/script&gt;</p>');
    expect(page.text).not.toContain('<script>alert(1)');
  });

  it('when the form comes without the CSRF token, then it is refused (403) and nothing changes', async () => {
    const { id } = await createDocument(ctx, { uploaderId: author.user.id, title: '不能被伪造修改', priceCents: 100 });
    const before = await rowOf(id);
    const { _csrf: _ignored, ...withoutToken } = editForm({ price: '99' });
    expect((await authorAgent.post(`/me/documents/${id}`).type('form').send(withoutToken)).status).toBe(403);
    expect((await authorAgent.post(`/me/documents/${id}`).type('form').send({ ...withoutToken, _csrf: 'forged' })).status).toBe(403);
    expect((await authorAgent.post(`/me/documents/${id}/delete`).type('form').send({})).status).toBe(403);
    expect(await rowOf(id)).toEqual(before);
  });

  it('when the uploader posts to another user\'s document, then it is 404 and nothing changes (edit, delete, retry)', async () => {
    const foreign = await createDocument(ctx, { uploaderId: other.user.id, title: '别人的文档二', priceCents: 100 });
    const foreignFailed = await createDocument(ctx, { uploaderId: other.user.id, status: 'failed', failureReason: '文档转换多次未能完成' });
    await ctx.deps.db.pool.query('UPDATE documents SET failure_retriable = true WHERE id = $1', [foreignFailed.id]);
    const before = await rowOf(foreign.id);
    const edit = await authorAgent.post(`/me/documents/${foreign.id}`).set('accept', 'text/html').type('form').send(editForm());
    expect(edit.status).toBe(404);
    expect(edit.text).toContain('页面不存在');
    expect((await authorAgent.post(`/me/documents/${foreign.id}/delete`).type('form').send({ _csrf: authorCsrf })).status).toBe(404);
    expect((await authorAgent.post(`/me/documents/${foreignFailed.id}/retry`).type('form').send({ _csrf: authorCsrf })).status).toBe(404);
    expect((await authorAgent.post(`/me/documents/abc`).type('form').send(editForm())).status).toBe(404);
    expect(await rowOf(foreign.id)).toEqual(before);
    expect((await rowOf(foreignFailed.id)).status).toBe('failed');
  });

  it.each([
    ['letters', 'abc'],
    ['a negative price', '-1'],
    ['three decimals', '1.234'],
    ['over the largest price', '1000001'],
  ])('when the price is %s, then the studio says why in Chinese (400) and nothing changes', async (_what, price) => {
    const { id } = await createDocument(ctx, { uploaderId: author.user.id, title: '价格校验', priceCents: 100 });
    const before = await rowOf(id);
    const res = await authorAgent.post(`/me/documents/${id}`).type('form').send(editForm({ price }));
    expect(res.status).toBe(400);
    const row = studioRow(res.text, id);
    expect(row).toContain('价格请填写 0 到 1000000.00 元之间的数字，最多两位小数');
    // The form is open again with what was typed, so the uploader can correct it.
    expect(row).toContain('<details class="studio-edit" open>');
    expect(row).toContain(`value="${price}"`);
    expect(await rowOf(id)).toEqual(before);
  });

  it('when another field is invalid (an empty title, fractional free pages), then the message is Chinese only and nothing changes', async () => {
    const { id } = await createDocument(ctx, { uploaderId: author.user.id, title: '字段校验', priceCents: 100 });
    const before = await rowOf(id);
    const empty = await authorAgent.post(`/me/documents/${id}`).type('form').send(editForm({ title: '  ' }));
    expect(empty.status).toBe(400);
    expect(studioRow(empty.text, id)).toContain('<p class="alert alert-error" role="alert">标题不能为空</p>');
    const pages = await authorAgent.post(`/me/documents/${id}`).type('form').send(editForm({ freePreviewPages: '1.5' }));
    expect(pages.status).toBe(400);
    expect(studioRow(pages.text, id)).toMatch(/免费预览页数必须是整数<\/p>/u);
    expect(await rowOf(id)).toEqual(before);
  });

  it('when the uploader deletes a sold document, then it is gone for everyone else, and the buyer\'s download still works', async () => {
    const buyer = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: author.user.id, title: '将被删除的文档', priceCents: 200 });
    await topUp(ctx, buyer.token, 200);
    await buy(ctx, buyer.token, doc.id);

    const res = await authorAgent.post(`/me/documents/${doc.id}/delete`).type('form').send({ _csrf: authorCsrf });
    expect(res.status).toBe(303);
    expect((await rowOf(doc.id)).deletedAt).not.toBeNull();
    const studio = await authorAgent.get('/me/documents?done=deleted');
    expect(studio.text).toContain('已购买的用户仍可');
    expect(studio.text).not.toContain(`id="doc-${doc.id}"`);
    // Its page says it was deleted (410, issue 23); the API keeps the contract's 404.
    const gone = await ctx.http().get(`/doc/${doc.id}`);
    expect(gone.status).toBe(410);
    expect(gone.text).toContain('该文档已被上传者删除');
    expect((await ctx.http().get(`/api/v1/documents/${doc.id}`)).status).toBe(404);
    expect((await ctx.http().get(`/api/v1/documents?q=${encodeURIComponent('将被删除的文档')}`)).body.items).toEqual([]);

    const link = await ctx.http().post(`/api/v1/documents/${doc.id}/download-link`).set(bearer(buyer.token)).send({ confirm: true });
    expect(link.status).toBe(200);
    const file = await ctx.http().get(new URL(link.body.url, 'http://x').pathname).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(file.status).toBe(200);
    expect(Buffer.compare(file.body as Buffer, doc.bytes)).toBe(0);
    // Nobody can buy it any more.
    const stranger = await registerUser(ctx);
    await topUp(ctx, stranger.token, 200);
    expect((await ctx.http().post(`/api/v1/documents/${doc.id}/purchase`).set(bearer(stranger.token)).send({ confirm: true })).status).toBe(404);
  });

  it('when a conversion failed for a passing reason, then 重新转换 is offered and queues it again; a refused file (zip bomb) gets no retry', async () => {
    const passing = await createDocument(ctx, { uploaderId: author.user.id, title: '可以重试的失败', status: 'failed', failureReason: '文档转换多次未能完成，请稍后点击「重新转换」，或联系客服' });
    await ctx.deps.db.pool.query('UPDATE documents SET failure_retriable = true WHERE id = $1', [passing.id]);
    const bomb = await createDocument(ctx, { uploaderId: author.user.id, title: '压缩炸弹', status: 'failed', failureReason: '文档解压后体积异常（疑似压缩炸弹），已拒绝处理' });

    const page = await authorAgent.get('/me/documents');
    expect(studioRow(page.text, passing.id)).toContain(`action="/me/documents/${passing.id}/retry"`);
    const bombRow = studioRow(page.text, bomb.id);
    expect(bombRow).not.toContain('/retry"');
    expect(bombRow).toContain('问题出在文件本身');

    await ctx.deps.jobs.start(); // the queue's tables exist once jobs started (lazily, at the first enqueue)
    const jobs = `pgboss.job WHERE name = 'convert-document' AND (data->>'documentId')::bigint = $1`;
    const refused = await authorAgent.post(`/me/documents/${bomb.id}/retry`).type('form').send({ _csrf: authorCsrf });
    expect(refused.status).toBe(409);
    expect(studioRow(refused.text, bomb.id)).toContain('此文档因文件本身的问题无法转换');
    expect((await rowOf(bomb.id)).status).toBe('failed');
    expect(await count(ctx, jobs, [bomb.id])).toBe(0);
    // The API answers the same: one rule.
    expect((await ctx.http().post(`/api/v1/documents/${bomb.id}/retry`).set(bearer(author.token))).status).toBe(409);

    const retried = await authorAgent.post(`/me/documents/${passing.id}/retry`).type('form').send({ _csrf: authorCsrf });
    expect(retried.status).toBe(303);
    expect((await rowOf(passing.id)).status).toBe('processing');
    expect(await count(ctx, jobs, [passing.id])).toBe(1);
    // A ready document has nothing to retry.
    const ready = await createDocument(ctx, { uploaderId: author.user.id });
    expect((await authorAgent.post(`/me/documents/${ready.id}/retry`).type('form').send({ _csrf: authorCsrf })).status).toBe(409);
  });

  it('when a document sold and was viewed over the last 30 days, then its chart shows the counts per day in TIMEZONE, matching the rows', async () => {
    const doc = await createDocument(ctx, { uploaderId: author.user.id, title: '有数据的文档', priceCents: 100 });
    const tz = ctx.deps.config.timezone;
    const days = chartDays(calendarDay(new Date(), tz));
    const today = days[29]!;
    const threeDaysAgo = days[26]!;
    // Views: two stored days, and one real view today through the counter.
    await ctx.deps.db.pool.query(
      `INSERT INTO document_daily_views (document_id, day, views) VALUES ($1, $2, 7), ($1, $3, 2), ($1, '2001-01-01', 99)`,
      [doc.id, threeDaysAgo, days[0]],
    );
    const viewer = await registerUser(ctx);
    await ctx.http().get(`/doc/${doc.id}`).set('cookie', `wenku_session=${viewer.token}`);
    await ctx.deps.views.flush();
    // Sales: three buyers; one bought at 20:00 UTC three days before today's UTC date, which is
    // the next calendar day in Asia/Shanghai; one refunded purchase is no sale.
    const buyers = await Promise.all([0, 1, 2].map(() => registerUser(ctx)));
    const purchaseIds: number[] = [];
    for (const b of buyers) {
      await topUp(ctx, b.token, 100);
      purchaseIds.push(await buy(ctx, b.token, doc.id));
    }
    const utcMinus3 = new Date(Date.parse(`${new Date().toISOString().slice(0, 10)}T20:00:00Z`) - 3 * 86_400_000);
    await ctx.deps.db.pool.query('UPDATE purchases SET created_at = $2 WHERE id = $1', [purchaseIds[0], utcMinus3]);
    const old = new Date(Date.now() - 40 * 86_400_000);
    await ctx.deps.db.pool.query('UPDATE purchases SET created_at = $2 WHERE id = $1', [purchaseIds[1], old]);

    const res = await authorAgent.get('/me/documents');
    const row = studioRow(res.text, doc.id);
    const series = (name: string) => {
      const g = row.slice(row.indexOf(`data-series="${name}"`), row.indexOf('</g>', row.indexOf(`data-series="${name}"`)));
      return new Map([...g.matchAll(/data-day="([\d-]+)" data-count="(\d+)"/gu)].map((m) => [m[1]!, Number(m[2])]));
    };
    const views = series('views');
    const sales = series('sales');
    expect([...views.keys()]).toEqual(days);
    expect([...sales.keys()]).toEqual(days);
    expect(views.get(days[0]!)).toBe(2);
    expect(views.get(threeDaysAgo)).toBe(7);
    expect(views.get(today)).toBe(1);
    expect([...views.values()].reduce((a, b) => a + b, 0)).toBe(10); // 2001's row is outside the window

    // What the database says per day, in the zone, is what the bars say.
    const expected = await ctx.deps.db.pool.query<{ day: string; n: number }>(
      `SELECT (created_at AT TIME ZONE $2)::date::text AS day, count(*)::int AS n FROM purchases
        WHERE document_id = $1 AND status = 'paid' AND created_at > now() - interval '30 days' GROUP BY 1`,
      [doc.id, tz],
    );
    const expectedSales = new Map(expected.rows.map((r) => [r.day, r.n]));
    expect(expectedSales.get(calendarDay(utcMinus3, tz))).toBe(1);
    for (const day of days) expect(sales.get(day), day).toBe(expectedSales.get(day) ?? 0);
    expect([...sales.values()].reduce((a, b) => a + b, 0)).toBe(2);
    expect(row).toContain('近30天：浏览 10 次，售出 2 份');
  });
});

describe('the category suggested at upload', () => {
  it('when the uploader picks no category, then the title suggests one; a chosen one is kept', async () => {
    const text = (s: string) => Buffer.from(`${s}\n${'正文内容。'.repeat(20)}\n`, 'utf8');
    const suggested = await upload(ctx, author.token, text('合同一'), { filename: 'a.txt', fields: { title: '2024年房屋租赁合同范本' } });
    expect(suggested.status).toBe(202);
    expect(suggested.body.document.category).toBe('合同协议');
    const chosen = await upload(ctx, author.token, text('合同二'), { filename: 'b.txt', fields: { title: '房屋租赁合同', category: '生活休闲' } });
    expect(chosen.body.document.category).toBe('生活休闲');
    const fromName = await upload(ctx, author.token, text('讲话'), { filename: '在表彰大会上的讲话.txt' });
    expect(fromName.body.document.category).toBe('讲话致辞');
    const nothing = await upload(ctx, author.token, text('无'), { filename: 'c.txt', fields: { title: '随便写写' } });
    expect(nothing.body.document.category).toBe('其他');
    // The upload page offers 自动 by default and loads the same table.
    const page = await authorAgent.get('/upload');
    expect(page.text).toContain('<option value="" selected>按标题自动推荐</option>');
  });
});

describe('the uploader\'s page /u/:id', () => {
  it('when anyone opens it, then it shows the name, join date, public documents only and their totals', async () => {
    const uploader = await registerUser(ctx, { displayName: '公开页<作者>' });
    const a = await createDocument(ctx, { uploaderId: uploader.user.id, title: '公开文档一' });
    const b = await createDocument(ctx, { uploaderId: uploader.user.id, title: '公开文档二' });
    await ctx.deps.db.pool.query('UPDATE documents SET downloads = 4 WHERE id = $1', [a.id]);
    await ctx.deps.db.pool.query('UPDATE documents SET downloads = 5 WHERE id = $1', [b.id]);
    const hidden = [
      await createDocument(ctx, { uploaderId: uploader.user.id, title: '隐藏-转换中', status: 'processing' }),
      await createDocument(ctx, { uploaderId: uploader.user.id, title: '隐藏-失败', status: 'failed' }),
      await createDocument(ctx, { uploaderId: uploader.user.id, title: '隐藏-已删除', deleted: true }),
      await createDocument(ctx, { uploaderId: uploader.user.id, title: '隐藏-已下架', takenDown: true }),
    ];
    await ctx.deps.db.pool.query('UPDATE documents SET downloads = 100 WHERE id = ANY($1::bigint[])', [hidden.map((h) => h.id)]);
    await ctx.deps.db.pool.query(`UPDATE documents SET thumbnail_key = 'thumb' WHERE id = $1`, [a.id]);

    // Even the uploader themself sees only the public ones here.
    for (const res of [await ctx.http().get(`/u/${uploader.user.id}`), await ctx.http().get(`/u/${uploader.user.id}`).set('cookie', `wenku_session=${uploader.token}`)]) {
      expect(res.status).toBe(200);
      expect(res.text).toContain('<h1>公开页&lt;作者&gt;</h1>');
      expect(res.text).toMatch(/\d{4}-\d{2}-\d{2} 加入/u);
      expect(res.text).toContain('文档 <b>2</b> 篇');
      expect(res.text).toContain('被下载 <b>9</b> 次');
      expect(res.text).toContain('公开文档一');
      expect(res.text).toContain('公开文档二');
      expect(res.text).toContain(`/api/v1/documents/${a.id}/thumbnail`);
      expect(res.text).not.toContain('隐藏-');
    }
    // The document page links its uploader's name here.
    const doc = await ctx.http().get(`/doc/${a.id}`);
    expect(doc.text).toContain(`<a class="uploader-link" href="/u/${uploader.user.id}">`);
  });

  it('when the id is unknown or not a number, then it is the 404 page', async () => {
    for (const path of ['/u/999999', '/u/abc', '/u/0', '/u/-1']) {
      const res = await ctx.http().get(path).set('accept', 'text/html');
      expect(res.status, path).toBe(404);
      expect(res.text).toContain('页面不存在');
    }
  });
});

// csrfOf is what page forms carry; make sure the studio's forms carry it too.
describe('the studio\'s forms', () => {
  it('when the studio is rendered, then every form carries the CSRF token', async () => {
    await createDocument(ctx, { uploaderId: author.user.id });
    const html = (await authorAgent.get('/me/documents')).text;
    const forms = html.match(/<form [^>]*method="post" action="\/me\/documents\/\d+[^"]*"/gu) ?? [];
    expect(forms.length).toBeGreaterThan(0);
    expect(html.split('name="_csrf"').length - 1).toBeGreaterThanOrEqual(forms.length);
    expect(csrfOf(html)).toBeTruthy();
  });
});
