// Copies at conversion (contract, upload; issue 23 near copies; issue 27 item 7): a near copy of
// another user's document waits for review whatever REVIEW_MODE says, with the original named; a
// near copy of a taken-down work is refused; a rejected document's bytes and near copies are held
// whoever uploads them, an established account too.
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAdmin } from '../auth/test-fixtures.js';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { bearer, count, createDocument, type TestUser } from '../../test/factories.js';
import type { Converter } from '../conversion/index.js';
import { convertDocument } from '../documents/conversion.service.js';
import { SEED_DOC, upload } from '../documents/test-support.js';

let ctx: TestContext;
let admin: TestUser;
beforeAll(async () => {
  ctx = await createTestContext({ REVIEW_MODE: 'off', ADMIN_EMAILS: 'copies-admin@example.com' });
  admin = await registerAdmin(ctx, { email: 'copies-admin@example.com' });
}, 180_000);
afterAll(async () => ctx?.close());

const PARAS = [
  '同志们：今天我们召开全县政法稳定工作推进会议，主要任务是总结前一阶段工作，分析当前形势，部署下一步任务。',
  '一、充分肯定成绩，进一步增强做好政法稳定工作的责任感。今年以来，全县政法各部门围绕中心、服务大局，扎实推进平安建设。',
  '二、认清形势，突出重点，全力维护社会大局持续稳定。要坚持把矛盾纠纷排查化解作为基础性工作，做到早发现、早报告、早处置。',
  '三、加强领导，落实责任，确保各项工作任务落到实处。各乡镇、各部门要切实履行维护稳定第一责任，层层传导压力。',
];
/** A speech of some length; `seed` makes texts that have nothing to do with each other. */
const speech = (seed: string) => Array.from({ length: 40 }, (_, i) => `${seed}第${i + 1}部分 ${PARAS[i % 4]} ${seed}${i * 7}完`).join('\n');

let converterText = '';
const converter: Converter = {
  convert: async () => ({ pages: [`<p>${converterText}</p>`], pageCount: 1, wordCount: 900, text: converterText, properties: { title: null, author: null }, simplified: false, warnings: [] }),
  close: async () => {},
};
const job = (documentId: number) => ({ id: `c-${documentId}`, documentId, retryCount: 0, finalAttempt: false });

let padding = 0;
/** Uploads other bytes each time (unless `bytes`), converts with `text`; returns the id and the outcome. */
async function uploadAndConvert(user: TestUser, text: string, options: { bytes?: Buffer } = {}) {
  const bytes = options.bytes ?? Buffer.concat([readFileSync(SEED_DOC), Buffer.alloc(512 * ++padding)]);
  const res = await upload(ctx, user.token, bytes, { fields: { title: `文档 ${padding}` }, filename: 'a.doc' });
  expect(res.status).toBe(202);
  const id = res.body.document.id as number;
  converterText = text;
  const outcome = await convertDocument(ctx.deps, converter, job(id));
  return { id, bytes, outcome };
}
const row = async (id: number) =>
  (await ctx.deps.db.pool.query(
    `SELECT status, failure_reason AS "failureReason", failure_retriable AS retriable, review_hold AS hold, review_copy_of AS "copyOf",
            (SELECT count(*)::int FROM document_pages p WHERE p.document_id = d.id) AS pages
       FROM documents d WHERE id = $1`,
    [id],
  )).rows[0] as { status: string; failureReason: string | null; retriable: boolean; hold: string | null; copyOf: number | null; pages: number };

/** A user with three published documents: REVIEW_MODE=new_uploaders would trust them. */
async function establishedUser() {
  const u = await registerUser(ctx);
  for (let i = 0; i < 3; i++) await createDocument(ctx, { uploaderId: u.user.id, priceCents: 0 });
  return u;
}

describe('a near copy of another user’s document', () => {
  it('when REVIEW_MODE is off and the same speech comes back lightly edited from another user, then it waits for review and the queue names the original; the uploader’s own re-save is published', async () => {
    const [author, copier] = await Promise.all([registerUser(ctx, { displayName: '原作者' }), establishedUser()]);
    const text = speech('甲');
    const original = await uploadAndConvert(author, text);
    expect(original.outcome).toBe('ready');
    expect((await row(original.id)).status).toBe('ready');

    const near = await uploadAndConvert(copier, text.replace('今年以来', '近年来').replace(/，/g, ', '));
    expect(near.outcome).toBe('ready');
    expect(await row(near.id)).toMatchObject({ status: 'pending_review', hold: 'near_copy', copyOf: original.id });
    // Not public: a stranger gets 404, search and listings leave it out.
    expect((await ctx.http().get(`/api/v1/documents/${near.id}`)).status).toBe(404);

    const queue = await ctx.http().get('/api/v1/admin/reviews').set(bearer(admin.token));
    const item = queue.body.items.find((i: { document: { id: number } }) => i.document.id === near.id);
    expect(item.heldAsCopy).toMatchObject({ reason: 'near_copy', original: { id: original.id, uploader: { displayName: '原作者' } } });
    const agent = request.agent(ctx.app);
    const csrf = (await agent.get('/login')).text.match(/name="_csrf" value="([^"]+)"/)![1]!;
    await agent.post('/login').type('form').send({ _csrf: csrf, email: admin.user.email, password: admin.password, next: '/' });
    const page = await agent.get('/admin/reviews');
    const held = page.text.slice(page.text.indexOf(`id="held-${near.id}"`));
    expect(held).toContain(`/doc/${original.id}`);
    expect(held.slice(0, 400)).toContain('疑似副本');

    // The author's own copy in another file (e.g. saved as PDF) is theirs to publish.
    const own = await uploadAndConvert(author, text.replace(/\n/g, '\n\n'));
    expect(await row(own.id)).toMatchObject({ status: 'ready', hold: null });
    // An unrelated text from the same copier is published as REVIEW_MODE says.
    const other = await uploadAndConvert(copier, speech('乙').split('').reverse().join(''));
    expect(await row(other.id)).toMatchObject({ status: 'ready', hold: null });
  });
});

describe('a near copy of a taken-down work', () => {
  it('when the text of a taken-down document comes back in other bytes, then the conversion refuses it with the reason, stores no pages and never publishes it', async () => {
    const [author, copier] = await Promise.all([registerUser(ctx), establishedUser()]);
    const text = speech('丙');
    const original = await uploadAndConvert(author, text);
    await ctx.deps.db.pool.query('UPDATE documents SET taken_down_at = now() WHERE id = $1', [original.id]);
    const copy = await uploadAndConvert(copier, text.replace('早发现', '早预警'));
    expect(copy.outcome).toBe('failed');
    const r = await row(copy.id);
    expect(r).toMatchObject({ status: 'failed', retriable: false, pages: 0, hold: null });
    expect(r.failureReason).toContain('已因侵权投诉下架');
    expect(await count(ctx, `notifications WHERE user_id = $1 AND kind = 'document_failed'`, [copier.user.id])).toBe(1);
    expect((await ctx.http().get(`/api/v1/documents/${copy.id}`)).status).toBe(404);
    // The exact bytes of a taken-down (blocked) file are refused at the upload: 403, nothing stored.
    await ctx.deps.db.pool.query(`INSERT INTO blocked_hashes (sha256, document_id, reason) SELECT sha256, id, '工单下架' FROM documents WHERE id = $1`, [original.id]);
    const before = await count(ctx, 'documents');
    const again = await upload(ctx, copier.token, original.bytes, { filename: 'b.doc' });
    expect(again.status).toBe(403);
    expect(again.body.error.code).toBe('forbidden');
    expect(await count(ctx, 'documents')).toBe(before);
  });
});

describe('a rejected document’s bytes and near copies (issue 27 item 7)', () => {
  it('when an established account uploads the bytes a moderator rejected, or a near copy of them, then both wait for review with the rejected one named', async () => {
    const first = await registerUser(ctx);
    const text = speech('丁');
    const rejected = await uploadAndConvert(first, text);
    // Held for review (here by hand: REVIEW_MODE is off), then rejected by the moderator.
    await ctx.deps.db.pool.query(`UPDATE documents SET status = 'pending_review', review_queued_at = now() WHERE id = $1`, [rejected.id]);
    const decided = await ctx.http().post(`/api/v1/admin/documents/${rejected.id}/review`).set(bearer(admin.token)).send({ decision: 'reject', reason: 'illegal' });
    expect(decided.status).toBe(200);

    const established = await establishedUser();
    const sameBytes = await uploadAndConvert(established, text, { bytes: rejected.bytes });
    expect(await row(sameBytes.id)).toMatchObject({ status: 'pending_review', hold: 'rejected_copy', copyOf: rejected.id });
    const nearText = await uploadAndConvert(await establishedUser(), text.replace('层层传导压力', '逐级传导压力'));
    expect(await row(nearText.id)).toMatchObject({ status: 'pending_review', hold: 'rejected_copy', copyOf: rejected.id });
    // Nothing of them is public.
    for (const id of [sameBytes.id, nearText.id]) expect((await ctx.http().get(`/api/v1/documents/${id}`)).status).toBe(404);
  });
});
