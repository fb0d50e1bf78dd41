// "Listed" and "visible to this actor": the SQL fragments agree with the TypeScript predicates on
// every combination of states; every API answers a stranger's question about a document they may
// not see with the same 404; migration 0009 carries old taken-down rows over.
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { registerAdmin } from '../auth/test-fixtures.js';
import { MIGRATIONS_DIR, migrate } from '../db/migrator.js';
import { openEmbedded } from '../db/pool.js';
import { bearer, buy, createDocument, topUp, type TestUser } from '../../test/factories.js';
import { AppError } from '../errors.js';
import type { Actor } from '../deps.js';
import { assertPageReadable } from './documents.service.js';
import {
  contractStatus,
  contractStatusSql,
  isListed,
  isVisibleTo,
  listedSql,
  visibleToSql,
  type StoredStatus,
  type Viewer,
  type VisibilityFacts,
} from './visibility.js';

let ctx: TestContext;
let admin: TestUser;
let author: TestUser;
let stranger: TestUser;

beforeAll(async () => {
  ctx = await createTestContext({ ADMIN_EMAILS: 'vis-admin@example.com' });
  admin = await registerAdmin(ctx, { email: 'vis-admin@example.com' });
  author = await registerUser(ctx);
  stranger = await registerUser(ctx);
});
afterAll(async () => ctx?.close());

type Row = VisibilityFacts & { id: number };

describe('the rules in SQL and in TypeScript', () => {
  it('when documents are in every combination of stored state (conversion and review), deleted and taken down, then the SQL fragments select exactly what the predicates allow, for every kind of viewer', async () => {
    const when = new Date('2026-11-30T00:00:00Z');
    const rows: Row[] = [];
    for (const status of ['processing', 'pending_review', 'ready', 'failed', 'rejected'] as StoredStatus[]) {
      for (const deletedAt of [null, when]) {
        for (const takenDownAt of [null, when]) {
          const { rows: [r] } = await ctx.deps.db.pool.query<{ id: number }>(
            `INSERT INTO documents (uploader_id, title, format, size_bytes, sha256, blob_key, original_filename, status, deleted_at, taken_down_at, review_queued_at)
             VALUES ($1, '规则', 'DOC', 1, $2, $3, 'a.doc', $4, $5, $6, CASE WHEN $4 = 'pending_review' THEN now() END) RETURNING id`,
            [author.user.id, randomBytes(32).toString('hex'), `vis${randomBytes(8).toString('hex')}`, status, deletedAt, takenDownAt],
          );
          rows.push({ id: r!.id, uploaderId: author.user.id, status, deletedAt, takenDownAt });
        }
      }
    }
    const ids = rows.map((r) => r.id);
    const viewers: Viewer[] = [
      { userId: null, isAdmin: false },
      { userId: author.user.id, isAdmin: false },
      { userId: stranger.user.id, isAdmin: false },
      { userId: admin.user.id, isAdmin: true },
    ];
    for (const viewer of viewers) {
      const { rows: seen } = await ctx.deps.db.pool.query<{ id: number }>(
        `SELECT d.id FROM documents d WHERE d.id = ANY($3::bigint[]) AND ${visibleToSql('$1', '$2')} ORDER BY d.id`,
        [viewer.userId, viewer.isAdmin, ids],
      );
      expect(seen.map((r) => r.id)).toEqual(rows.filter((r) => isVisibleTo(viewer, r)).map((r) => r.id));
    }
    const { rows: listed } = await ctx.deps.db.pool.query<{ id: number }>(
      `SELECT d.id FROM documents d WHERE d.id = ANY($1::bigint[]) AND ${listedSql('d')} ORDER BY d.id`,
      [ids],
    );
    expect(listed.map((r) => r.id)).toEqual(rows.filter(isListed).map((r) => r.id));
    expect(listed).toHaveLength(1);
    const { rows: statuses } = await ctx.deps.db.pool.query<{ id: number; status: string }>(
      `SELECT d.id, ${contractStatusSql('d')} AS status FROM documents d WHERE d.id = ANY($1::bigint[]) ORDER BY d.id`,
      [ids],
    );
    expect(statuses).toEqual(rows.map((r) => ({ id: r.id, status: contractStatus(r) })));
    // The uploader sees their own live documents in every state; a stranger only the listed one.
    expect(rows.filter((r) => isVisibleTo({ userId: author.user.id, isAdmin: false }, r))).toHaveLength(5);
  });

  it('when the conversion state is written as taken_down, then the database refuses it: taken down is taken_down_at alone', async () => {
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 100 });
    await expect(ctx.deps.db.pool.query(`UPDATE documents SET status = 'taken_down' WHERE id = $1`, [doc.id])).rejects.toMatchObject({
      code: '23514',
    });
    const { rows } = await ctx.deps.db.pool.query('SELECT status, taken_down_at FROM documents WHERE id = $1', [doc.id]);
    expect(rows[0]).toEqual({ status: 'ready', taken_down_at: null });
  });
});

describe('a document the caller may not see', () => {
  const get = (url: string, who?: TestUser) => (who ? ctx.http().get(url).set(bearer(who.token)) : ctx.http().get(url));
  const post = (url: string, who: TestUser) => ctx.http().post(url).set(bearer(who.token)).send({ confirm: true });
  const purchasesOf = async (id: number) =>
    (await ctx.deps.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM purchases WHERE document_id = $1', [id])).rows[0]!.n;
  const balanceOf = async (who: TestUser) => (await get('/api/v1/wallet', who)).body.balanceCents as number;

  it.each(['processing', 'failed'] as const)(
    'when a stranger asks about a %s document, then the documents API, preview, purchase and download-link all answer 404 and nothing is charged; its uploader still sees it',
    async (status) => {
      const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 300, status });
      await topUp(ctx, stranger.token, 300);
      const before = await balanceOf(stranger);
      for (const res of [
        await get(`/api/v1/documents/${doc.id}`, stranger),
        await get(`/api/v1/documents/${doc.id}/preview`, stranger),
        await post(`/api/v1/documents/${doc.id}/purchase`, stranger),
        await post(`/api/v1/documents/${doc.id}/download-link`, stranger),
      ]) {
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe('not_found');
      }
      expect(await balanceOf(stranger)).toBe(before);
      expect(await purchasesOf(doc.id)).toBe(0);
      // Anonymous readers get the same answer from the API.
      expect((await get(`/api/v1/documents/${doc.id}`)).status).toBe(404);
      // Its uploader sees it, has no preview yet (409, as the contract says) and may download it.
      expect((await get(`/api/v1/documents/${doc.id}`, author)).body.document.status).toBe(status);
      expect((await get(`/api/v1/documents/${doc.id}/preview`, author)).status).toBe(409);
      expect((await post(`/api/v1/documents/${doc.id}/download-link`, author)).status).toBe(200);
      expect((await post(`/api/v1/documents/${doc.id}/purchase`, author)).status).toBe(409);
    },
  );

  it('when the page-image preview asks whether page N may be read, then 404 for what is not visible, 409 before conversion, 403 past the free pages, and every page for buyers', async () => {
    const actorOf = (u: TestUser | null): Actor | null =>
      u ? { userId: u.user.id, role: u === admin ? 'admin' : 'user', displayName: '', email: u.user.email, referralCode: u.user.referralCode } : null;
    const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (err: unknown) => (err instanceof AppError ? err.status : err));
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 100 });
    await ctx.deps.db.pool.query('UPDATE documents SET free_preview_pages = 2 WHERE id = $1', [doc.id]);
    const reader = await registerUser(ctx);
    for (const [who, n, expected] of [
      [null, 1, 'ok'], [null, 2, 'ok'], [null, 3, 403], [reader, 3, 403], [author, 50, 'ok'], [admin, 50, 'ok'], [null, 0, 403],
    ] as const) {
      expect(await codeOf(assertPageReadable(ctx.deps, actorOf(who), doc.id, n)), `${who?.user.id ?? 'anonymous'} page ${n}`).toBe(expected);
    }
    await topUp(ctx, reader.token, 100);
    await buy(ctx, reader.token, doc.id);
    expect(await codeOf(assertPageReadable(ctx.deps, actorOf(reader), doc.id, 3))).toBe('ok');
    const busy = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 0, status: 'processing' });
    expect(await codeOf(assertPageReadable(ctx.deps, actorOf(stranger), busy.id, 1))).toBe(404);
    expect(await codeOf(assertPageReadable(ctx.deps, actorOf(author), busy.id, 1))).toBe(409);
    await ctx.deps.db.pool.query('UPDATE documents SET taken_down_at = now() WHERE id = $1', [doc.id]);
    expect(await codeOf(assertPageReadable(ctx.deps, actorOf(reader), doc.id, 1))).toBe(404);
    expect(await codeOf(assertPageReadable(ctx.deps, actorOf(admin), doc.id, 9))).toBe('ok');
  });

  it('when a document is taken down, then the contract still reads status taken_down for admins, while the row keeps its conversion state', async () => {
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 0 });
    await ctx.deps.db.pool.query('UPDATE documents SET taken_down_at = now() WHERE id = $1', [doc.id]);
    expect((await get(`/api/v1/documents/${doc.id}`, admin)).body.document.status).toBe('taken_down');
    expect((await get(`/api/v1/documents/${doc.id}`, author)).status).toBe(404);
    const { rows } = await ctx.deps.db.pool.query('SELECT status FROM documents WHERE id = $1', [doc.id]);
    expect(rows[0].status).toBe('ready');
  });
});

describe('migration 0009', () => {
  it('when rows were taken down the old way (status taken_down), then they keep taken_down_at, get their conversion state back, and restore steps lose the stale previous status', async () => {
    const db = await openEmbedded(null);
    const before = mkdtempSync(path.join(tmpdir(), 'wenku-mig-'));
    try {
      for (const f of readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{4}_.*\.sql$/.test(f) && f < '0009')) {
        copyFileSync(path.join(MIGRATIONS_DIR, f), path.join(before, f));
      }
      await migrate(db.pool, before);
      const q = (sql: string, params: unknown[] = []) => db.pool.query(sql, params);
      const user = (await q(`INSERT INTO users (email, display_name, password_hash, referral_code) VALUES ('m@example.com', 'm', 'x', 'mref0001') RETURNING id`)).rows[0].id;
      const doc = async (status: string, takenDownAt: string | null) =>
        (await q(
          `INSERT INTO documents (uploader_id, title, format, size_bytes, sha256, blob_key, original_filename, status, taken_down_at, updated_at)
           VALUES ($1, 't', 'DOC', 1, $2, $3, 'a.doc', $4, $5, '2026-01-02T03:04:05Z') RETURNING id`,
          [user, randomBytes(32).toString('hex'), `m${randomBytes(8).toString('hex')}`, status, takenDownAt],
        )).rows[0].id as number;
      const wasProcessing = await doc('taken_down', '2026-01-01T00:00:00Z');
      const noRecord = await doc('taken_down', null);
      const restored = await doc('ready', null);
      const live = await doc('failed', null);
      await q(`INSERT INTO takedown_actions (document_id, action, actor_id, previous_status) VALUES ($1, 'takedown', $2, 'processing')`, [wasProcessing, user]);
      await q(`INSERT INTO takedown_actions (document_id, action, actor_id, previous_status) VALUES ($1, 'takedown', $2, 'ready'), ($1, 'restore', $2, 'taken_down')`, [restored, user]);

      expect((await migrate(db.pool))[0]).toBe('0009_taken_down.sql');
      const rows = (await q(`SELECT id, status, taken_down_at AS "takenDownAt" FROM documents ORDER BY id`)).rows;
      expect(rows).toEqual([
        { id: wasProcessing, status: 'processing', takenDownAt: new Date('2026-01-01T00:00:00Z') },
        { id: noRecord, status: 'ready', takenDownAt: new Date('2026-01-02T03:04:05Z') },
        { id: restored, status: 'ready', takenDownAt: null },
        { id: live, status: 'failed', takenDownAt: null },
      ]);
      const steps = (await q(`SELECT action, previous_status AS "previousStatus" FROM takedown_actions WHERE document_id = $1 ORDER BY id`, [restored])).rows;
      expect(steps).toEqual([{ action: 'takedown', previousStatus: 'ready' }, { action: 'restore', previousStatus: null }]);
      await expect(q(`UPDATE documents SET status = 'taken_down' WHERE id = $1`, [live])).rejects.toMatchObject({ code: '23514' });
    } finally {
      await db.close();
      rmSync(before, { recursive: true, force: true });
    }
  });
});
