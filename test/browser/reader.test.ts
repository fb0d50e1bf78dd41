// The reader's path through the real site in a real browser: register, upload a .doc with a
// visible progress bar, watch the conversion finish, read and expand the preview, favorite,
// find it by a word from its body, and reach the download confirmation before any charge.
import { copyFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { registerInBrowser, screenshots, startLiveServer, type LiveServer, DESKTOP, SCREENSHOT_DIR } from './harness.js';
import { createDocument, SEED_DOC, topUp } from '../factories.js';

let live: LiveServer;
let docId = 0;
let authorPage: Page;

beforeAll(async () => {
  live = await startLiveServer();
}, 120_000);
afterAll(async () => live?.close(), 60_000);

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
    await authorPage.fill('input[name=freePreviewPages]', '3');
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
    await Promise.all([authorPage.waitForURL(`${live.baseUrl}/doc/${docId}`), authorPage.click('#upload-result a')]);
    expect(await authorPage.title()).toContain('在全县政法稳定工作推进会议上的讲话');
    expect(await authorPage.textContent('.doc-meta')).toMatch(/ID：\d+.*大小：23KB.*页数：\d+页.*格式：DOC.*时间：\d{4}-\d\d-\d\d/s);
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

  it('when someone searches a word from the body, then the document is found with the word marked', async () => {
    await authorPage.goto(`${live.baseUrl}/search?q=${encodeURIComponent('政法')}`);
    const hit = authorPage.locator(`.doc-item a[href="/doc/${docId}"]`);
    expect(await hit.count()).toBe(1);
    expect(await authorPage.locator('.doc-item mark').first().textContent()).toBe('政法');
    await screenshots(authorPage, 'search');
    await authorPage.goto(`${live.baseUrl}/`);
    expect(await authorPage.locator(`a[href="/doc/${docId}"]`).count()).toBeGreaterThan(0);
    await screenshots(authorPage, 'home');
    await authorPage.goto(`${live.baseUrl}/me`);
    expect(await authorPage.textContent(`#uploads .doc-item:has(a[href="/doc/${docId}"])`)).toContain('已发布');
    expect(await authorPage.locator(`#favorites a[href="/doc/${docId}"]`).count()).toBe(1);
    await screenshots(authorPage, 'me');
  }, 60_000);

  it('when the author uploads a file that is not Word, or the same file again, then the page explains it in Chinese', async () => {
    await authorPage.goto(`${live.baseUrl}/upload`);
    await authorPage.setInputFiles('#file-input', { name: '不是文档.doc', mimeType: 'application/msword', buffer: Buffer.from('MZ this is an exe, not a Word file') });
    await authorPage.click('#upload-submit');
    await expect.poll(() => authorPage.textContent('#upload-error')).toContain('不支持这个文件');
    expect(await authorPage.isVisible('[data-step="upload"].is-failed')).toBe(true);

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
    expect(await page.textContent('.preview-end')).toMatch(/剩余 \d+ 页未读，购买后下载阅读全文/);
    await page.locator('.preview-end').scrollIntoViewIfNeeded();
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

    expect(await dialog.locator('.js-dialog-error a[href="/wallet"]').count()).toBe(1);
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
