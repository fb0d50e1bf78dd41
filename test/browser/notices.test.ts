// A copyright notice in Chromium, from the anonymous right holder's form to the restore: the
// filer follows it on the tracking page reached from the confirmation, support takes the work down
// on the admin ticket page, the uploader files a counter-notice, support restores; each step is
// checked in the rows and the mails. Also the other forms of the support, takedown and review
// pages, and the development mail path of /forgot-password. Forms are selected by data-form.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { registerUser } from '../app.js';
import { count, createDocument, createTicket, type TestUser } from '../factories.js';
import { registerAdmin } from '../../src/auth/test-fixtures.js';
import { saveTextSimhash } from '../../src/documents/near-copies.repo.js';
import { screenshots, startLiveServer, type LiveServer } from './harness.js';

let live: LiveServer;
let admin: TestUser;
let author: TestUser;
let docId: number;
const CONTACT = 'rights-office@example.org';

beforeAll(async () => {
  live = await startLiveServer();
  admin = await registerAdmin(live.ctx, { email: 'notice-desk@example.com', displayName: '客服小林' });
  author = await registerUser(live.ctx, { displayName: '上传者老王' });
  docId = (await createDocument(live.ctx, { uploaderId: author.user.id, priceCents: 300, title: '乡村振兴工作会议讲话' })).id;
}, 180_000);
afterAll(async () => live?.close(), 60_000);

const db = () => live.ctx.deps.db.pool;
const mailsTo = (to: string) => live.ctx.deps.mailer.recent().filter((m) => m.to === to).reverse();
const docRow = async (id: number) => (await db().query('SELECT status, taken_down_at IS NOT NULL AS down FROM documents WHERE id = $1', [id])).rows[0] as { status: string; down: boolean };
const form = (name: string) => `form[data-form="${name}"]`;

async function newPage(): Promise<Page> {
  const context = await live.browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  page.on('dialog', (d) => void d.accept()); // the admin desk confirms takedowns and restores
  return page;
}
async function logIn(user: TestUser): Promise<Page> {
  const page = await newPage();
  await page.goto(`${live.baseUrl}/login?next=/`);
  await page.fill('input[name=email]', user.user.email);
  await page.fill('input[name=password]', user.password);
  await Promise.all([page.waitForURL(`${live.baseUrl}/`), page.click('form.form-stack button[type=submit]')]);
  return page;
}
/** Submits a form by one of its buttons and waits for the page that answers. */
async function submit(page: Page, selector: string, button = 'button[type=submit]') {
  await Promise.all([page.waitForLoadState('load'), page.waitForNavigation(), page.click(`${selector} ${button}`)]);
}

describe('a copyright notice followed by its filer, in Chromium', () => {
  let filer: Page;
  let trackingUrl: string;
  let ticketId: number;
  let adminPage: Page;
  let uploaderPage: Page;

  it('when an anonymous visitor files a notice on /support, then the confirmation links to a tracking page that shows it, and the filer is mailed the link', async () => {
    filer = await newPage();
    await filer.goto(`${live.baseUrl}/support?documentId=${docId}`);
    expect(await filer.textContent(form('support-ticket'))).toContain('《乡村振兴工作会议讲话》');
    await screenshots(filer, 'support-notice-form');
    await filer.fill(`${form('support-ticket')} input[name=subject]`, '《乡村振兴讲话》被未经授权上传');
    await filer.fill(`${form('support-ticket')} textarea[name=body]`, '该讲话稿的著作权属于某县融媒体中心，文档全文照搬，请删除。');
    await filer.fill(`${form('support-ticket')} input[name=workTitle]`, '乡村振兴讲话');
    await filer.fill(`${form('support-ticket')} input[name=rightHolder]`, '某县融媒体中心');
    await filer.fill(`${form('support-ticket')} textarea[name=evidence]`, '首发链接 https://example.org/news/2024/0301 ，作品登记号 国作登字-2024-A-00000001');
    await filer.fill(`${form('support-ticket')} input[name=contact]`, CONTACT);
    await submit(filer, form('support-ticket'));
    expect(await filer.textContent('main')).toContain('请保留编号以便查询');
    const stored = (await db().query(`SELECT id, proof, tracking_token AS token FROM tickets WHERE contact = $1`, [CONTACT])).rows;
    expect(stored).toHaveLength(1);
    ticketId = stored[0].id;
    expect(stored[0].proof).toContain('国作登字-2024-A-00000001');
    trackingUrl = new URL((await filer.getAttribute('#tracking-link', 'href'))!, live.baseUrl).toString();
    expect(trackingUrl).toContain(stored[0].token);
    await screenshots(filer, 'support-notice-submitted');
    expect(mailsTo(CONTACT)[0]!.text).toContain(`/support/notices/${stored[0].token}`);

    await Promise.all([filer.waitForURL(trackingUrl), filer.click('#tracking-link')]);
    expect(await filer.textContent('#notice-status')).toBe('待处理');
    expect(await filer.textContent('main')).toContain('国作登字-2024-A-00000001');
  }, 90_000);

  it('when support marks it in review, replies and takes the work down on the admin ticket page, then the document is down and the filer sees and is mailed the takedown', async () => {
    adminPage = await logIn(admin);
    await adminPage.goto(`${live.baseUrl}/admin/tickets/${ticketId}`);
    expect(await adminPage.textContent('#notice-evidence')).toContain('国作登字-2024-A-00000001');
    await submit(adminPage, form('ticket-status'));
    expect((await db().query('SELECT status FROM tickets WHERE id = $1', [ticketId])).rows[0].status).toBe('in_review');
    await adminPage.fill(`${form('ticket-reply')} textarea[name=body]`, '已收到，正在核实权属证明。');
    await submit(adminPage, form('ticket-reply'));
    expect(await count(live.ctx, `ticket_messages WHERE ticket_id = $1 AND author = 'support' AND body = '已收到，正在核实权属证明。'`, [ticketId])).toBe(1);
    await adminPage.fill(`${form('ticket-resolve')} textarea[name=note]`, '权属证明充分，予以下架。');
    await submit(adminPage, form('ticket-resolve'), 'button[value=takedown]');
    expect(await adminPage.textContent('#action-done')).toContain('已下架');
    expect(await docRow(docId)).toMatchObject({ down: true });
    await screenshots(adminPage, 'admin-ticket-notice-takedown');

    await filer.reload();
    expect(await filer.textContent('#notice-status')).toBe('已解决');
    expect(await filer.textContent('#notice-resolution')).toContain('已下架');
    expect(await filer.locator('#notice-steps li[data-step="takedown"]').count()).toBe(1);
    expect(mailsTo(CONTACT).at(-1)!.subject).toContain('已下架');
  }, 90_000);

  it('when the uploader files a counter-notice on their notice ticket, then it is recorded and the filer reads it in full on the tracking page and in a mail', async () => {
    uploaderPage = await logIn(author);
    const noticeId = (await db().query('SELECT id FROM tickets WHERE notice_for_ticket_id = $1', [ticketId])).rows[0].id as number;
    await uploaderPage.goto(`${live.baseUrl}/support/tickets/${noticeId}`);
    await uploaderPage.fill(`${form('ticket-message')} textarea[name=body]`, '请告知投诉人的具体主张。');
    await submit(uploaderPage, form('ticket-message'));
    expect(await count(live.ctx, `ticket_messages WHERE ticket_id = $1 AND author = 'user' AND body = '请告知投诉人的具体主张。'`, [noticeId])).toBe(1);
    const counterText = '该讲话稿由本人起草，2024年2月在县委会议上首次宣读，著作权属于本人所在单位，已获单位书面授权上传。';
    await uploaderPage.fill(`${form('counter-notice')} textarea[name=body]`, counterText);
    await uploaderPage.fill(`${form('counter-notice')} textarea[name=proof]`, '单位授权书（编号 SQ-2024-015）及起草底稿');
    await screenshots(uploaderPage, 'support-ticket-counter-notice');
    await submit(uploaderPage, form('counter-notice'));
    expect(await count(live.ctx, `takedown_actions WHERE document_id = $1 AND action = 'counter_notice' AND proof LIKE '%SQ-2024-015%'`, [docId])).toBe(1);

    await filer.reload();
    expect(await filer.locator('#notice-steps li[data-step="counter_notice"]').count()).toBe(1);
    const thread = await filer.textContent('#notice-messages');
    expect(thread).toContain(counterText);
    expect(thread).toContain('SQ-2024-015');
    const mail = mailsTo(CONTACT).at(-1)!;
    expect(mail.subject).toContain('反通知');
    expect(mail.text).toContain(counterText);
    expect(mail.text).toContain('SQ-2024-015');
    await screenshots(filer, 'support-notice-tracking-counter');
  }, 90_000);

  it('when support restores it from the takedown list, then the document is back and the filer sees and is mailed the restore', async () => {
    await adminPage.goto(`${live.baseUrl}/admin/takedowns`);
    expect(await adminPage.textContent('#taken-down')).toContain('反通知待审');
    await screenshots(adminPage, 'admin-takedowns');
    await submit(adminPage, `#taken-down ${form('takedown-restore')}`);
    expect(await docRow(docId)).toEqual({ status: 'ready', down: false });
    await filer.reload();
    expect(await filer.textContent('#notice-resolution')).toContain('已恢复');
    expect(await filer.locator('#notice-steps li[data-step="restore"]').count()).toBe(1);
    expect(mailsTo(CONTACT).at(-1)!.subject).toContain('已恢复');
    expect(mailsTo(CONTACT).map((m) => m.subject)).toHaveLength(4); // received, takedown, counter-notice, restore
    await screenshots(filer, 'support-notice-tracking-restored');
  }, 90_000);

  it('when a forged tracking link is opened, then the page is not found', async () => {
    const res = await filer.goto(trackingUrl.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')));
    expect(res!.status()).toBe(404);
    expect(await filer.textContent('main')).not.toContain('乡村振兴');
  }, 30_000);
});

describe('the other desk forms, in Chromium', () => {
  it('when support takes down a near copy and restores a document from the ticket page, then the rows say so', async () => {
    const other = await registerUser(live.ctx, { displayName: '转载者' });
    const target = await createDocument(live.ctx, { uploaderId: author.user.id, priceCents: 100, title: '政务公开工作要点' });
    const near = await createDocument(live.ctx, { uploaderId: other.user.id, priceCents: 50, title: '政务公开工作要点（PDF版）' });
    await saveTextSimhash(db(), target.id, 0x1234_5678_9abc_def0n);
    await saveTextSimhash(db(), near.id, 0x1234_5678_9abc_def1n);
    const id = await createTicket(live.ctx, null, { category: 'copyright', subject: '侵权', body: '全文转载我局文件', documentId: target.id, contact: 'gov@example.org', evidence: '我局官网首发链接' });
    const page = await logIn(admin);
    await page.goto(`${live.baseUrl}/admin/tickets/${id}`);
    await submit(page, `#near-copies ${form('takedown-near-copy')}`);
    expect(await docRow(near.id)).toMatchObject({ down: true });
    await submit(page, form('ticket-resolve'), 'button[value=takedown]');
    expect(await docRow(target.id)).toMatchObject({ down: true });
    await submit(page, form('ticket-restore'));
    expect(await docRow(target.id)).toMatchObject({ down: false });
    expect((await db().query(`SELECT resolution_action FROM tickets WHERE id = $1`, [id])).rows[0].resolution_action).toBe('restore');
  }, 90_000);

  it('when an uploader appeals a rejection, support re-queues it from the ticket and approves it on /admin/reviews, then it is published; a held copy names its original', async () => {
    const rejected = await createDocument(live.ctx, { uploaderId: author.user.id, priceCents: 0, title: '村规民约范本' });
    await db().query(`UPDATE documents SET status = 'rejected', failure_reason = '标题、分类或简介与内容不符' WHERE id = $1`, [rejected.id]);
    const original = await createDocument(live.ctx, { uploaderId: admin.user.id, priceCents: 0, title: '原始范本' });
    const copy = await createDocument(live.ctx, { uploaderId: author.user.id, priceCents: 0, title: '范本副本' });
    await db().query(`UPDATE documents SET status = 'pending_review', review_queued_at = now(), review_hold = 'near_copy', review_copy_of = $2 WHERE id = $1`, [copy.id, original.id]);

    const uploader = await logIn(author);
    await uploader.goto(`${live.baseUrl}/doc/${rejected.id}`);
    await uploader.fill(`${form('review-appeal')} textarea[name=body]`, '内容与标题一致，请重新审核。');
    await submit(uploader, form('review-appeal'));
    const appeal = (await db().query(`SELECT id FROM tickets WHERE category = 'appeal' AND document_id = $1`, [rejected.id])).rows[0].id as number;

    const page = await logIn(admin);
    await page.goto(`${live.baseUrl}/admin/tickets/${appeal}`);
    await submit(page, form('review-requeue'));
    expect((await docRow(rejected.id)).status).toBe('pending_review');
    await page.goto(`${live.baseUrl}/admin/reviews`);
    expect(await page.textContent(`#held-${copy.id}`)).toContain('《原始范本》');
    await screenshots(page, 'admin-reviews-held-copy');
    await submit(page, `#review-${rejected.id} ${form('review-decision')}`, 'button[value=approve]');
    expect((await docRow(rejected.id)).status).toBe('ready');
    await submit(page, `#review-${copy.id} ${form('review-decision')}`, 'button[value=reject]').catch(() => undefined);
    // A rejection needs a reason: the page says so and the copy still waits.
    expect((await docRow(copy.id)).status).toBe('pending_review');
    await page.selectOption(`#review-${copy.id} select[name=reason]`, 'duplicate');
    await submit(page, `#review-${copy.id} ${form('review-decision')}`, 'button[value=reject]');
    expect((await docRow(copy.id)).status).toBe('rejected');
  }, 120_000);
});

describe('password reset in development, in Chromium', () => {
  it('when a visitor on this machine asks for a reset, then the page links to the outbox, whose reset link opens the reset page', async () => {
    const user = await registerUser(live.ctx, { email: 'forgot@example.com' });
    const page = await newPage();
    await page.goto(`${live.baseUrl}/forgot-password`);
    await page.fill(`${form('forgot-password')} input[name=email]`, user.user.email);
    await submit(page, form('forgot-password'));
    expect(await page.textContent('#dev-mail-where')).toContain('开发发件箱');
    await screenshots(page, 'forgot-password-dev');
    await Promise.all([page.waitForURL(`${live.baseUrl}/dev/outbox`), page.click('#dev-mail-where a')]);
    const link = page.locator('a[href*="/reset-password?token="]').first();
    await expect.poll(async () => link.count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await screenshots(page, 'dev-outbox');
    const href = (await link.getAttribute('href'))!;
    const reset = await page.goto(href.replace(/^http:\/\/localhost:\d+/, live.baseUrl));
    expect(reset!.status()).toBe(200);
    expect(await page.textContent('main')).toContain('重置密码');
  }, 60_000);
});
