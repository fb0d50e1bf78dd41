// Issue 14 item 14: the JSON API accepts state-changing requests only as application/json.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { createDocument as insertReadyDocument } from '../../test/factories.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => ctx.close());

const tickets = async () => (await ctx.deps.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM tickets')).rows[0]!.n;
const notice = {
  category: 'copyright', evidence: '著作权登记号 2024-L-00001', subject: '侵权投诉', body: '此文档是我单位的内部材料，未经授权被上传。', contact: 'legal@example.com',
};

describe('state-changing API requests with another body type', () => {
  it.each([
    ['a cross-site urlencoded form', 'application/x-www-form-urlencoded', new URLSearchParams(notice).toString()],
    ['a text/plain form', 'text/plain', JSON.stringify(notice)],
    ['a multipart form', 'multipart/form-data; boundary=b', `--b\r\nContent-Disposition: form-data; name="subject"\r\n\r\n侵权\r\n--b--\r\n`],
  ])('when an anonymous ticket comes as %s, then 400 with the contract error and nothing is stored', async (_what, type, body) => {
    const before = await tickets();
    const res = await ctx.http().post('/api/v1/tickets').set('content-type', type).set('origin', 'https://evil.example').send(body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: 'validation_failed', message: expect.any(String), details: { reason: 'content_type' } } });
    expect(await tickets()).toBe(before);
  });

  it('when the same ticket comes as JSON, then it is stored; bodyless calls and the multipart upload are not refused by this rule', async () => {
    const before = await tickets();
    const res = await ctx.http().post('/api/v1/tickets').set('content-type', 'application/json; charset=utf-8').send(JSON.stringify(notice));
    expect(res.status).toBe(201);
    expect(await tickets()).toBe(before + 1);
    const author = await registerUser(ctx);
    const reader = await registerUser(ctx);
    const { id } = await insertReadyDocument(ctx, { uploaderId: author.user.id, priceCents: 0 });
    expect((await ctx.http().put(`/api/v1/documents/${id}/favorite`).set('authorization', `Bearer ${reader.token}`)).status).toBe(204);
    const up = await ctx.http().post('/api/v1/documents').set('authorization', `Bearer ${reader.token}`).attach('file', Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00', 'latin1'), 'x.doc'); // an .exe: refused by sniffing, not by this rule
    expect(up.status).toBe(400);
    expect(up.body.error.code).toBe('unsupported_file');
  });

  it('when a login or a top-up is sent urlencoded by a script with a Bearer token, then 400 and no order is made', async () => {
    const user = await registerUser(ctx);
    const res = await ctx.http().post('/api/v1/wallet/topups').set('authorization', `Bearer ${user.token}`).type('form').send({ amountCents: '1000' });
    expect(res.status).toBe(400);
    const orders = await ctx.deps.db.pool.query('SELECT 1 FROM topup_orders WHERE user_id = $1', [user.user.id]);
    expect(orders.rowCount).toBe(0);
  });
});
