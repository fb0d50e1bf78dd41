// Copyright notices (信息网络传播权保护条例 arts. 14–17, contract "Support and disputes"): proof is
// required, the filer follows the notice on a secret page and hears of every step by
// notification or mail, in full.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { bearer, count, createDocument, type TestUser } from '../../test/factories.js';
import { registerAdmin } from '../auth/test-fixtures.js';

let ctx: TestContext;
let admin: TestUser;
let author: TestUser;
beforeAll(async () => {
  // No PUBLIC_URL: mail links use the documented fallback, http://localhost:PORT.
  ctx = await createTestContext({ ADMIN_EMAILS: 'notices-admin@example.com' });
  admin = await registerAdmin(ctx, { email: 'notices-admin@example.com' });
  author = await registerUser(ctx, { displayName: '上传者' });
}, 180_000);
afterAll(async () => ctx?.close());

const mailsTo = (to: string) => ctx.deps.mailer.recent().filter((m) => m.to === to).reverse();
const resolve = (id: number, body: object) => ctx.http().post(`/api/v1/admin/tickets/${id}/resolve`).set(bearer(admin.token)).send(body);
const noticeTicketOf = async (documentId: number) =>
  (await ctx.deps.db.pool.query<{ id: number }>('SELECT id FROM tickets WHERE notice_for_ticket_id IS NOT NULL AND document_id = $1', [documentId])).rows[0]!.id;
const isDown = async (id: number) => (await ctx.deps.db.pool.query('SELECT taken_down_at IS NOT NULL AS down FROM documents WHERE id = $1', [id])).rows[0].down as boolean;

const NOTICE = {
  category: 'copyright',
  subject: '《乡村振兴讲话》被未经授权上传',
  body: '作品《乡村振兴讲话》的著作权属于某某出版社，该文档全文照搬，请删除。',
  rightHolder: '某某出版社',
};

describe('a copyright notice without proof of the right', () => {
  it('when a notice has no evidence, then the API and the form answer 400 validation_failed and no ticket is stored', async () => {
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 100 });
    const before = await count(ctx, 'tickets');
    const res = await ctx.http().post('/api/v1/tickets').send({ ...NOTICE, documentId: doc.id, contact: 'rights@example.org' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.some((d: { path: string[] }) => d.path[0] === 'evidence')).toBe(true);
    const blank = await ctx.http().post('/api/v1/tickets').set(bearer(author.token)).send({ ...NOTICE, documentId: doc.id, evidence: '   ' });
    expect(blank.status).toBe(400);
    // The /support form, anonymously: the form comes back with the reason.
    const agent = request.agent(ctx.app);
    const csrf = (await agent.get('/support')).text.match(/name="_csrf" value="([^"]+)"/)![1]!;
    const form = await agent.post('/support/tickets').type('form').send({ _csrf: csrf, ...NOTICE, documentId: String(doc.id), contact: 'rights@example.org', evidence: '' });
    expect(form.status).toBe(400);
    expect(form.text).toContain('权属证明');
    expect(form.text).toContain('data-form="support-ticket"');
    expect(await count(ctx, 'tickets')).toBe(before);
  });

  it('when support tries to take a document down on a stored notice without proof, then 400 and the document stays up', async () => {
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 100 });
    // A notice filed before proof was required.
    const { rows } = await ctx.deps.db.pool.query<{ id: number }>(
      `INSERT INTO tickets (category, status, subject, contact, document_id) VALUES ('copyright', 'open', '侵权', 'old@example.org', $1) RETURNING id`,
      [doc.id],
    );
    const res = await resolve(rows[0]!.id, { action: 'takedown', note: '' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('权属证明');
    expect(await isDown(doc.id)).toBe(false);
    expect(await count(ctx, 'takedown_actions WHERE document_id = $1', [doc.id])).toBe(0);
  });
});

describe('the filer follows the notice', () => {
  it('when an anonymous right holder files with an email, then the confirmation mail and every step (takedown, counter-notice in full, restore) reach them, and the tracking page shows each', async () => {
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 500, title: '乡村振兴讲话稿' });
    const contact = 'anon-rights@example.org';
    const res = await ctx.http().post('/api/v1/tickets').send({ ...NOTICE, documentId: doc.id, contact, evidence: '著作权登记号 国作登字-2023-A-00012345' });
    expect(res.status).toBe(201);
    const ticketId = res.body.ticket.id as number;
    const trackingUrl = new URL(res.body.trackingUrl as string);
    expect(trackingUrl.origin).toBe(`http://localhost:${ctx.deps.config.port}`);
    expect(trackingUrl.pathname).toMatch(/^\/support\/notices\/[A-Za-z0-9_-]{43}$/);
    const confirmation = mailsTo(contact);
    expect(confirmation).toHaveLength(1);
    expect(confirmation[0]!.text).toContain(trackingUrl.toString());

    const page = () => ctx.http().get(trackingUrl.pathname);
    let tracked = await page();
    expect(tracked.status).toBe(200);
    expect(tracked.headers['cache-control']).toContain('no-store');
    expect(tracked.text).toContain(`版权投诉 #${ticketId}`);
    expect(tracked.text).toContain('国作登字-2023-A-00012345');
    expect((await ctx.http().get(`/api/v1/notices/${trackingUrl.pathname.split('/').pop()}`)).body.ticket).toMatchObject({ id: ticketId, status: 'open' });

    // Takedown.
    expect((await resolve(ticketId, { action: 'takedown', note: '证明充分' })).status).toBe(200);
    const afterTakedown = mailsTo(contact);
    expect(afterTakedown).toHaveLength(2);
    expect(afterTakedown[1]!.subject).toContain('已下架');
    expect(afterTakedown[1]!.text).toContain(trackingUrl.toString());
    tracked = await page();
    expect(tracked.text).toMatch(/data-step="takedown"/);
    expect(tracked.text).toContain('已下架');

    // The uploader's counter-notice is forwarded in full, its evidence included.
    const counterBody = '本文为本人于2019年在县委会议上的原创讲话，'.repeat(20) + '全文共三千字。';
    const counterProof = '会议纪要原件扫描件、发言录音，编号 HY-2019-07';
    const counter = await ctx.http().post(`/api/v1/tickets/${await noticeTicketOf(doc.id)}/counter-notice`).set(bearer(author.token)).send({ body: counterBody, proof: counterProof });
    expect(counter.status).toBe(201);
    const afterCounter = mailsTo(contact);
    expect(afterCounter).toHaveLength(3);
    expect(afterCounter[2]!.subject).toContain('反通知');
    expect(afterCounter[2]!.text).toContain(counterBody);
    expect(afterCounter[2]!.text).toContain(counterProof);
    tracked = await page();
    expect(tracked.text).toMatch(/data-step="counter_notice"/);
    expect(tracked.text).toContain('HY-2019-07');

    // Restore.
    expect((await ctx.http().post(`/api/v1/admin/documents/${doc.id}/restore`).set(bearer(admin.token)).send({ note: '反通知证据充分' })).status).toBe(200);
    const afterRestore = mailsTo(contact);
    expect(afterRestore).toHaveLength(4);
    expect(afterRestore[3]!.subject).toContain('已恢复');
    expect(afterRestore[3]!.text).toContain('反通知证据充分');
    tracked = await page();
    expect(tracked.text).toMatch(/data-step="restore"/);
    expect(tracked.text).toContain('已恢复');
    // Every link in these mails is absolute.
    for (const m of afterRestore) expect(m.text).not.toMatch(/：\/(doc|support)/);
  });

  it('when a signed-in user files and support rejects it, then they get a notification and a mail at each step', async () => {
    const filer = await registerUser(ctx, { email: 'signed-filer@example.org', displayName: '权利人甲' });
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 0 });
    const res = await ctx.http().post('/api/v1/tickets').set(bearer(filer.token)).send({ ...NOTICE, documentId: doc.id, evidence: 'https://example.org/首发' });
    expect(res.status).toBe(201);
    const ticketId = res.body.ticket.id as number;
    expect(res.body.trackingUrl).toMatch(/\/support\/notices\//);
    expect((await resolve(ticketId, { action: 'reject', note: '证明与作品不符' })).status).toBe(200);
    const notes = await ctx.http().get('/api/v1/me/notifications').set(bearer(filer.token));
    const rejection = notes.body.items.find((n: { kind: string }) => n.kind === 'ticket_resolved');
    expect(rejection).toMatchObject({ title: expect.stringContaining('驳回'), body: expect.stringContaining('证明与作品不符'), link: `/support/tickets/${ticketId}` });
    const mails = mailsTo('signed-filer@example.org');
    expect(mails.map((m) => m.subject)).toEqual([expect.stringContaining('已收到'), expect.stringContaining('驳回')]);
    expect(mails[1]!.text).toContain(`http://localhost:${ctx.deps.config.port}/support/notices/`);
  });

  it('when a signed-in filer’s notice leads to a takedown and a counter-notice, then each is a notification with the counter-notice text', async () => {
    const filer = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 200 });
    const ticketId = (await ctx.http().post('/api/v1/tickets').set(bearer(filer.token)).send({ ...NOTICE, documentId: doc.id, evidence: '登记号 X-1' })).body.ticket.id as number;
    await resolve(ticketId, { action: 'takedown', note: '' });
    await ctx.http().post(`/api/v1/tickets/${await noticeTicketOf(doc.id)}/counter-notice`).set(bearer(author.token)).send({ body: '我有授权合同', proof: '授权合同编号 SQ-88' });
    const notes = (await ctx.http().get('/api/v1/me/notifications').set(bearer(filer.token))).body.items as Array<{ kind: string; title: string; body: string }>;
    expect(notes.find((n) => n.title.includes('已下架'))).toBeTruthy();
    expect(notes.find((n) => n.kind === 'ticket_reply' && n.body.includes('我有授权合同') && n.body.includes('SQ-88'))).toBeTruthy();
  });

  it('when the tracking token is forged, guessed or malformed, then 404 with nothing of any notice', async () => {
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 100 });
    const res = await ctx.http().post('/api/v1/tickets').send({ ...NOTICE, documentId: doc.id, contact: 'x@example.org', evidence: '登记号 Y-2' });
    const real = (res.body.trackingUrl as string).split('/').pop()!;
    const forged = real.slice(0, -1) + (real.endsWith('A') ? 'B' : 'A');
    for (const token of [forged, 'A'.repeat(43), '1', `${real}x`, "' OR 1=1 --"]) {
      const pageRes = await ctx.http().get(`/support/notices/${encodeURIComponent(token)}`);
      expect(pageRes.status).toBe(404);
      expect(pageRes.text).not.toContain(NOTICE.subject);
      const api = await ctx.http().get(`/api/v1/notices/${encodeURIComponent(token)}`);
      expect(api.status).toBe(404);
      expect(api.body.error.code).toBe('not_found');
    }
    // A tracking page never becomes a session: the real one works without any account.
    expect((await ctx.http().get(`/support/notices/${real}`)).status).toBe(200);
  });
});
