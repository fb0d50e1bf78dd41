// Helpers for the payments tests: documents inserted directly (the upload feature is another
// helper's), real files in the blob store, top-ups through the signed webhook, ledger checks.
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, createWriteStream, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestContext, type TestContext } from '../../test/app.js';
import { signWebhookBody } from './topups.service.js';

/**
 * The test app for payments. Kept as one seam so the payments tests can adjust the embedded
 * database in one place; the app, its pool and its database are the real ones.
 */
export async function createPaymentsTestContext(env: Record<string, string> = {}): Promise<TestContext> {
  return createTestContext(env);
}

export const SEED_DOC = '/work/shared/corpus/seed/在全县政法稳定工作推进会议上的讲话.doc';
const scratch = mkdtempSync(path.join(tmpdir(), 'wenku-pay-fixtures-'));

export interface DocFixture {
  id: number;
  blobKey: string;
  bytes: Buffer;
  sha256: string;
}

/** Inserts a document row and stores `file` (default: the seed .doc) under a fresh blob key. */
export async function insertDocument(
  ctx: TestContext,
  opts: {
    uploaderId: number;
    priceCents: number;
    status?: 'processing' | 'ready' | 'failed' | 'taken_down';
    format?: 'DOC' | 'DOCX';
    originalFilename?: string;
    title?: string;
    file?: string;
  },
): Promise<DocFixture> {
  const source = opts.file ?? SEED_DOC;
  const bytes = readFileSync(source);
  const blobKey = `pay${randomBytes(12).toString('hex')}`;
  const copy = path.join(scratch, blobKey);
  copyFileSync(source, copy);
  await ctx.deps.blobs.putFile(blobKey, copy);
  // Unique per row: the same bytes under one uploader would trip documents_uploader_sha256_key.
  const sha256 = createHash('sha256').update(bytes).update(blobKey).digest('hex');
  const { rows } = await ctx.deps.db.pool.query<{ id: number }>(
    `INSERT INTO documents (uploader_id, title, price_cents, format, size_bytes, sha256, blob_key, original_filename, status, taken_down_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $9 = 'taken_down' THEN now() END) RETURNING id`,
    [
      opts.uploaderId,
      opts.title ?? '在全县政法稳定工作推进会议上的讲话',
      opts.priceCents,
      opts.format ?? 'DOC',
      bytes.length,
      sha256,
      blobKey,
      opts.originalFilename ?? path.basename(source),
      opts.status ?? 'ready',
    ],
  );
  return { id: rows[0]!.id, blobKey, bytes, sha256 };
}

/** A file of `size` pseudo-random bytes, written in chunks (never held whole). */
export async function generateFile(size: number): Promise<string> {
  const file = path.join(scratch, `big-${randomBytes(4).toString('hex')}.docx`);
  const out = createWriteStream(file);
  let left = size;
  while (left > 0) {
    const n = Math.min(left, 1 << 20);
    if (!out.write(randomBytes(n))) await new Promise<void>((r) => out.once('drain', () => r()));
    left -= n;
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return file;
}

export function signed(ctx: TestContext, body: unknown): { raw: string; signature: string } {
  const raw = JSON.stringify(body);
  return { raw, signature: signWebhookBody(ctx.deps.config.paymentWebhookSecret, raw) };
}

export function postWebhook(ctx: TestContext, body: unknown, signature?: string) {
  const s = signed(ctx, body);
  return ctx
    .http()
    .post('/api/v1/payments/webhook')
    .set('content-type', 'application/json')
    .set('x-signature', signature ?? s.signature)
    .send(s.raw);
}

/** Tops up through the API and the signed webhook, as the payment provider would. */
export async function topUp(ctx: TestContext, token: string, amountCents: number): Promise<number> {
  const order = await ctx.http().post('/api/v1/wallet/topups').set('authorization', `Bearer ${token}`).send({ amountCents });
  if (order.status !== 201) throw new Error(`topup order failed: ${order.status}`);
  const paid = await postWebhook(ctx, { orderId: order.body.order.id, status: 'paid', amountCents, providerRef: `test-${order.body.order.id}` });
  if (paid.status !== 200) throw new Error(`webhook failed: ${paid.status} ${JSON.stringify(paid.body)}`);
  return order.body.order.id as number;
}

export async function balanceOf(ctx: TestContext, userId: number): Promise<{ wallet: number; debt: number }> {
  const { rows } = await ctx.deps.db.pool.query<{ kind: string; balance: number }>(
    `SELECT kind, balance_cents AS balance FROM ledger_accounts WHERE user_id = $1`,
    [userId],
  );
  return { wallet: rows.find((r) => r.kind === 'wallet')!.balance, debt: rows.find((r) => r.kind === 'debt')!.balance };
}

/** The ledger's invariants: everything sums to zero, user caches match entries, system accounts cache nothing, no overdraft. */
export async function ledgerInvariants(ctx: TestContext) {
  const q = async (sql: string) => (await ctx.deps.db.pool.query(sql)).rows;
  const [total] = await q(`SELECT coalesce(sum(amount_cents), 0)::bigint AS s FROM ledger_entries`);
  const unbalanced = await q(`SELECT transaction_id FROM ledger_entries GROUP BY transaction_id HAVING sum(amount_cents) <> 0`);
  const cacheMismatches = await q(
    `SELECT a.id FROM ledger_accounts a LEFT JOIN ledger_entries e ON e.account_id = a.id
      GROUP BY a.id, a.balance_cents
     HAVING a.balance_cents IS DISTINCT FROM CASE WHEN a.user_id IS NULL THEN NULL ELSE coalesce(sum(e.amount_cents), 0) END`,
  );
  const negativeWallets = await q(`SELECT id FROM ledger_accounts WHERE kind = 'wallet' AND balance_cents < 0`);
  const owingWithMoney = await q(
    `SELECT w.user_id FROM ledger_accounts w JOIN ledger_accounts d ON d.user_id = w.user_id AND d.kind = 'debt'
      WHERE w.kind = 'wallet' AND w.balance_cents > 0 AND d.balance_cents < 0`,
  );
  return {
    total: Number(total!.s),
    unbalanced: unbalanced.length,
    cacheMismatches: cacheMismatches.length,
    negativeWallets: negativeWallets.length,
    owingWithMoney: owingWithMoney.length,
  };
}

export const CLEAN_LEDGER = { total: 0, unbalanced: 0, cacheMismatches: 0, negativeWallets: 0, owingWithMoney: 0 };
