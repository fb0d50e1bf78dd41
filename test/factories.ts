// Test factories (tests only): the one place tests make users with tokens, documents in any
// status, money in wallets (through the signed top-up webhook, so the ledger posts it), purchases
// and tickets, and the ledger checks. Documents are inserted directly with their files in the
// blob store (uploading and converting are tested on their own); everything else goes through
// the real API, as a user would.
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, createWriteStream, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { htmlToText } from '../src/conversion/html.js';
import { documentSearchTokens } from '../src/documents/document-text.js';
import { searchVectorSql } from '../src/documents/documents.repo.js';
import { signWebhookBody } from '../src/payments/topups.service.js';
import type { TestContext } from './app.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The shared test corpus (read-only): WENKU_CORPUS when set, else `../shared/corpus` next to the
 * checkout. A git worktree sits deeper than the main checkout, so the nearest ancestor that has one wins.
 */
export const CORPUS = ((): string => {
  if (process.env.WENKU_CORPUS) return process.env.WENKU_CORPUS;
  for (let dir = REPO; ; dir = path.dirname(dir)) {
    const candidate = path.resolve(dir, '../shared/corpus');
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return path.resolve(REPO, '../shared/corpus');
  }
})();
export const SEED_DOC = path.join(CORPUS, 'seed', '在全县政法稳定工作推进会议上的讲话.doc');

const scratch = mkdtempSync(path.join(tmpdir(), 'wenku-factories-'));

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/* ---- Users ---- */

export type TestUser = Awaited<ReturnType<typeof registerUser>>;

let userCounter = 0;
/** Registers a user through the API and returns the token and user. */
export async function registerUser(ctx: TestContext, overrides: Partial<{ email: string; displayName: string; password: string }> = {}) {
  userCounter += 1;
  const body = {
    email: overrides.email ?? `user${userCounter}-${Date.now()}@example.com`,
    password: overrides.password ?? 'correct horse battery',
    displayName: overrides.displayName ?? `用户${userCounter}`,
  };
  const res = await ctx.http().post('/api/v1/auth/register').send(body);
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { token: res.body.token as string, user: res.body.user as { id: number; email: string; referralCode: string; role: string }, password: body.password };
}

/* ---- Documents ---- */

export interface DocumentOptions {
  uploaderId: number;
  title?: string;
  priceCents?: number;
  /** `taken_down`: taken_down_at set over status ready (taken down is its own column, migration 0009), no pages. */
  status?: 'processing' | 'ready' | 'failed' | 'taken_down';
  failureReason?: string;
  /** Taken down after it was ready (taken_down_at set, status kept). */
  takenDown?: boolean;
  deleted?: boolean;
  /** Preview pages of a ready document; `[]` leaves it without pages (pages NULL). */
  pages?: string[];
  freePreviewPages?: number;
  keywords?: string[];
  category?: string;
  format?: 'DOC' | 'DOCX';
  /** The stored file (default: the seed .doc); its bytes decide size_bytes. */
  file?: string;
  originalFilename?: string;
  /** false: sha256 of the bytes alone, for duplicate-file cases; otherwise unique per row. */
  uniqueHash?: boolean;
  createdAt?: string;
}

export interface DocFixture {
  id: number;
  blobKey: string;
  bytes: Buffer;
  sha256: string;
}

const DEFAULT_TITLE = '党办:在全县政法稳定工作推进会议上的讲话';
const DEFAULT_KEYWORDS = ['党办', '全县', '政法', '稳定', '工作', '推进', '会议', '讲话'];

/**
 * A document row as the upload and the conversion leave it, its file in the blob store and,
 * when ready, its preview pages, body text and weighted search vector.
 */
export async function createDocument(ctx: TestContext, o: DocumentOptions): Promise<DocFixture> {
  const source = o.file ?? SEED_DOC;
  const bytes = readFileSync(source);
  const blobKey = `fx${randomBytes(12).toString('hex')}`;
  const copy = path.join(scratch, blobKey);
  copyFileSync(source, copy);
  await ctx.deps.blobs.putFile(blobKey, copy);
  // Unique per row unless asked: the same bytes under one uploader would trip documents_uploader_sha256_key.
  const hash = createHash('sha256').update(bytes);
  if (o.uniqueHash !== false) hash.update(blobKey);
  const sha256 = hash.digest('hex');
  const status = o.status ?? 'ready';
  const pages = status === 'ready' ? (o.pages ?? ['<p>第一页</p>']) : [];
  const title = o.title ?? DEFAULT_TITLE;
  const keywords = o.keywords ?? DEFAULT_KEYWORDS;
  const { rows } = await ctx.deps.db.pool.query<{ id: number }>(
    `INSERT INTO documents (uploader_id, title, category, price_cents, free_preview_pages, keywords, format, size_bytes,
       sha256, blob_key, original_filename, status, failure_reason, pages, word_count, created_at,
       taken_down_at, deleted_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, coalesce($16::timestamptz, now()),
       CASE WHEN $19::boolean OR $17::boolean THEN now() END, CASE WHEN $18::boolean THEN now() END)
     RETURNING id`,
    [
      o.uploaderId,
      title,
      o.category ?? '讲话致辞',
      o.priceCents ?? 0,
      o.freePreviewPages ?? 3,
      keywords,
      o.format ?? 'DOC',
      bytes.length,
      sha256,
      blobKey,
      o.originalFilename ?? path.basename(source),
      status === 'taken_down' ? 'ready' : status,
      o.failureReason ?? null,
      pages.length > 0 ? pages.length : null,
      pages.length > 0 ? 100 : null,
      o.createdAt ?? null,
      !!o.takenDown,
      !!o.deleted,
      status === 'taken_down',
    ],
  );
  const id = rows[0]!.id;
  if (pages.length > 0) {
    for (const [i, html] of pages.entries()) {
      await ctx.deps.db.pool.query('INSERT INTO document_pages (document_id, page_no, html) VALUES ($1, $2, $3)', [id, i + 1, html]);
    }
    const body = htmlToText(pages.join('\n'));
    const t = documentSearchTokens({ title, keywords, description: '', body });
    await ctx.deps.db.pool.query(`UPDATE documents SET body_text = $6, search_vector = ${searchVectorSql(2)} WHERE id = $1`, [
      id,
      t.title,
      t.keywords,
      t.description,
      t.body,
      body,
    ]);
  }
  return { id, blobKey, bytes, sha256 };
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

/* ---- Money: top-ups, purchases, the ledger ---- */

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

/** Tops up a wallet as the payment provider would: order through the API, signed webhook. Returns the order id. */
export async function topUp(ctx: TestContext, token: string, amountCents: number): Promise<number> {
  const order = await ctx.http().post('/api/v1/wallet/topups').set(bearer(token)).send({ amountCents });
  if (order.status !== 201) throw new Error(`top-up order failed: ${order.status} ${JSON.stringify(order.body)}`);
  const providerRef = `test-${order.body.order.id}-${randomBytes(3).toString('hex')}`;
  const paid = await postWebhook(ctx, { orderId: order.body.order.id, status: 'paid', amountCents, providerRef });
  if (paid.status !== 200) throw new Error(`webhook failed: ${paid.status} ${JSON.stringify(paid.body)}`);
  return order.body.order.id as number;
}

/** Buys a document through the API; returns the purchase id. */
export async function buy(ctx: TestContext, token: string, documentId: number, referralCode?: string): Promise<number> {
  // A referral code counts only with the buyer's recorded share visit of the document.
  if (referralCode) await ctx.http().get(`/doc/${documentId}?ref=${referralCode}`).set('cookie', `wenku_session=${token}`);
  const res = await ctx
    .http()
    .post(`/api/v1/documents/${documentId}/purchase`)
    .set(bearer(token))
    .send({ confirm: true, ...(referralCode ? { referralCode } : {}) });
  if (res.status !== 201) throw new Error(`purchase failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.purchase.id as number;
}

/** The wallet balance the user sees (GET /api/v1/me). */
export async function balanceCents(ctx: TestContext, token: string): Promise<number> {
  const me = await ctx.http().get('/api/v1/me').set(bearer(token));
  return me.body.wallet.balanceCents as number;
}

/** The user's cached wallet and debt balances. */
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

/** The ledger's sum over all entries, and how many accounts' cached balances differ from their entries. */
export async function ledgerCheck(ctx: TestContext): Promise<{ total: number; mismatches: number }> {
  const { total, cacheMismatches } = await ledgerInvariants(ctx);
  return { total, mismatches: cacheMismatches };
}

/* ---- Support ---- */

/** Opens a ticket through the API (anonymously when `token` is null); returns its id. */
export async function createTicket(ctx: TestContext, token: string | null, body: object): Promise<number> {
  const req = ctx.http().post('/api/v1/tickets');
  const res = await (token ? req.set(bearer(token)) : req).send(body);
  if (res.status !== 201) throw new Error(`ticket: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.ticket.id as number;
}

/** count(*) over `FROM …` (the text after FROM). */
export async function count(ctx: TestContext, sql: string, params: unknown[] = []): Promise<number> {
  return (await ctx.deps.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params)).rows[0]!.n;
}
