// The search page's total and numbered pages (issue 16): 「共约 N 篇」 and 「‹ 上一页 1 2 3 下一页 ›」.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/app.js';
import { createDocument, registerUser } from '../../test/factories.js';
import { MAX_RESULT_PAGES, pagerLinks } from './pages/listing-pages.js';

let ctx: TestContext;
const WORD = 'Quillfeather';
beforeAll(async () => {
  ctx = await createTestContext();
  const author = await registerUser(ctx);
  // 45 matches of the word (3 pages of 20), 2 of them free; one taken down and one deleted that never count.
  for (let i = 0; i < 45; i++) {
    await createDocument(ctx, { uploaderId: author.user.id, title: `${WORD} 讲话 第${i + 1}篇`, keywords: [WORD.toLowerCase(), '讲话'], priceCents: i < 2 ? 0 : 100, category: '讲话致辞' });
  }
  await createDocument(ctx, { uploaderId: author.user.id, title: `${WORD} 已下架`, keywords: [WORD.toLowerCase()], takenDown: true });
  await createDocument(ctx, { uploaderId: author.user.id, title: `${WORD} 已删除`, keywords: [WORD.toLowerCase()], deleted: true });
}, 120_000);
afterAll(async () => ctx.close());

const ids = (html: string) => [...html.matchAll(/<h3 class="doc-item-title"><a href="\/doc\/(\d+)"/g)].map((m) => Number(m[1]));
const search = (qs: string) => ctx.http().get(`/search?${qs}`).set('accept', 'text/html');

describe('search result pages', () => {
  it('when a word matches 45 listed documents, then the page says 共约 45 篇 and links pages 1 2 3 and 下一页', async () => {
    const res = await search(`q=${WORD}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('共约 45 篇');
    expect(ids(res.text)).toHaveLength(20);
    expect(res.text).toContain('aria-current="page"><span class="visually-hidden">第</span>1<');
    expect(res.text).toContain(`href="/search?q=${WORD}&amp;page=2"`);
    expect(res.text).toContain(`href="/search?q=${WORD}&amp;page=3"`);
    expect(res.text).toMatch(new RegExp(`href="/search\\?q=${WORD}&amp;page=2" rel="next">下一页`));
    expect(res.text).not.toContain('上一页');
  });

  it('when page 2 and 3 are opened, then they hold the next results with none repeated, and 45 in all', async () => {
    const pages = await Promise.all([1, 2, 3].map((n) => search(`q=${WORD}${n > 1 ? `&page=${n}` : ''}`)));
    const [p1, p2, p3] = pages.map((p) => ids(p.text));
    expect(p2!).toHaveLength(20);
    expect(p3!).toHaveLength(5);
    expect(p2!.some((id) => p1!.includes(id))).toBe(false);
    expect(new Set([...p1!, ...p2!, ...p3!]).size).toBe(45);
    expect(pages[1]!.text).toContain('第 2 页');
    expect(pages[1]!.text).toMatch(new RegExp(`href="/search\\?q=${WORD}" rel="prev">‹ 上一页`));
    expect(pages[2]!.text).not.toContain('下一页');
    // Later pages are not indexed and do not count as searches of the week.
    expect(pages[1]!.text).toContain('<meta name="robots" content="noindex">');
  });

  it('when the sort is newest, then pages follow the newest order exactly', async () => {
    const p1 = ids((await search(`q=${WORD}&sort=newest`)).text);
    const p2 = ids((await search(`q=${WORD}&sort=newest&page=2`)).text);
    const all = (await ctx.deps.db.pool.query<{ id: number }>(
      `SELECT id FROM documents WHERE title LIKE $1 AND deleted_at IS NULL AND taken_down_at IS NULL ORDER BY created_at DESC, id DESC`, [`${WORD}%`],
    )).rows.map((r) => r.id);
    expect([...p1, ...p2]).toEqual(all.slice(0, 40));
  });

  it('when a filter narrows the results, then the count follows it and filter links go back to page 1', async () => {
    const free = await search(`q=${WORD}&free=1`);
    expect(free.text).toContain('共约 2 篇');
    expect(ids(free.text)).toHaveLength(2);
    expect(free.text).not.toContain('class="pager-pages"');
    const p2 = await search(`q=${WORD}&page=2`);
    expect(p2.text).toContain(`href="/search?q=${WORD}&amp;free=1"`); // no page=2 kept on a filter link
  });

  it('when a listing without a query is paged, then the count is of every listed document', async () => {
    const res = await search('category=' + encodeURIComponent('讲话致辞'));
    expect(res.text).toContain('共约 45 篇');
  });

  it('when the page number is nonsense or past the last, then it is page 1 or the last numbered page, never a 500', async () => {
    for (const page of ['abc', '0', '-1', '1e3']) {
      const res = await search(`q=${WORD}&page=${page}`);
      expect(res.status, page).toBe(200);
      expect(ids(res.text), page).toHaveLength(20);
    }
    const far = await search(`q=${WORD}&page=999999`);
    expect(far.status).toBe(200);
    expect(ids(far.text)).toHaveLength(0);
  });

  it('when nothing matches, then it says so with 共约 0 篇 and no pager', async () => {
    const res = await search('q=Zzyzxqwv');
    expect(res.text).toContain('没有找到');
    expect(res.text).not.toContain('class="pager-pages"');
  });

  it('when many pages exist, then the pager shows the first, the last, two either side of this one and gaps', () => {
    const labels = pagerLinks(7, 20, (n) => `/p${n}`).map((l) => l.label);
    expect(labels).toEqual(['‹ 上一页', '1', '…', '5', '6', '7', '8', '9', '…', '20', '下一页 ›']);
    expect(pagerLinks(1, 1, String)).toEqual([]);
    expect(pagerLinks(2, 3, String).map((l) => l.label)).toEqual(['‹ 上一页', '1', '2', '3', '下一页 ›']);
    expect(MAX_RESULT_PAGES).toBe(50);
  });
});
