// Every kind of the contract is created by its event, exactly once, and can be marked read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAdmin } from '../auth/test-fixtures.js';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { bearer, count, createDocument, createTicket, type TestUser } from '../../test/factories.js';
import { ConversionError, type Converter } from '../conversion/index.js';
import { convertDocument } from '../documents/conversion.service.js';
import { readFileSync } from 'node:fs';
import { SEED_DOC, upload } from '../documents/test-support.js';

let ctx: TestContext;
let admin: TestUser;
let author: TestUser;
let reader: TestUser;

beforeAll(async () => {
  ctx = await createTestContext();
  admin = await registerAdmin(ctx, { email: 'ops@example.com' });
  author = await registerUser(ctx, { displayName: '作者' });
  reader = await registerUser(ctx, { displayName: '读者' });
});
afterAll(async () => ctx.close());

const kinds = async (userId: number, kind: string) => count(ctx, 'notifications WHERE user_id = $1 AND kind = $2', [userId, kind]);
const job = (documentId: number) => ({ id: `t-${documentId}`, documentId, retryCount: 0, finalAttempt: false });
const okConverter: Converter = {
  convert: async () => ({ pages: ['<p>正文</p>'], pageCount: 1, wordCount: 2, text: '正文', properties: { title: null, author: null }, simplified: false, warnings: [] }),
  close: async () => {},
};
const brokenConverter: Converter = {
  convert: async () => {
    throw new ConversionError('文件已损坏或不完整，无法读取', 'corrupt', true);
  },
  close: async () => {},
};

let padding = 0;
async function uploaded(user: TestUser, title: string): Promise<number> {
  // Different bytes per upload: the same file twice would be a duplicate.
  const bytes = Buffer.concat([readFileSync(SEED_DOC), Buffer.alloc(512 * ++padding)]);
  const res = await upload(ctx, user.token, bytes, { fields: { title }, filename: 'a.doc' });
  expect(res.status).toBe(202);
  return res.body.document.id as number;
}

describe('conversion', () => {
  it('when a conversion finishes, then the uploader gets one document_ready; a failure gives one document_failed with the reason', async () => {
    const u = await registerUser(ctx);
    const good = await uploaded(u, '工作总结');
    expect(await convertDocument(ctx.deps, okConverter, job(good))).toBe('ready');
    expect(await convertDocument(ctx.deps, okConverter, job(good))).toBe('skipped');
    expect(await kinds(u.user.id, 'document_ready')).toBe(1);
    const bad = await uploaded(u, '坏文件');
    expect(await convertDocument(ctx.deps, brokenConverter, job(bad))).toBe('failed');
    expect(await kinds(u.user.id, 'document_failed')).toBe(1);
    const { rows } = await ctx.deps.db.pool.query(`SELECT body FROM notifications WHERE user_id = $1 AND kind = 'document_failed'`, [u.user.id]);
    expect(rows[0].body).toBe('文件已损坏或不完整，无法读取');
  });
});

describe('support', () => {
  it('when support replies, then the reporter gets one ticket_reply; the reporter’s own message notifies nobody', async () => {
    const id = await createTicket(ctx, reader.token, { category: 'other', subject: '问题', body: '请问' });
    await ctx.http().post(`/api/v1/tickets/${id}/messages`).set(bearer(reader.token)).send({ body: '补充' }).expect(201);
    expect(await kinds(reader.user.id, 'ticket_reply')).toBe(0);
    await ctx.http().post(`/api/v1/tickets/${id}/messages`).set(bearer(admin.token)).send({ body: '已收到' }).expect(201);
    expect(await kinds(reader.user.id, 'ticket_reply')).toBe(1);
    await ctx.http().post(`/api/v1/admin/tickets/${id}/resolve`).set(bearer(admin.token)).send({ action: 'none', note: '已解答' }).expect(200);
    expect(await kinds(reader.user.id, 'ticket_resolved')).toBe(1);
  });

  it('when a document is taken down and restored, then its uploader gets one of each; the complainant one ticket_resolved', async () => {
    const doc = await createDocument(ctx, { uploaderId: author.user.id, title: '被投诉的文档' });
    const id = await createTicket(ctx, reader.token, { category: 'copyright', evidence: '著作权登记号 2024-L-00001', subject: '侵权', body: '这是我的作品', documentId: doc.id });
    await ctx.http().post(`/api/v1/admin/tickets/${id}/resolve`).set(bearer(admin.token)).send({ action: 'takedown', note: '侵权' }).expect(200);
    expect(await kinds(author.user.id, 'document_taken_down')).toBe(1);
    expect(ctx.deps.mailer.recent().filter((m) => m.to === author.user.email && m.subject.includes('已被下架'))).toHaveLength(1);
    expect(await kinds(reader.user.id, 'ticket_resolved')).toBe(2);
    await ctx.http().post(`/api/v1/admin/documents/${doc.id}/restore`).set(bearer(admin.token)).send({ note: '反通知成立' }).expect(200);
    expect(await kinds(author.user.id, 'document_restored')).toBe(1);
    expect((await ctx.http().post(`/api/v1/admin/documents/${doc.id}/restore`).set(bearer(admin.token)).send({ note: '再次' })).status).toBe(409);
    expect(await kinds(author.user.id, 'document_restored')).toBe(1);
    // Marked read through the API.
    await ctx.http().post('/api/v1/me/notifications/read').set(bearer(author.token)).send({ all: true }).expect(204);
    expect(await count(ctx, 'notifications WHERE user_id = $1 AND read_at IS NULL', [author.user.id])).toBe(0);
  });
});
