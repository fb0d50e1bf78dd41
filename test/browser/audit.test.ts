// Quality bars that must stay fixed (issue 16), in Chromium against the real server: no serious or
// critical axe-core violation on the document and search pages (desktop and phone, anonymous and
// logged in); the JSON-LD data block is readable under the site's CSP and a title cannot close it;
// and a reader short of money tops up from the purchase dialog and comes back to it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, PHONE, screenshots, startLiveServer, type LiveServer } from './harness.js';
import { blocking, runAxe } from '../../bench/lib/axe.js';
import { createDocument, registerUser, SEED_DOC, type TestUser } from '../factories.js';
import { upload, waitForConversion } from '../../src/documents/test-support.js';

let live: LiveServer;
let author: TestUser;
let reader: TestUser;
let docId = 0;

beforeAll(async () => {
  live = await startLiveServer();
  live.ctx.deps.config.devPayments = true; // the development payment page (off by default on a Postgres server)
  author = await registerUser(live.ctx, { displayName: '审计作者' });
  reader = await registerUser(live.ctx, { displayName: '审计读者' });
  const res = await upload(live.ctx, author.token, SEED_DOC, { fields: { priceCents: '250', freePreviewPages: '2', category: '讲话致辞' } });
  expect(res.status).toBe(202);
  docId = res.body.document.id;
  expect((await waitForConversion(live.ctx, docId, 200_000)).status).toBe('ready');
}, 240_000);
afterAll(async () => live?.close(), 60_000);

async function pageAs(user: TestUser | null, viewport: { width: number; height: number }) {
  const context = await live.browser.newContext({ viewport, locale: 'zh-CN', ...(viewport === PHONE ? { isMobile: true, hasTouch: true } : {}) });
  if (user) await context.addCookies([{ name: 'wenku_session', value: user.token, url: live.baseUrl }]);
  return { context, page: await context.newPage() };
}

describe('accessibility (axe-core)', () => {
  for (const [label, path] of [['the document page', () => `/doc/${docId}`], ['the search page', () => `/search?q=${encodeURIComponent('政法')}`]] as const) {
    it(`when ${label} is checked at desktop and phone sizes, anonymous and logged in, then axe finds no serious or critical violation`, async () => {
      for (const user of [null, reader]) {
        for (const viewport of [DESKTOP, PHONE]) {
          const { context, page } = await pageAs(user, viewport);
          await page.goto(`${live.baseUrl}${path()}`);
          await page.waitForLoadState('load');
          const found = blocking(await runAxe(page));
          expect(found, `${path()} ${viewport.width}px ${user ? 'logged in' : 'anonymous'}: ${JSON.stringify(found, null, 1)}`).toEqual([]);
          await context.close();
        }
      }
    }, 120_000);
  }
});

describe('structured data under the CSP', () => {
  it('when a title tries to close the JSON-LD block, then the block still parses to the title, no script of the title runs, and the CSP reports nothing', async () => {
    const title = '讲话稿</script><script>window.__pwned=1</script><!--';
    const doc = await createDocument(live.ctx, { uploaderId: author.user.id, title, priceCents: 120 });
    const { context, page } = await pageAs(null, DESKTOP);
    await page.addInitScript(() => {
      (window as unknown as { __csp: string[] }).__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => (window as unknown as { __csp: string[] }).__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    const response = await page.goto(`${live.baseUrl}/doc/${doc.id}`);
    expect(response!.headers()['content-security-policy']).toContain("script-src 'self'");
    const blocks = await page.$$eval('script[type="application/ld+json"]', (els) => els.map((e) => e.textContent ?? ''));
    expect(blocks).toHaveLength(1);
    expect(JSON.parse(blocks[0]!)).toMatchObject({ '@type': 'DigitalDocument', name: title, offers: { price: '1.20', priceCurrency: 'CNY' } });
    expect(blocks[0]).not.toContain('</script');
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('script:not([src]):not([type="application/ld+json"])').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
    await context.close();
  }, 60_000);
});

describe('topping up from the purchase dialog', () => {
  it('when a reader short of money picks the missing amount, then after paying they are back on the document with the dialog open and can buy', async () => {
    const buyer = await registerUser(live.ctx, { displayName: '充值读者' });
    const { context, page } = await pageAs(buyer, DESKTOP);
    await page.goto(`${live.baseUrl}/doc/${docId}`);
    await page.click('.buy-card .js-open-download');
    const dialog = page.locator('#download-dialog');
    await expect.poll(() => dialog.locator('.js-dialog-error').textContent()).toContain('还差 ¥2.50');
    expect(await dialog.locator('.js-topup-presets a').allTextContents()).toEqual(['¥2.50（差额）', '¥10.00', '¥30.00', '¥50.00']);
    await screenshots(page, 'doc-topup-presets');
    await Promise.all([page.waitForURL(/\/wallet\?/), dialog.locator('.js-topup-presets a').first().click()]);
    expect(await page.inputValue('input[name=amountYuan]')).toBe('2.50');
    expect(await page.textContent('#topup-form')).toContain('¥2.50');
    await screenshots(page, 'wallet-topup-presets');
    await Promise.all([page.waitForURL(/dev-pay/), page.click('button[name=presetCents][value="250"]')]);
    await Promise.all([page.waitForURL(new RegExp(`/doc/${docId}(#download)?$`)), page.click('button:has-text("模拟支付成功")')]);
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await expect.poll(() => dialog.locator('.js-balance').textContent()).toBe('¥2.50');
    expect(await dialog.locator('.js-dialog-error').isHidden()).toBe(true);
    await dialog.locator('.js-confirm-check').check();
    const [download] = await Promise.all([page.waitForEvent('download'), dialog.locator('.js-dialog-confirm').click()]);
    expect(download.suggestedFilename()).toMatch(/\.doc$/);
    const bought = await live.ctx.deps.db.pool.query('SELECT price_cents AS "priceCents" FROM purchases WHERE buyer_id = $1', [buyer.user.id]);
    expect(bought.rows).toEqual([{ priceCents: 250 }]);
    await context.close();
  }, 90_000);
});
