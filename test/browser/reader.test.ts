// The reader's path through the real site in a real browser: register, upload a .doc with a
// visible progress bar, watch the conversion finish, read the page images (counter, zoom, find,
// the end of the free pages) and the 文字版, favorite, find it by a word from its body, and reach
// the download confirmation before any charge.
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { registerInBrowser, screenshots, startLiveServer, type LiveServer, DESKTOP, SCREENSHOT_DIR } from './harness.js';
import { createDocument, SEED_DOC, topUp } from '../factories.js';

let live: LiveServer;
let docId = 0;
let authorPage: Page;

/** The page-image API (issue 12's server side, branch p/pages) is on this checkout. */
let hasPagesApi = false;
const NO_PAGES_API = 'the page-image API (GET /api/v1/documents/:id/pages) has not landed on this branch yet';

beforeAll(async () => {
  live = await startLiveServer();
  const spec = await live.ctx.http().get('/api/v1/openapi.json');
  hasPagesApi = '/api/v1/documents/{id}/pages' in (spec.body.paths ?? {});
}, 120_000);
afterAll(async () => live?.close(), 60_000);

const READER_DESKTOP = { width: 1280, height: 900 };
const READER_PHONE = { width: 390, height: 844 };
const frameHeight = (page: Page) => page.$eval('#preview-frame', (el) => (el as HTMLElement).getBoundingClientRect().height);

describe('the reader pages in Chromium', () => {
  it('when an author uploads the seed .doc, then the progress bar fills, the status reaches ready and the page link appears', async () => {
    const context = await live.browser.newContext({ viewport: DESKTOP, locale: 'zh-CN' });
    authorPage = await context.newPage();
    await registerInBrowser(authorPage, live.baseUrl, '上传作者');
    await authorPage.goto(`${live.baseUrl}/upload`);
    await screenshots(authorPage, 'upload');

    // A slow uplink, so the bar moves through several XHR progress events.
    const cdp = await context.newCDPSession(authorPage);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 4 * 1024 });
    await authorPage.evaluate(() => {
      const seen: number[] = [];
      (window as unknown as { __progress: number[] }).__progress = seen;
      const bar = document.getElementById('progress-bar')!;
      new MutationObserver(() => seen.push(Number(bar.getAttribute('aria-valuenow')))).observe(bar, { attributes: true });
    });
    await authorPage.setInputFiles('#file-input', SEED_DOC);
    await expect.poll(() => authorPage.textContent('#chosen-file')).toContain('在全县政法稳定工作推进会议上的讲话.doc');
    await authorPage.fill('input[name=price]', '2.5');
    await authorPage.selectOption('select[name=category]', '讲话致辞');
    await authorPage.fill('input[name=freePreviewPages]', '2');
    await authorPage.click('#upload-submit');
    await authorPage.waitForSelector('[data-step="upload"].is-done', { timeout: 30_000 });
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    const progress = await authorPage.evaluate(() => (window as unknown as { __progress: number[] }).__progress);
    expect(progress.at(-1)).toBe(100);
    expect(progress.filter((p) => p > 0 && p < 100).length).toBeGreaterThanOrEqual(1);
    expect(await authorPage.getAttribute('#progress-bar', 'aria-valuenow')).toBe('100');

    const link = await authorPage.waitForSelector('#upload-result a:has-text("查看文档")', { timeout: 240_000 });
    expect(await authorPage.isVisible('[data-step="ready"].is-done')).toBe(true);
    docId = Number((await link.getAttribute('href'))!.split('/').pop());
    const row = await live.ctx.deps.db.pool.query('SELECT status, price_cents AS "priceCents", pages FROM documents WHERE id = $1', [docId]);
    expect(row.rows[0]).toMatchObject({ status: 'ready', priceCents: 250 });
    expect(row.rows[0].pages).toBeGreaterThan(3);
    await screenshots(authorPage, 'upload-done');

    // 「继续上传」 starts over from an empty form; it does not send the same file again.
    const posts: string[] = [];
    authorPage.on('request', (r) => { if (r.method() === 'POST' && r.url().endsWith('/api/v1/documents')) posts.push(r.url()); });
    expect(await authorPage.textContent('#upload-submit')).toBe('继续上传');
    await authorPage.click('#upload-submit');
    await expect.poll(() => authorPage.textContent('#upload-submit')).toBe('开始上传');
    expect(await authorPage.$eval('#file-input', (el) => (el as HTMLInputElement).files!.length)).toBe(0);
    expect(await authorPage.textContent('#chosen-file')).toBe('');
    expect(await authorPage.inputValue('input[name=price]')).toBe('0');
    expect(await authorPage.locator('#upload-steps .is-done, #upload-steps .is-failed').count()).toBe(0);
    expect(await authorPage.textContent('#upload-result')).toBe('');
    expect(posts).toEqual([]);
  }, 300_000);

  it('when the author opens the page, then the preview reads well, expands and collapses, and favoriting counts', async () => {
    // Neighbours for 「你可能关注的文档」 and the listings (rows as the conversion leaves them).
    const other = await live.ctx.deps.db.pool.query<{ id: number }>("SELECT id FROM users WHERE display_name = '上传作者'");
    const neighbours = [
      { title: '关于进一步加强信访工作的实施意见', category: '党政公文', keywords: ['信访', '工作', '实施意见'], priceCents: 0 },
      { title: '2023年全县政法综治工作总结', category: '工作总结', keywords: ['全县', '政法', '综治', '工作', '总结'], priceCents: 300 },
      { title: '在全市社会稳定工作会议上的讲话', category: '讲话致辞', keywords: ['全市', '社会', '稳定', '工作', '会议', '讲话'], priceCents: 500 },
      { title: '乡镇平安建设工作推进会讲话稿', category: '讲话致辞', keywords: ['乡镇', '平安', '建设', '工作', '推进', '讲话'], priceCents: 0 },
    ];
    for (const n of neighbours) {
      await createDocument(live.ctx, { uploaderId: other.rows[0]!.id, ...n, pages: [`<p>${n.title}。会议强调，要把政法稳定工作放在突出位置。</p>`] });
    }
    await authorPage.goto(`${live.baseUrl}/doc/${docId}`);
    expect(await authorPage.title()).toContain('在全县政法稳定工作推进会议上的讲话');
    expect(await authorPage.textContent('.doc-meta')).toMatch(/ID：\d+.*大小：23KB.*页数：\d+页.*格式：DOC.*时间：\d{4}-\d\d-\d\d/s);
    // The page images are the default; the 文字版 is the other tab (arrow keys move between them).
    if (hasPagesApi) {
      expect(await authorPage.getAttribute('#tab-pages', 'aria-selected')).toBe('true');
      expect(await authorPage.isVisible('#panel-pages')).toBe(true);
      expect(await authorPage.isHidden('#panel-text')).toBe(true);
      await authorPage.focus('#tab-pages');
      await authorPage.keyboard.press('ArrowRight');
      expect(await authorPage.evaluate(() => document.activeElement?.id)).toBe('tab-text');
      expect(await authorPage.getAttribute('#tab-text', 'aria-selected')).toBe('true');
      expect(await authorPage.getAttribute('#tab-pages', 'tabindex')).toBe('-1');
      expect(await authorPage.isHidden('#panel-pages')).toBe(true);
      expect(await authorPage.isVisible('#panel-text')).toBe(true);
    }
    const frame = authorPage.frameLocator('#preview-frame');
    await expect.poll(() => frame.locator('body').textContent(), { timeout: 15_000 }).toContain('今天我们召开这次会议');
    // The frame runs no script even though the page can size it.
    const scriptsRan = await authorPage.$eval('#preview-frame', (f) => {
      const doc = (f as HTMLIFrameElement).contentDocument!;
      return doc.querySelectorAll('script').length;
    });
    expect(scriptsRan).toBe(0);

    const collapsed = await frameHeight(authorPage);
    await authorPage.click('.js-preview-toggle');
    await expect.poll(() => frameHeight(authorPage)).toBeGreaterThan(collapsed + 200);
    expect(await authorPage.getAttribute('.js-preview-toggle', 'aria-expanded')).toBe('true');
    await authorPage.click('.js-preview-toggle');
    await expect.poll(() => frameHeight(authorPage)).toBeLessThanOrEqual(collapsed + 1);
    // Expanded, the frame is exactly as tall as its content: no inner scrolling, no empty box.
    await authorPage.click('.js-preview-toggle');
    await expect.poll(async () => {
      const [outer, inner] = await authorPage.$eval('#preview-frame', (f) => {
        const el = f as HTMLIFrameElement;
        return [el.getBoundingClientRect().height, el.contentDocument!.body.getBoundingClientRect().height];
      });
      return Math.abs(outer - inner);
    }).toBeLessThanOrEqual(2);
    await authorPage.click('.js-preview-toggle');
    if (hasPagesApi) await authorPage.click('#tab-pages');

    await authorPage.click('.js-favorite');
    await expect.poll(() => authorPage.getAttribute('.js-favorite', 'aria-pressed')).toBe('true');
    expect(await authorPage.textContent('.js-favorite .fav-count')).toBe('1');
    const fav = await live.ctx.deps.db.pool.query('SELECT favorites_count AS n FROM documents WHERE id = $1', [docId]);
    expect(fav.rows[0].n).toBe(1);

    await authorPage.click('.js-share');
    expect(await authorPage.inputValue('#share-url')).toMatch(new RegExp(`/doc/${docId}\\?ref=[a-z0-9]+$`));
    await authorPage.click('.js-share');
    await authorPage.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await authorPage.mouse.move(0, 0);
    expect(await authorPage.locator('#related-h + ul .doc-item').count()).toBeGreaterThanOrEqual(3);
    await screenshots(authorPage, 'doc');
  }, 60_000);

  it('when a reader who has not bought it reads the page images, then the counter follows, zoom and find work, and nothing past the free pages is in the page or fetched', async (t) => {
    if (!hasPagesApi) t.skip(NO_PAGES_API);
    const total = (await live.ctx.deps.db.pool.query<{ pages: number }>('SELECT pages FROM documents WHERE id = $1', [docId])).rows[0]!.pages;
    const context = await live.browser.newContext({ viewport: READER_DESKTOP, locale: 'zh-CN' });
    const page = await context.newPage();
    await registerInBrowser(page, live.baseUrl, '翻页读者');
    const requested: string[] = [];
    page.on('request', (r) => requested.push(new URL(r.url()).pathname));
    await page.goto(`${live.baseUrl}/doc/${docId}`);
    await page.waitForSelector('.reader-page[data-page="2"]');
    await page.waitForSelector('#panel-pages[data-text-ready="1"]');
    expect(await page.locator('.reader-page').count()).toBe(2);
    expect(await page.textContent('.reader-counter')).toBe(`第 1 / ${total} 页`);
    // Each box has the page's proportions before its image arrives.
    const box = await page.$eval('.reader-page[data-page="1"]', (el) => { const r = el.getBoundingClientRect(); return { w: r.width, h: r.height }; });
    const listed = await (await page.request.get(`${live.baseUrl}/api/v1/documents/${docId}/pages`)).json() as { pages: Array<{ width: number; height: number; imageUrl: string }>; truncated: boolean };
    expect(listed.truncated).toBe(true);
    expect(Math.abs(box.h - (box.w * listed.pages[0]!.height) / listed.pages[0]!.width)).toBeLessThanOrEqual(1);
    await page.$eval('#preview-h', (el) => el.parentElement!.scrollIntoView());
    await page.waitForFunction(() => [...document.querySelectorAll('.reader-page img')].every((i) => (i as HTMLImageElement).complete));
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'reader-desktop.png') });

    // Scrolling on: the counter follows; PgUp goes back a page.
    await page.$eval('.reader-page[data-page="2"]', (el) => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 100));
    await expect.poll(() => page.textContent('.reader-counter')).toBe(`第 2 / ${total} 页`);
    await page.focus('.js-reader-view');
    await page.keyboard.press('PageUp');
    await expect.poll(() => page.textContent('.reader-counter')).toBe(`第 1 / ${total} 页`);
    await page.keyboard.press('PageDown');
    await expect.poll(() => page.textContent('.reader-counter')).toBe(`第 2 / ${total} 页`);

    // Zoom: + makes the pages (and their text layers) wider; 适合宽度 brings them back.
    const width = () => page.$eval('.reader-page[data-page="1"]', (el) => el.getBoundingClientRect().width);
    const fit = await width();
    await page.click('.js-zoom-in');
    await expect.poll(width).toBeCloseTo(fit * 1.25, -1);
    expect(await page.textContent('.js-zoom-level')).toBe('125%');
    const layerScale = await page.$eval('.reader-page[data-page="1"] .text-layer', (el) => el.getBoundingClientRect().width / el.parentElement!.getBoundingClientRect().width);
    expect(layerScale).toBeCloseTo(1, 2);
    await page.keyboard.press('-');
    await expect.poll(width).toBeCloseTo(fit, 0);
    await page.click('.js-zoom-in');
    await page.click('.js-zoom-fit');
    await expect.poll(width).toBeCloseTo(fit, 0);

    // The text layer is real text (selectable, found by the browser's own search), never markup.
    const layerText = await page.$$eval('.text-layer', (layers) => layers.map((l) => l.textContent).join('\n'));
    expect(layerText).toContain('在全县政法稳定工作推进会议上的讲话');
    expect(layerText).toContain('今天我们召开这次会议');
    expect(await page.locator('.text-layer *:not(span):not(br)').count()).toBe(0);
    await page.evaluate(() => window.scrollTo(0, 0));
    const found = await page.evaluate(() => {
      const ok = (window as unknown as { find(s: string): boolean }).find('今天我们召开');
      const node = window.getSelection()?.anchorNode;
      return { ok, inLayer: !!node?.parentElement?.closest('.text-layer'), selected: window.getSelection()?.toString() };
    });
    expect(found).toEqual({ ok: true, inLayer: true, selected: '今天我们召开' });

    // The end of the free pages: the notice with the buy button, and nothing of page 3 anywhere.
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    const end = page.locator('.js-reader-end');
    await expect.poll(() => end.isVisible()).toBe(true);
    expect(await end.textContent()).toContain(`剩余 ${total - 2} 页未读，购买后下载阅读全文`);
    expect(await end.locator('.js-open-download').count()).toBe(1);
    await page.waitForTimeout(500);
    expect(await page.locator('.reader-page img').count()).toBe(2);
    expect(await page.locator('.reader-page[data-page="3"]').count()).toBe(0);
    const pageResources = requested.filter((u) => /\/pages\/\d+\//u.test(u));
    expect(pageResources.some((u) => u.includes('/pages/1/image')) && pageResources.some((u) => u.includes('/pages/2/text'))).toBe(true);
    expect(pageResources.filter((u) => !/\/pages\/[12]\//u.test(u))).toEqual([]);
    const guessed = await page.request.get(`${live.baseUrl}${listed.pages[0]!.imageUrl.replace('/pages/1/', '/pages/3/')}`);
    expect([403, 404]).toContain(guessed.status());
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'reader-end-desktop.png') });
    // The buy button at the end opens the same confirmation as the others.
    await end.locator('.js-open-download').click();
    await expect.poll(() => page.locator('#download-dialog').isVisible()).toBe(true);
    await context.close();

    // On a phone: the same reader, fitted to the screen, nothing wider than it.
    const phone = await live.browser.newContext({ viewport: READER_PHONE, locale: 'zh-CN', isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    const phonePage = await phone.newPage();
    await phonePage.goto(`${live.baseUrl}/doc/${docId}`);
    await phonePage.waitForSelector('.reader-page[data-page="1"] img');
    await phonePage.$eval('#panel-pages', (el) => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY));
    await phonePage.waitForFunction(() => [...document.querySelectorAll('.reader-page img')].every((i) => (i as HTMLImageElement).complete));
    expect(await phonePage.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await phonePage.screenshot({ path: path.join(SCREENSHOT_DIR, 'reader-phone.png') });
    await phone.close();

    // The uploader sees every page, and no end notice.
    await authorPage.goto(`${live.baseUrl}/doc/${docId}`);
    await authorPage.waitForSelector(`.reader-page[data-page="${total}"]`);
    expect(await authorPage.locator('.reader-page').count()).toBe(total);
    expect(await authorPage.locator('.js-reader-end:visible').count()).toBe(0);
    await authorPage.$eval(`.reader-page[data-page="${total}"]`, (el) => el.scrollIntoView());
    await authorPage.waitForSelector(`.reader-page[data-page="${total}"] img`);

    mkdirSync('docs/screenshots', { recursive: true });
    for (const name of ['reader-desktop.png', 'reader-phone.png']) {
      copyFileSync(path.join(SCREENSHOT_DIR, name), path.join('docs/screenshots', name));
      expect(statSync(path.join('docs/screenshots', name)).size).toBeGreaterThan(20_000);
    }
  }, 120_000);

  it('when someone searches a word from the body, then the document is found with the word marked', async () => {
    await authorPage.goto(`${live.baseUrl}/search?q=${encodeURIComponent('政法')}`);
    const hit = authorPage.locator(`.doc-item-title a[href="/doc/${docId}"]`);
    expect(await hit.count()).toBe(1);
    expect(await authorPage.locator('.doc-item mark').first().textContent()).toBe('政法');
    // Each listing shows the first page; documents without one keep the format icon.
    if (hasPagesApi) {
      const thumb = authorPage.locator(`.doc-item:has(.doc-item-title a[href="/doc/${docId}"]) .doc-thumb img`);
      expect(await thumb.evaluate((img: HTMLImageElement) => ({
        width: img.getAttribute('width'), height: img.getAttribute('height'), loading: img.getAttribute('loading'), alt: img.alt,
      }))).toEqual({ width: '200', height: '283', loading: 'lazy', alt: '《党办:在全县政法稳定工作推进会议上的讲话》第一页' });
      await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(100);
      expect(await authorPage.locator('.doc-item:not(:has(.doc-thumb)) .doc-icon').count()).toBeGreaterThan(0);
    }
    await screenshots(authorPage, 'search');
    await authorPage.goto(`${live.baseUrl}/`);
    expect(await authorPage.locator(`a[href="/doc/${docId}"]`).count()).toBeGreaterThan(0);
    await screenshots(authorPage, 'home');
    await authorPage.goto(`${live.baseUrl}/me`);
    expect(await authorPage.textContent(`#uploads .doc-item:has(a[href="/doc/${docId}"])`)).toContain('已发布');
    expect(await authorPage.locator(`#favorites .doc-item-title a[href="/doc/${docId}"]`).count()).toBe(1);
    if (hasPagesApi) expect(await authorPage.locator(`#uploads .doc-item:has(a[href="/doc/${docId}"]) .doc-thumb img`).count()).toBe(1);
    await screenshots(authorPage, 'me');
  }, 60_000);

  it('when the author uploads a file that is not Word, or the same file again, then the page explains it in Chinese', async () => {
    await authorPage.goto(`${live.baseUrl}/upload`);
    const posts: string[] = [];
    authorPage.on('request', (r) => { if (r.method() === 'POST' && r.url().endsWith('/api/v1/documents')) posts.push(r.url()); });
    await authorPage.setInputFiles('#file-input', { name: '不是文档.doc', mimeType: 'application/msword', buffer: Buffer.from('MZ this is an exe, not a Word file') });
    await authorPage.click('#upload-submit');
    // Refused by its bytes before anything is sent: 「文件不被接受」, not 「上传未完成」.
    await expect.poll(() => authorPage.textContent('#upload-error')).toContain('文件不被接受：这是可执行程序，不是文档');
    expect(await authorPage.textContent('#progress-label')).toBe('文件不被接受');
    expect(await authorPage.isVisible('[data-step="upload"].is-failed')).toBe(true);
    expect(await authorPage.textContent('#upload-submit')).toBe('开始上传');
    expect(posts).toEqual([]);

    await authorPage.setInputFiles('#file-input', SEED_DOC);
    await authorPage.click('#upload-submit');
    await expect.poll(() => authorPage.textContent('#upload-error')).toContain('你已经上传过同一个文件');
    expect(await authorPage.getAttribute('#upload-error a', 'href')).toBe(`/doc/${docId}`);
    const rows = await live.ctx.deps.db.pool.query('SELECT count(*)::int AS n FROM documents WHERE original_filename = $1', ['不是文档.doc']);
    expect(rows.rows[0].n).toBe(0);
  }, 60_000);

  it('when a reader without money asks to download, then the confirmation shows price, balance and notices, and nothing is charged', async () => {
    const context = await live.browser.newContext({ viewport: DESKTOP, locale: 'zh-CN' });
    const page = await context.newPage();
    const email = await registerInBrowser(page, live.baseUrl, '读者');
    const reader = (await live.ctx.deps.db.pool.query<{ id: number }>('SELECT id FROM users WHERE email = $1', [email])).rows[0]!;
    await page.goto(`${live.baseUrl}/doc/${docId}`);
    // A paid document: the rest of the pages never reached this browser.
    const end = page.locator('.preview-end:visible');
    await expect.poll(() => end.count()).toBe(1);
    expect(await end.textContent()).toMatch(/剩余 \d+ 页未读，购买后下载阅读全文/);
    await end.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'doc-truncated-end-desktop.png') });

    await page.click('.buy-card .js-open-download');
    const dialog = page.locator('#download-dialog');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await expect.poll(() => dialog.locator('.js-balance').textContent()).toBe('¥0.00');
    expect(await dialog.textContent()).toContain('¥2.50');
    expect(await dialog.locator('.dialog-notices li').count()).toBe(live.ctx.deps.config.site.notices.length);
    expect(await dialog.locator('.js-dialog-confirm').isDisabled()).toBe(true);
    // Too little balance is said up front, with what is missing; nothing to tick yet.
    await expect.poll(() => dialog.locator('.js-dialog-error').textContent()).toContain('还差 ¥2.50');
    expect(await dialog.locator('.js-confirm-check').isDisabled()).toBe(true);
    // Focus is inside the dialog (never on 充值, where Enter would leave the page).
    expect(await page.evaluate(() => !!document.activeElement?.closest('#download-dialog') && !document.activeElement?.matches('a[href="/wallet"]'))).toBe(true);
    // Focus stays in the modal dialog.
    for (let i = 0; i < 6; i++) await page.keyboard.press('Tab');
    expect(await page.evaluate(() => !!document.activeElement?.closest('#download-dialog'))).toBe(true);
    await screenshots(page, 'doc-confirm');

    const charged = async () => {
      const purchases = await live.ctx.deps.db.pool.query('SELECT 1 FROM purchases WHERE buyer_id = $1', [reader.id]);
      const entries = await live.ctx.deps.db.pool.query(
        'SELECT 1 FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id WHERE a.user_id = $1',
        [reader.id],
      );
      return purchases.rowCount! + entries.rowCount!;
    };
    expect(await charged()).toBe(0);

    // Top-up amounts that lead back here (test/browser/audit.test.ts follows one through).
    expect(await dialog.locator('.js-topup-presets a').allTextContents()).toEqual(['¥2.50（差额）', '¥10.00', '¥30.00', '¥50.00']);
    expect(await charged()).toBe(0);

    // With money in the wallet the same dialog buys once and starts the download.
    const login = await live.ctx.http().post('/api/v1/auth/login').send({ email, password: 'browser-password-1' });
    await topUp(live.ctx, login.body.token, 1000);
    await dialog.locator('.js-dialog-cancel').click();
    await page.click('.buy-card .js-open-download');
    await expect.poll(() => dialog.locator('.js-balance').textContent()).toBe('¥10.00');
    await dialog.locator('.js-confirm-check').check();
    const [download] = await Promise.all([page.waitForEvent('download'), dialog.locator('.js-dialog-confirm').click()]);
    expect(download.suggestedFilename()).toBe('党办_在全县政法稳定工作推进会议上的讲话.doc'); // named after the title
    // Bought: the dialog closed, the page says so with the new balance, the buttons say 已购买.
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect(await page.textContent('.js-download-done')).toContain('购买成功，余额 ¥7.50');
    expect(await page.textContent('.buy-card .js-open-download')).toBe('已购买 · 下载');
    const bought = await live.ctx.deps.db.pool.query('SELECT price_cents AS "priceCents" FROM purchases WHERE buyer_id = $1', [reader.id]);
    expect(bought.rows).toEqual([{ priceCents: 250 }]);
    const me = await live.ctx.http().get('/api/v1/me').set('authorization', `Bearer ${login.body.token}`);
    expect(me.status, JSON.stringify(me.body)).toBe(200);
    expect(me.body.wallet.balanceCents).toBe(750);
    await context.close();
  }, 60_000);

  it('when an anonymous reader asks to download, then they log in and come back to the confirmation', async () => {
    const context = await live.browser.newContext({ viewport: DESKTOP, locale: 'zh-CN' });
    const page = await context.newPage();
    const email = await registerInBrowser(page, live.baseUrl, '回访读者');
    await page.click('button:has-text("退出")');
    await page.goto(`${live.baseUrl}/doc/${docId}`);
    await page.click('.buy-card .js-open-download');
    await page.click('#download-dialog a:has-text("登录后下载")');
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', 'browser-password-1');
    await Promise.all([page.waitForURL(`${live.baseUrl}/doc/${docId}`), page.click('form.form-stack button[type=submit]')]);
    await expect.poll(() => page.locator('#download-dialog').isVisible()).toBe(true);
    expect(await page.locator('#download-dialog .js-confirm-check').count()).toBe(1);
    await context.close();
  }, 60_000);

  it('when a document is still converting, then its page shows a live status and turns into the preview when ready', async () => {
    const uploader = (await live.ctx.deps.db.pool.query<{ id: number }>("SELECT id FROM users WHERE display_name = '上传作者'")).rows[0]!;
    const id = (await createDocument(live.ctx, { uploaderId: uploader.id, title: '正在转换的讲话稿', status: 'processing' })).id;
    await authorPage.goto(`${live.baseUrl}/doc/${id}`);
    expect(await authorPage.textContent('#live-status')).toContain('文档正在转换');
    expect(await authorPage.locator('#preview-frame').count()).toBe(0);
    // The conversion finishing, as the worker leaves it: pages stored, status ready.
    await live.ctx.deps.db.pool.query(
      `INSERT INTO document_pages (document_id, page_no, html) VALUES ($1, 1, '<p>转换完成后的正文 LIVE-STATUS-DONE</p>')`,
      [id],
    );
    await live.ctx.deps.db.pool.query(`UPDATE documents SET status = 'ready', pages = 1 WHERE id = $1`, [id]);
    await authorPage.waitForSelector('#preview-frame', { timeout: 20_000 });
    await expect.poll(() => authorPage.frameLocator('#preview-frame').locator('body').textContent()).toContain('LIVE-STATUS-DONE');
  }, 60_000);

  it('when the pages are shown on a phone, then nothing is wider than the screen', async () => {
    const context = await live.browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN', isMobile: true, hasTouch: true });
    const page = await context.newPage();
    for (const url of ['/', `/doc/${docId}`, `/search?q=${encodeURIComponent('政法')}`]) {
      await page.goto(`${live.baseUrl}${url}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, url).toBeLessThanOrEqual(0);
    }
    await context.close();
    copyFileSync(path.resolve('test-artifacts/screenshots/doc-desktop.png'), path.resolve('test-artifacts/screenshots/doc-page.png'));
    expect(statSync('test-artifacts/screenshots/doc-page.png').size).toBeGreaterThan(10_000);
  }, 60_000);
});
