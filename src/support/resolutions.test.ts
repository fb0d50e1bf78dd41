import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { balanceCents, bearer, buy, count, createDocument, createTicket, ledgerCheck, topUp, type TestUser } from '../../test/factories.js';
import { registerAdmin } from '../auth/test-fixtures.js';

let ctx: TestContext;
let admin: TestUser;
let author: TestUser;
let referrer: TestUser;

beforeAll(async () => {
  ctx = await createTestContext();
  admin = await registerAdmin(ctx, { email: 'desk@example.com', displayName: '客服' });
  author = await registerUser(ctx, { displayName: '作者' });
  referrer = await registerUser(ctx, { displayName: '推荐人' });
});
afterAll(async () => ctx.close());

const resolve = (id: number, body: object, token = admin.token) =>
  ctx.http().post(`/api/v1/admin/tickets/${id}/resolve`).set(bearer(token)).send(body);

const openTicket = (token: string | null, body: object) => createTicket(ctx, token, body);

describe('refund', () => {
  it('when 20 admins resolve the same ticket with a refund at once, then exactly one refund happens and the rest get 409', async () => {
    const buyer = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 800 });
    await topUp(ctx, buyer.token, 1000);
    const purchaseId = await buy(ctx, buyer.token, doc.id, referrer.user.referralCode);
    const ticketId = await openTicket(buyer.token, { category: 'download_failed', subject: '下载失败', body: '一直下载不了', purchaseId });

    const results = await Promise.all(Array.from({ length: 20 }, () => resolve(ticketId, { action: 'refund', note: '未完整下载，全额退款' })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, ...Array(19).fill(409)]);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.error.code === 'conflict')).toBe(true);

    expect(await balanceCents(ctx, buyer.token)).toBe(1000);
    expect(await count(ctx, `ledger_transactions WHERE kind = 'refund' AND reference = $1`, [`purchase:${purchaseId}`])).toBe(1);
    expect(await count(ctx, `purchases WHERE id = $1 AND status = 'refunded' AND refunded_by = $2`, [purchaseId, admin.user.id])).toBe(1);
    expect(await count(ctx, `admin_audit_log WHERE action = 'ticket.refund' AND target_id = $1`, [ticketId])).toBe(1);
    expect(await count(ctx, `ticket_events WHERE ticket_id = $1 AND kind = 'refund'`, [ticketId])).toBe(1);
    const ok = results.find((r) => r.status === 200)!;
    expect(ok.body.ticket).toMatchObject({ status: 'resolved', resolution: { action: 'refund', note: '未完整下载，全额退款' }, purchaseId });
    expect(ok.body.ticket.messages.at(-1)).toMatchObject({ author: 'support', body: expect.stringContaining('¥8.00') });

    // The author's and referrer's shares are reversed, and the ledger still sums to zero.
    const shares = await ctx.deps.db.pool.query<{ kind: string; s: number }>(
      `SELECT a.user_id AS kind, sum(e.amount_cents)::bigint AS s FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id
        WHERE e.document_id = $1 AND a.user_id = ANY($2::bigint[]) GROUP BY a.user_id`,
      [doc.id, [author.user.id, referrer.user.id]],
    );
    expect(shares.rows.map((r) => Number(r.s))).toEqual([0, 0]);
    expect(await ledgerCheck(ctx)).toEqual({ total: 0, mismatches: 0 });

    const again = await resolve(ticketId, { action: 'refund', note: '' });
    expect(again.status).toBe(409);
  });

  it('when the author already spent the earnings, then the refund still goes through, leaving them in debt, and the ledger sums to zero', async () => {
    const buyer = await registerUser(ctx);
    const spender = await registerUser(ctx);
    const other = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 1000 });
    const spenderDoc = await createDocument(ctx, { uploaderId: spender.user.id, priceCents: 1000 });
    await topUp(ctx, buyer.token, 1000);
    const purchaseId = await buy(ctx, buyer.token, spenderDoc.id);
    // The uploader spends the 7.00 share on someone else's document.
    await topUp(ctx, spender.token, 300);
    await buy(ctx, spender.token, other.id);
    expect(await balanceCents(ctx, spender.token)).toBe(0);
    const ticketId = await openTicket(buyer.token, { category: 'mismatch', subject: '内容不符', body: '内容与标题不符', documentId: spenderDoc.id });
    const res = await resolve(ticketId, { action: 'refund', note: '内容不符' });
    expect(res.status).toBe(200);
    expect(await balanceCents(ctx, buyer.token)).toBe(1000);
    const debt = await ctx.deps.db.pool.query<{ b: number }>(`SELECT balance_cents AS b FROM ledger_accounts WHERE user_id = $1 AND kind = 'debt'`, [spender.user.id]);
    expect(debt.rows[0]!.b).toBe(-700);
    expect(await count(ctx, `purchases WHERE id = $1 AND status = 'refunded'`, [purchaseId])).toBe(1);
    expect(await ledgerCheck(ctx)).toEqual({ total: 0, mismatches: 0 });
  });

  it('when a refunded buyer uses a download link issued before the refund, then it is refused', async () => {
    const buyer = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 200 });
    await topUp(ctx, buyer.token, 200);
    const purchaseId = await buy(ctx, buyer.token, doc.id);
    const link = await ctx.http().post(`/api/v1/documents/${doc.id}/download-link`).set(bearer(buyer.token)).send({ confirm: true });
    expect(link.status).toBe(200);
    const ticketId = await openTicket(buyer.token, { category: 'refund', subject: '退款', body: '退款', purchaseId });
    expect((await resolve(ticketId, { action: 'refund', note: '' })).status).toBe(200);
    const path = new URL(link.body.url, 'http://x').pathname;
    expect((await ctx.http().get(path)).status).toBe(403);
  });
});

describe('notice and takedown', () => {
  it('when support takes a document down on a notice, then it is gone from delivery at once, its hash is blocked, the uploader is told and it is all recorded', async () => {
    const buyer = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 300, title: '政法会议讲话稿' });
    await topUp(ctx, buyer.token, 300);
    await buy(ctx, buyer.token, doc.id);
    const issued = await ctx.http().post(`/api/v1/documents/${doc.id}/download-link`).set(bearer(buyer.token)).send({ confirm: true });
    const linkPath = new URL(issued.body.url, 'http://x').pathname;
    expect((await ctx.http().get(linkPath)).status).toBe(200);

    const ticketId = await openTicket(null, {
      category: 'copyright', subject: '侵权通知', body: '未经许可转载', documentId: doc.id, contact: '13800138000',
      workTitle: '政法会议讲话', rightHolder: '某出版社', evidence: '版权登记号 2020-A-123',
    });
    const res = await resolve(ticketId, { action: 'takedown', note: '权利人提供了版权登记证明' });
    expect(res.status).toBe(200);
    expect(res.body.ticket).toMatchObject({ status: 'resolved', resolution: { action: 'takedown', note: '权利人提供了版权登记证明' } });

    // The status as the contract reads it (taken down is its own column since migration 0009).
    const row = await ctx.deps.db.pool.query(`SELECT CASE WHEN taken_down_at IS NOT NULL THEN 'taken_down' ELSE status END AS status, taken_down_at FROM documents WHERE id = $1`, [doc.id]);
    expect(row.rows[0].status).toBe('taken_down');
    expect(row.rows[0].taken_down_at).toBeInstanceOf(Date);
    expect(await count(ctx, `blocked_hashes WHERE sha256 = $1 AND document_id = $2`, [doc.sha256, doc.id])).toBe(1);
    expect(await count(ctx, `takedown_actions WHERE document_id = $1 AND ticket_id = $2 AND action = 'takedown' AND previous_status = 'ready'`, [doc.id, ticketId])).toBe(1);
    expect(await count(ctx, `admin_audit_log WHERE action = 'ticket.takedown' AND target_id = $1 AND details->>'sha256' = $2`, [ticketId, doc.sha256])).toBe(1);

    // Links already issued, and new links, no longer deliver.
    expect((await ctx.http().get(linkPath)).status).toBe(404);
    const fresh = await ctx.http().post(`/api/v1/documents/${doc.id}/download-link`).set(bearer(buyer.token)).send({ confirm: true });
    expect(fresh.status).toBe(404);

    // The uploader has a ticket of their own that forwards the notice.
    const theirs = await ctx.http().get('/api/v1/tickets').set(bearer(author.token));
    const notice = theirs.body.items.find((t: { documentId: number }) => t.documentId === doc.id);
    expect(notice).toMatchObject({ status: 'resolved', resolution: { action: 'takedown' } });
    expect(notice.messages[0]).toMatchObject({ author: 'support', body: expect.stringContaining('某出版社') });
    expect(notice.messages[0].body).toContain('版权登记号 2020-A-123');
    // ...but not the complaint itself, nor the right holder's contact.
    expect((await ctx.http().get(`/api/v1/tickets/${ticketId}`).set(bearer(author.token))).status).toBe(404);
    expect(JSON.stringify(notice)).not.toContain('13800138000');
  });

  it('when the uploader files a counter-notice and support restores, then the document is back as it was, unblocked, and every step is recorded', async () => {
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 0, title: '我的原创文章' });
    const complainant = await registerUser(ctx);
    const ticketId = await openTicket(complainant.token, { category: 'copyright', subject: '侵权', body: '这是我的文章', documentId: doc.id, workTitle: '原创文章', rightHolder: '投诉人', evidence: '博客链接' });
    expect((await resolve(ticketId, { action: 'takedown', note: '' })).status).toBe(200);
    const noticeId = (await ctx.http().get('/api/v1/tickets').set(bearer(author.token))).body.items.find((t: { documentId: number }) => t.documentId === doc.id).id;

    // A stranger (even the complainant) cannot file the counter-notice.
    const stranger = await ctx.http().post(`/api/v1/tickets/${ticketId}/counter-notice`).set(bearer(complainant.token)).send({ body: '不是侵权', proof: '无' });
    expect(stranger.status).toBe(404);

    const counter = await ctx.http().post(`/api/v1/tickets/${noticeId}/counter-notice`).set(bearer(author.token)).send({ body: '本文为本人原创', proof: '2019年写作底稿及发表记录' });
    expect(counter.status).toBe(201);
    expect(counter.body.ticket).toMatchObject({ id: noticeId, status: 'in_review' });
    expect(counter.body.ticket.messages.at(-1)).toMatchObject({ author: 'user', body: expect.stringContaining('2019年写作底稿') });
    const complaint = await ctx.http().get(`/api/v1/tickets/${ticketId}`).set(bearer(complainant.token));
    expect(complaint.body.ticket.status).toBe('in_review');
    expect(complaint.body.ticket.messages.at(-1).body).toContain('本文为本人原创');
    expect(await count(ctx, `takedown_actions WHERE document_id = $1 AND action = 'counter_notice' AND actor_id = $2 AND proof = '2019年写作底稿及发表记录'`, [doc.id, author.user.id])).toBe(1);

    const twice = await ctx.http().post(`/api/v1/tickets/${ticketId}/counter-notice`).set(bearer(author.token)).send({ body: '再说一次', proof: '同上' });
    expect(twice.status).toBe(409);

    const restored = await ctx.http().post(`/api/v1/admin/documents/${doc.id}/restore`).set(bearer(admin.token)).send({ note: '反通知证明充分' });
    expect(restored.status).toBe(200);
    expect(restored.body).toEqual({ document: { id: doc.id, status: 'ready' } });
    const row = await ctx.deps.db.pool.query(`SELECT status, taken_down_at FROM documents WHERE id = $1`, [doc.id]);
    expect(row.rows[0]).toEqual({ status: 'ready', taken_down_at: null });
    expect(await count(ctx, `blocked_hashes WHERE sha256 = $1`, [doc.sha256])).toBe(0);
    const steps = await ctx.deps.db.pool.query(`SELECT action FROM takedown_actions WHERE document_id = $1 ORDER BY id`, [doc.id]);
    expect(steps.rows.map((r) => r.action)).toEqual(['takedown', 'counter_notice', 'restore']);
    for (const [id, token] of [[ticketId, complainant.token], [noticeId, author.token]] as const) {
      const t = (await ctx.http().get(`/api/v1/tickets/${id}`).set(bearer(token))).body.ticket;
      expect(t).toMatchObject({ status: 'resolved', resolution: { action: 'restore', note: '反通知证明充分' } });
    }
    expect(await count(ctx, `admin_audit_log WHERE action = 'document.restore' AND target_id = $1`, [doc.id])).toBe(1);
    // A free document is downloadable again.
    const link = await ctx.http().post(`/api/v1/documents/${doc.id}/download-link`).set(bearer(complainant.token)).send({ confirm: true });
    expect(link.status).toBe(200);

    const again = await ctx.http().post(`/api/v1/admin/documents/${doc.id}/restore`).set(bearer(admin.token)).send({ note: '' });
    expect(again.status).toBe(409);
  });

  it('when a takedown is asked for on a ticket without a document, then it answers 400 and nothing changes', async () => {
    const id = await openTicket(null, { category: 'copyright', evidence: '著作权登记号 2024-L-00001', subject: '侵权', body: '侵权', contact: 'r@example.com' });
    const res = await resolve(id, { action: 'takedown', note: '' });
    expect(res.status).toBe(400);
    expect(await count(ctx, `ticket_events WHERE ticket_id = $1`, [id])).toBe(1);
  });
});

describe('the audit log', () => {
  it('when admins act, then each action is in the audit log, newest first, with who did it, and the log cannot be rewritten', async () => {
    const user = await registerUser(ctx);
    const id = await openTicket(user.token, { category: 'other', subject: '问题', body: '问题' });
    await ctx.http().post(`/api/v1/admin/tickets/${id}/status`).set(bearer(admin.token)).send({ status: 'in_review' });
    await ctx.http().post(`/api/v1/tickets/${id}/messages`).set(bearer(admin.token)).send({ body: '收到' });
    await resolve(id, { action: 'none', note: '已解答' });
    const log = await ctx.http().get('/api/v1/admin/audit-log?limit=3').set(bearer(admin.token));
    expect(log.status).toBe(200);
    expect(log.body.items.map((e: { action: string }) => e.action)).toEqual(['ticket.none', 'ticket.reply', 'ticket.status']);
    expect(log.body.items.every((e: { targetId: number; admin: { id: number } }) => e.targetId === id && e.admin.id === admin.user.id)).toBe(true);
    await expect(ctx.deps.db.pool.query(`DELETE FROM admin_audit_log`)).rejects.toThrow(/append-only/);
  });
});
