// 「热门搜索」 (issue 16): normalised terms, counted by distinct searchers this week, top 10.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/app.js';
import { count } from '../../test/factories.js';
import { normaliseTerm } from './hot-searches.service.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => ctx.close());

// Searchers by address (an anonymous searcher is its IP; the test client is a trusted proxy).
const addresses = new Map<string, string>();
const addressOf = (who: string) => addresses.get(who) ?? addresses.set(who, `198.51.100.${addresses.size + 1}`).get(who)!;
const search = (q: string, who: string) => ctx.http().get(`/search?q=${encodeURIComponent(q)}`).set('X-Forwarded-For', addressOf(who));
const hotBlock = (html: string) => /<nav class="hot-searches"[^>]*>([\s\S]*?)<\/nav>/u.exec(html)?.[1] ?? '';

describe('hot searches', () => {
  it('when terms are normalised, then full-width, case and spacing variants are one term', () => {
    expect(normaliseTerm('  ＡＢＣ  工作\t总结 ')).toBe('abc 工作 总结');
    expect(normaliseTerm('   ')).toBeNull();
    expect(normaliseTerm('字'.repeat(41))).toBeNull();
  });

  it('when three people search a word and one person searches another many times, then only the first is hot, on home and search pages', async () => {
    for (const who of ['reader-a', 'reader-b', 'reader-c']) expect((await search('政法 会议', who)).status).toBe(200);
    await search('政法　会议', 'reader-d'); // full-width space: the same term
    for (let i = 0; i < 6; i++) await search('刷屏广告', 'spammer');
    expect(await count(ctx, `search_log WHERE term = '刷屏广告'`)).toBe(1);
    expect(await count(ctx, `search_log WHERE term = '政法 会议'`)).toBe(4);
    const home = await ctx.http().get('/');
    expect(hotBlock(home.text)).toContain(`<a href="/search?q=${encodeURIComponent('政法 会议')}">政法 会议</a>`);
    expect(hotBlock(home.text)).not.toContain('刷屏广告');
    const page = await search('其他', 'reader-e');
    expect(hotBlock(page.text)).toContain('政法 会议');
  });

  it('when searches are older than a week, then they no longer count', async () => {
    for (const who of ['x1', 'x2', 'x3']) await search('旧词', who);
    expect(hotBlock((await ctx.http().get('/')).text)).toContain('旧词');
    ctx.clock.advance(8 * 86_400_000);
    expect(hotBlock((await ctx.http().get('/')).text)).not.toContain('旧词');
  });
});
