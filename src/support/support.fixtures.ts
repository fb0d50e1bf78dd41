// Test-only helpers for the support tests: accounts, money through the real top-up webhook and
// purchase API, documents (uploaded through the API when it answers, else inserted), ledger checks.
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { registerUser, type TestContext } from '../../test/app.js';
import { signWebhookBody } from '../payments/topups.service.js';

export const SAMPLE_DOC = '/work/shared/corpus/seed/在全县政法稳定工作推进会议上的讲话.doc';
const scratch = mkdtempSync(path.join(tmpdir(), 'wenku-support-fixtures-'));

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export type TestUser = Awaited<ReturnType<typeof registerUser>>;

export interface DocFixture {
  id: number;
  sha256: string;
  bytes: Buffer;
}

/**
 * A ready document with one preview page, as the upload and conversion would leave it. `file`
 * decides the bytes; `salt` makes the hash unique when the same file is needed twice.
 */
export async function insertReadyDocument(
  ctx: TestContext,
  opts: { uploaderId: number; priceCents: number; title?: string; file?: string; salt?: boolean },
): Promise<DocFixture> {
  const source = opts.file ?? SAMPLE_DOC;
  const bytes = readFileSync(source);
  const blobKey = `sup${randomBytes(12).toString('hex')}`;
  const copy = path.join(scratch, blobKey);
  copyFileSync(source, copy);
  await ctx.deps.blobs.putFile(blobKey, copy);
  const hash = createHash('sha256').update(bytes);
  if (opts.salt !== false) hash.update(blobKey);
  const sha256 = hash.digest('hex');
  const title = opts.title ?? '在全县政法稳定工作推进会议上的讲话';
  const { rows } = await ctx.deps.db.pool.query<{ id: number }>(
    `INSERT INTO documents (uploader_id, title, price_cents, format, size_bytes, sha256, blob_key, original_filename,
                            status, pages, word_count, body_text, keywords, search_vector)
     VALUES ($1, $2, $3, 'DOC', $4, $5, $6, $7, 'ready', 1, 100, $2, ARRAY['政法', '会议'], to_tsvector('simple', '政法 稳定 会议 讲话'))
     RETURNING id`,
    [opts.uploaderId, title, opts.priceCents, bytes.length, sha256, blobKey, path.basename(source)],
  );
  const id = rows[0]!.id;
  await ctx.deps.db.pool.query(`INSERT INTO document_pages (document_id, page_no, html) VALUES ($1, 1, '<p>会议讲话</p>')`, [id]);
  return { id, sha256, bytes };
}

/** Tops up a wallet as the payment provider would: order through the API, signed webhook. */
export async function topUp(ctx: TestContext, token: string, amountCents: number): Promise<void> {
  const order = await ctx.http().post('/api/v1/wallet/topups').set(bearer(token)).send({ amountCents });
  if (order.status !== 201) throw new Error(`top-up order failed: ${order.status} ${JSON.stringify(order.body)}`);
  const raw = JSON.stringify({ orderId: order.body.order.id, status: 'paid', amountCents, providerRef: `sup-${order.body.order.id}-${randomBytes(3).toString('hex')}` });
  const paid = await ctx
    .http()
    .post('/api/v1/payments/webhook')
    .set('content-type', 'application/json')
    .set('x-signature', signWebhookBody(ctx.deps.config.paymentWebhookSecret, raw))
    .send(raw);
  if (paid.status !== 200) throw new Error(`webhook failed: ${paid.status} ${JSON.stringify(paid.body)}`);
}

/** Buys a document through the API; returns the purchase id. */
export async function buy(ctx: TestContext, token: string, documentId: number, referralCode?: string): Promise<number> {
  const res = await ctx.http().post(`/api/v1/documents/${documentId}/purchase`).set(bearer(token)).send({ confirm: true, ...(referralCode ? { referralCode } : {}) });
  if (res.status !== 201) throw new Error(`purchase failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.purchase.id as number;
}

export async function balanceCents(ctx: TestContext, token: string): Promise<number> {
  const me = await ctx.http().get('/api/v1/me').set(bearer(token));
  return me.body.wallet.balanceCents as number;
}

/** The ledger's sum over all entries, and how many accounts' cached balances differ from their entries. */
export async function ledgerCheck(ctx: TestContext): Promise<{ total: number; mismatches: number }> {
  const db = ctx.deps.db.pool;
  const total = (await db.query<{ s: number }>(`SELECT coalesce(sum(amount_cents), 0)::bigint AS s FROM ledger_entries`)).rows[0]!.s;
  const mismatches = (
    await db.query(
      `SELECT a.id FROM ledger_accounts a LEFT JOIN ledger_entries e ON e.account_id = a.id
        WHERE a.user_id IS NOT NULL
        GROUP BY a.id, a.balance_cents HAVING a.balance_cents <> coalesce(sum(e.amount_cents), 0)`,
    )
  ).rowCount;
  return { total: Number(total), mismatches: mismatches ?? 0 };
}

export async function count(ctx: TestContext, sql: string, params: unknown[] = []): Promise<number> {
  return (await ctx.deps.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params)).rows[0]!.n;
}
