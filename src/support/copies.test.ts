// Issue 14 item 13: duplicates and takedowns. The same file by another user is refused, a
// takedown reaches every document with the same bytes, and the admin sees near copies.
import { readFileSync, readdirSync } from 'node:fs';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { registerAdmin } from '../auth/test-fixtures.js';
import { saveTextSimhash } from '../documents/near-copies.repo.js';
import { upload } from '../documents/test-support.js';
import { uploadTempDir } from '../documents/upload-storage.js';
import { textSimhash } from '../text/simhash.js';
import { bearer, count, createDocument as insertReadyDocument, SEED_DOC as SAMPLE_DOC, type TestUser } from '../../test/factories.js';

let ctx: TestContext;
let admin: TestUser;
beforeAll(async () => {
  ctx = await createTestContext({ ADMIN_EMAILS: 'desk@example.com' });
  admin = await registerAdmin(ctx, { email: 'desk@example.com', displayName: '客服' });
});
afterAll(async () => ctx.close());

const csrfOf = (html: string) => html.match(/name="_csrf" value="([^"]+)"/)![1]!;
async function adminAgent() {
  const agent = request.agent(ctx.app);
  const csrf = csrfOf((await agent.get('/login')).text);
  const login = await agent.post('/login').type('form').send({ _csrf: csrf, email: admin.user.email, password: admin.password, next: '/' });
  expect(login.status).toBe(303);
  return agent;
}
const docState = async (id: number) =>
  (await ctx.deps.db.pool.query('SELECT status, taken_down_at IS NOT NULL AS down FROM documents WHERE id = $1', [id])).rows[0] as { status: string; down: boolean };

/** A complaint about `documentId`, resolved by the admin with a takedown. */
async function takeDownThroughTicket(documentId: number) {
  const ticket = await ctx.http().post('/api/v1/tickets').send({
    category: 'copyright', evidence: '著作权登记号 2024-L-00001', subject: '侵权', body: '这是我单位的内部材料，未经授权上传。', documentId, contact: 'legal@example.com',
  });
  expect(ticket.status).toBe(201);
  const res = await ctx.http().post(`/api/v1/admin/tickets/${ticket.body.ticket.id}/resolve`).set(bearer(admin.token)).send({ action: 'takedown', note: '版权' });
  expect(res.status).toBe(200);
  return ticket.body.ticket.id as number;
}

describe('the same file uploaded by another user', () => {
  it("when it is another user's public document, then 409 {reason: 'duplicate', documentId} and nothing is stored", async () => {
    const first = await registerUser(ctx);
    const second = await registerUser(ctx);
    const original = await insertReadyDocument(ctx, { uploaderId: first.user.id, priceCents: 0, uniqueHash: false });
    const blobsBefore = await count(ctx, 'documents');
    const res = await upload(ctx, second.token, readFileSync(SAMPLE_DOC), { filename: '改个名字.doc', fields: { priceCents: '500' } });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'conflict', details: { reason: 'duplicate', documentId: original.id } });
    expect(await count(ctx, 'documents')).toBe(blobsBefore);
    expect(await count(ctx, 'documents WHERE uploader_id = $1', [second.user.id])).toBe(0);
    expect(readdirSync(uploadTempDir(ctx.deps.config)).filter((f) => !f.startsWith('converter'))).toEqual([]);
    // Once the original is deleted it is no longer on the site: the upload is accepted.
    await ctx.deps.db.pool.query('UPDATE documents SET deleted_at = now() WHERE id = $1', [original.id]);
    const again = await upload(ctx, second.token, readFileSync(SAMPLE_DOC), { filename: 'x.doc' });
    expect(again.status).toBe(202);
    await ctx.deps.db.pool.query('UPDATE documents SET deleted_at = now() WHERE id = $1', [again.body.document.id]);
  });
});

describe('a takedown', () => {
  it('when one document is taken down, then every document with the same SHA-256 is taken down too, deleted ones included', async () => {
    const users = await Promise.all([registerUser(ctx), registerUser(ctx), registerUser(ctx)]);
    const sha = 'c'.repeat(64);
    const ids: number[] = [];
    for (const u of users) {
      const d = await insertReadyDocument(ctx, { uploaderId: u.user.id, priceCents: 300, title: `同一文件 ${u.user.id}` });
      await ctx.deps.db.pool.query('UPDATE documents SET sha256 = $2 WHERE id = $1', [d.id, sha]);
      ids.push(d.id);
    }
    await ctx.deps.db.pool.query('UPDATE documents SET deleted_at = now() WHERE id = $1', [ids[2]]);
    const other = await insertReadyDocument(ctx, { uploaderId: users[0]!.user.id, priceCents: 300, title: '别的文件' });
    const ticketId = await takeDownThroughTicket(ids[0]!);
    for (const id of ids) expect((await docState(id)).down).toBe(true);
    expect((await docState(other.id)).down).toBe(false);
    expect(await count(ctx, `takedown_actions WHERE action = 'takedown' AND ticket_id = $1`, [ticketId])).toBe(3);
    expect(await count(ctx, 'blocked_hashes WHERE sha256 = $1', [sha])).toBe(1);
    const reader = await registerUser(ctx);
    expect((await ctx.http().get(`/api/v1/documents/${ids[1]}`).set(bearer(reader.token))).status).toBe(404);
    const audit = await ctx.deps.db.pool.query(`SELECT details FROM admin_audit_log WHERE action = 'ticket.takedown' AND target_id = $1`, [ticketId]);
    expect(audit.rows[0].details.copies).toEqual([ids[1], ids[2]]);
  });
});

describe('near copies on the admin ticket page', () => {
  const TEXT = Array.from({ length: 30 }, (_, i) => `第${i + 1}条 各乡镇要推进政法综治工作，做好信访工作，维护社会稳定，落实领导责任制。`).join('\n');

  it('when another upload has the same text but other bytes, then the admin sees it and can take it down too; unrelated texts are not shown', async () => {
    const [a, b, c] = await Promise.all([registerUser(ctx), registerUser(ctx), registerUser(ctx)]);
    const target = await insertReadyDocument(ctx, { uploaderId: a.user.id, priceCents: 100, title: '原文' });
    const near = await insertReadyDocument(ctx, { uploaderId: b.user.id, priceCents: 100, title: '换了格式的副本' });
    const unrelated = await insertReadyDocument(ctx, { uploaderId: c.user.id, priceCents: 100, title: '无关文档' });
    // The target was converted before fingerprints: only its text is stored; the page fingerprints it.
    await ctx.deps.db.pool.query('UPDATE documents SET body_text = $2 WHERE id = $1', [target.id, TEXT]);
    await saveTextSimhash(ctx.deps.db.pool, near.id, textSimhash(TEXT.replace(/，/g, ', ').replace(/\n/g, '\n\n')));
    await saveTextSimhash(ctx.deps.db.pool, unrelated.id, textSimhash('预算执行情况报告：一季度收入与支出明细，按月份列出，并与上年同期比较。'.repeat(5)));
    const ticket = await ctx.http().post('/api/v1/tickets').send({
      category: 'copyright', evidence: '著作权登记号 2024-L-00001', subject: '侵权', body: '这是我单位的内部材料，未经授权上传。', documentId: target.id, contact: 'legal@example.com',
    });
    const ticketId = ticket.body.ticket.id as number;
    const agent = await adminAgent();
    const page = await agent.get(`/admin/tickets/${ticketId}`);
    expect(page.status).toBe(200);
    const nearSection = page.text.slice(page.text.indexOf('id="near-copies"'));
    expect(nearSection).toContain(`/doc/${near.id}`);
    expect(nearSection).not.toContain(`/doc/${unrelated.id}`);
    expect((await ctx.deps.db.pool.query('SELECT text_simhash::text AS text_simhash FROM documents WHERE id = $1', [target.id])).rows[0].text_simhash).not.toBeNull();

    const csrf = csrfOf(page.text);
    const done = await agent.post(`/admin/tickets/${ticketId}/takedown-copy`).type('form').send({ _csrf: csrf, documentId: String(near.id), note: '' });
    expect(done.status).toBe(303);
    expect(await docState(near.id)).toMatchObject({ down: true });
    expect((await docState(target.id)).down).toBe(false); // the complaint's own document is the resolve step's decision
    expect(await count(ctx, `takedown_actions WHERE document_id = $1 AND action = 'takedown' AND ticket_id = $2`, [near.id, ticketId])).toBe(1);
    expect(await count(ctx, 'blocked_hashes WHERE sha256 = $1', [near.sha256])).toBe(1);
    expect(await count(ctx, `admin_audit_log WHERE action = 'document.takedown_near_copy' AND target_id = $1`, [near.id])).toBe(1);
    // A second time: the page says it is already down, nothing more is recorded.
    const again = await agent.post(`/admin/tickets/${ticketId}/takedown-copy`).type('form').send({ _csrf: csrf, documentId: String(near.id) });
    expect(again.status).toBe(409);
    expect(await count(ctx, `takedown_actions WHERE document_id = $1`, [near.id])).toBe(1);
    // Non-admins cannot use it.
    const stranger = await ctx.http().post(`/admin/tickets/${ticketId}/takedown-copy`).set('cookie', `wenku_session=${a.token}`).type('form').send({ documentId: String(unrelated.id) });
    expect([403, 404]).toContain(stranger.status);
    expect((await docState(unrelated.id)).down).toBe(false);
  });
});
