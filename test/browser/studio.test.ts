// The uploader's studio in a real browser: an uploader opens 我的上传 from the header, opens a
// document's edit form, changes its price and sees the new price on the document page; the
// uploader's public page is reached from the 上传者 name. Screenshots of both pages at desktop and
// phone sizes go to docs/screenshots/.
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DESKTOP, PHONE, SCREENSHOT_DIR, startLiveServer, type LiveServer } from './harness.js';
import { buy, createDocument, registerUser, topUp, type TestUser } from '../factories.js';
import { NOTICE_DOC, upload, waitForConversion } from '../../src/documents/test-support.js';
import { chartDays } from '../../src/me/studio-chart.js';
import { calendarDay } from '../../public/js/format.js';

let live: LiveServer;
let author: TestUser;
let pricedId = 0;

beforeAll(async () => {
  live = await startLiveServer();
  const ctx = live.ctx;
  author = await registerUser(ctx, { displayName: '王老师' });
  // One real upload, so the studio shows a real first-page thumbnail.
  const uploaded = await upload(ctx, author.token, NOTICE_DOC, { fields: { title: '2023年度个人工作总结', priceCents: '200', description: '适用于机关单位。\n共三部分：工作回顾、存在问题、明年计划。' } });
  expect(uploaded.status).toBe(202);
  pricedId = uploaded.body.document.id;
  expect((await waitForConversion(ctx, pricedId, 120_000)).status).toBe('ready');
  await createDocument(ctx, { uploaderId: author.user.id, title: '在全县教育工作会议上的讲话', priceCents: 500 });
  await createDocument(ctx, { uploaderId: author.user.id, title: '损坏的文件', status: 'failed', failureReason: '文档解压后体积异常（疑似压缩炸弹），已拒绝处理' });
  // Thirty days of numbers for the chart: views on most days, a few sales.
  const days = chartDays(calendarDay(new Date(), ctx.deps.config.timezone));
  for (const [i, day] of days.entries()) {
    const views = (i * 7) % 11;
    if (views > 0) await ctx.deps.db.pool.query('INSERT INTO document_daily_views (document_id, day, views) VALUES ($1, $2, $3)', [pricedId, day, views]);
  }
  // The stored total, as the counter would have left it.
  await ctx.deps.db.pool.query('UPDATE documents SET views = (SELECT sum(views) FROM document_daily_views WHERE document_id = $1) WHERE id = $1', [pricedId]);
  for (let i = 0; i < 3; i++) {
    const buyer = await registerUser(ctx);
    await topUp(ctx, buyer.token, 200);
    await buy(ctx, buyer.token, pricedId);
  }
}, 180_000);
afterAll(async () => live?.close(), 60_000);

async function logIn(user: TestUser): Promise<Page> {
  const context = await live.browser.newContext({ viewport: DESKTOP, locale: 'zh-CN' });
  const page = await context.newPage();
  await page.goto(`${live.baseUrl}/login?next=/`);
  await page.fill('input[name=email]', user.user.email);
  await page.fill('input[name=password]', user.password);
  await Promise.all([page.waitForURL(`${live.baseUrl}/`), page.click('form.form-stack button[type=submit]')]);
  return page;
}

/** Desktop and phone screenshots of the whole page, kept in docs/screenshots/. */
async function keepScreenshots(page: Page, name: string): Promise<void> {
  mkdirSync('docs/screenshots', { recursive: true });
  for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
    await page.setViewportSize(size);
    await page.evaluate(() => window.scrollTo(0, 0)); // the sticky header stays on top of the shot
    await page.waitForTimeout(200);
    const file = path.join(SCREENSHOT_DIR, `${name}-${label}.png`);
    await page.screenshot({ path: file, fullPage: true });
    copyFileSync(file, path.join('docs/screenshots', `${name}-${label}.png`));
    expect(statSync(file).size).toBeGreaterThan(10_000);
  }
  await page.setViewportSize(DESKTOP);
}

describe('the studio in Chromium', () => {
  it('when the uploader changes a price in 我的上传, then the document page shows the new price', async () => {
    const page = await logIn(author);
    await Promise.all([page.waitForURL(`${live.baseUrl}/me/documents`), page.click('.user-nav a[href="/me/documents"]')]);
    const row = page.locator(`#doc-${pricedId}`);
    expect(await row.locator('.studio-stats').textContent()).toContain('¥2.00');
    expect(await row.locator('.doc-thumb img').evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    expect(await row.locator('svg[role=img] title').first().textContent()).toContain('售出 3 份');

    await row.locator('summary', { hasText: '编辑信息与价格' }).click();
    await row.locator('input[name=price]').fill('6.8');
    await row.screenshot({ path: path.join(SCREENSHOT_DIR, 'studio-edit-form.png') });
    await Promise.all([page.waitForURL(/\/me\/documents\?done=saved/), row.locator('button[type=submit]', { hasText: '保存修改' }).click()]);
    expect(await page.textContent('.alert-ok')).toContain('修改已保存');
    expect(await page.locator(`#doc-${pricedId} .studio-stats`).textContent()).toContain('¥6.80');
    await keepScreenshots(page, 'studio');

    await page.goto(`${live.baseUrl}/doc/${pricedId}`);
    expect(await page.textContent('.price-line .price')).toBe('¥6.80');
    expect(await page.textContent('.doc-description-text')).toContain('共三部分');
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'studio-doc-page.png') });
    // A typo in the price is refused with a Chinese message and changes nothing.
    await page.goto(`${live.baseUrl}/me/documents`);
    await page.locator(`#doc-${pricedId} summary`, { hasText: '编辑信息与价格' }).click();
    await page.locator(`#doc-${pricedId} input[name=price]`).fill('6.8元');
    await page.locator(`#doc-${pricedId} button[type=submit]`, { hasText: '保存修改' }).click();
    await page.waitForSelector(`#doc-${pricedId} .alert-error`);
    expect(await page.textContent(`#doc-${pricedId} .alert-error`)).toContain('价格请填写');
    await page.goto(`${live.baseUrl}/doc/${pricedId}`);
    expect(await page.textContent('.price-line .price')).toBe('¥6.80');
    await page.context().close();
  });

  it('when a reader follows the 上传者 name, then the uploader\'s page lists the public documents', async () => {
    const context = await live.browser.newContext({ viewport: DESKTOP, locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(`${live.baseUrl}/doc/${pricedId}`);
    await Promise.all([page.waitForURL(`${live.baseUrl}/u/${author.user.id}`), page.click('.doc-side .uploader-link')]);
    expect(await page.textContent('h1')).toBe('王老师');
    const titles = await page.locator('.doc-item-title').allTextContents();
    expect(titles.map((t) => t.trim()).sort()).toEqual(['2023年度个人工作总结', '在全县教育工作会议上的讲话'].sort());
    await keepScreenshots(page, 'uploader');
    await context.close();
  });
});
