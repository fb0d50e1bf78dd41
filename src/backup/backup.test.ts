// npm run backup / npm run restore (issue 14, Guarantees): restored into an empty database and
// an empty DATA_DIR, the site serves the same documents, files and balances. On a Postgres server
// through pg_dump; the embedded database (PGlite 18, which the installed pg_dump 15 refuses) as its
// data directory, tested on disk whichever database the suite runs on.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, testConfig, type TestContext } from '../../test/app.js';
import { createApp } from '../app.js';
import type { AppDeps } from '../deps.js';
import { createPool, openEmbedded, type Database } from '../db/pool.js';
import { migrate } from '../db/migrator.js';
import { buildDeps } from '../build-deps.js';
import { createDocument, ledgerInvariants, topUp, CLEAN_LEDGER } from '../../test/factories.js';

const exec = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const onServer = Boolean(process.env.DATABASE_URL);

async function cli(env: { DATABASE_URL: string; DATA_DIR: string }, ...args: string[]) {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['--import', 'tsx', 'scripts/backup.ts', ...args], {
      cwd: root,
      env: { PATH: process.env.PATH, LOG_LEVEL: 'silent', NODE_ENV: 'test', ...env },
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe.skipIf(!onServer)('backup and restore', () => {
  let ctx: TestContext;
  let emptyUrl: string;
  let emptyName: string;
  let adminUrl: URL;
  const scratch = mkdtempSync(path.join(tmpdir(), 'wenku-backup-'));
  const backupDir = path.join(scratch, 'backup');
  const restoredDataDir = path.join(scratch, 'restored-data');

  beforeAll(async () => {
    ctx = await createTestContext();
    adminUrl = new URL(ctx.deps.db.connectionString);
    adminUrl.pathname = '/postgres';
    emptyName = `wenku_restore_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl.toString() });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${emptyName}"`);
    await admin.end();
    const u = new URL(ctx.deps.db.connectionString);
    u.pathname = `/${emptyName}`;
    emptyUrl = u.toString();
  }, 60_000);
  afterAll(async () => {
    await ctx?.close();
    const admin = new pg.Client({ connectionString: adminUrl.toString() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${emptyName}" WITH (FORCE)`);
    await admin.end();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('when a backup is restored into an empty database and DATA_DIR, then the site serves the same documents, files and balances', async () => {
    const author = await registerUser(ctx, { displayName: '作者' });
    const buyer = await registerUser(ctx, { displayName: '买家' });
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 300, title: '备份恢复测试文档' });
    const free = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 0, title: '免费文档' });
    await topUp(ctx, buyer.token, 1_000);
    const bought = await ctx.http().post(`/api/v1/documents/${doc.id}/purchase`).set('authorization', `Bearer ${buyer.token}`).send({ confirm: true });
    expect(bought.status).toBe(201);

    const snapshot = async (http: () => ReturnType<typeof request>) => {
      const auth = (t: string) => ({ authorization: `Bearer ${t}` });
      const docs = await Promise.all([doc.id, free.id].map(async (id) => {
        const body = (await http().get(`/api/v1/documents/${id}`).set(auth(buyer.token))).body.document;
        delete body.stats; // views are counted by the reads themselves
        return body;
      }));
      const wallets = await Promise.all([author, buyer].map(async (u) => (await http().get('/api/v1/wallet').set(auth(u.token))).body));
      const link = await http().post(`/api/v1/documents/${doc.id}/download-link`).set(auth(buyer.token)).send({ confirm: true });
      expect(link.status).toBe(200);
      const file = await http().get(new URL(link.body.url, 'http://x').pathname).buffer(true).parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
      expect(file.status).toBe(200);
      return { docs, wallets, file: file.body as Buffer };
    };
    const before = await snapshot(() => ctx.http());
    expect(before.file.equals(doc.bytes)).toBe(true);
    expect(before.wallets[1].balanceCents).toBe(700);

    // A deployment without JWT_SECRET keeps its generated one in the database (generated_secrets).
    await ctx.deps.db.pool.query(`INSERT INTO generated_secrets (name, value) VALUES ('jwt_secret', $1) ON CONFLICT DO NOTHING`, [randomBytes(48).toString('base64url')]);
    const backedUp = await cli({ DATABASE_URL: ctx.deps.db.connectionString, DATA_DIR: ctx.deps.config.dataDir }, 'backup', backupDir);
    expect(backedUp.stderr).toBe('');
    expect(backedUp.code).toBe(0);
    const manifest = JSON.parse(readFileSync(path.join(backupDir, 'manifest.json'), 'utf8'));
    expect(manifest.database.kind).toBe('postgres');
    expect(manifest.blobs.map((b: { key: string }) => b.key)).toEqual(expect.arrayContaining([doc.blobKey, free.blobKey]));
    expect(manifest.referencedBlobs).toBe(2);

    const restored = await cli({ DATABASE_URL: emptyUrl, DATA_DIR: restoredDataDir }, 'restore', backupDir);
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    expect(readdirSync(path.join(restoredDataDir, 'blobs')).length).toBeGreaterThan(0);
    // A second site on the restored database and files, with the same settings (secrets).
    const pool = createPool(emptyUrl, { max: 5 });
    // The generated secrets come along, so sessions, links and the webhook keep working: with a
    // database server they live in it (generated_secrets), so the dump carries them.
    const secretsIn = async (db: pg.Pool) => (await db.query('SELECT name, value FROM generated_secrets ORDER BY name')).rows;
    expect((await secretsIn(ctx.deps.db.pool)).length).toBe(1);
    expect(await secretsIn(pool)).toEqual(await secretsIn(ctx.deps.db.pool));
    const deps = await buildDeps(testConfig(restoredDataDir), pino({ level: 'silent' }), {
      clock: ctx.clock,
      db: { pool, connectionString: emptyUrl, kind: 'postgres', close: () => pool.end() },
    });
    const app = createApp(deps);
    try {
      const after = await snapshot(() => request(app));
      expect(after.docs).toEqual(before.docs);
      expect(after.wallets).toEqual(before.wallets);
      expect(after.file.equals(before.file)).toBe(true);
      expect(await ledgerInvariants({ ...ctx, deps } as TestContext)).toEqual(CLEAN_LEDGER);
    } finally {
      await deps.close(1_000);
    }
  }, 240_000);

  it('when the target is not empty or the backup was altered, then it refuses with a message and exit code 1', async () => {
    // The restored database is no longer empty.
    const again = await cli({ DATABASE_URL: emptyUrl, DATA_DIR: path.join(scratch, 'other-data') }, 'restore', backupDir);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('not empty');
    // A backup folder that already holds a backup is not overwritten.
    const over = await cli({ DATABASE_URL: ctx.deps.db.connectionString, DATA_DIR: ctx.deps.config.dataDir }, 'backup', backupDir);
    expect(over.code).toBe(1);
    expect(over.stderr).toContain('not empty');
    // A changed file fails the manifest check before anything is restored.
    const manifest = JSON.parse(readFileSync(path.join(backupDir, 'manifest.json'), 'utf8'));
    writeFileSync(path.join(backupDir, 'blobs', manifest.blobs[0].key), 'tampered');
    const bad = await cli({ DATABASE_URL: ctx.deps.db.connectionString, DATA_DIR: path.join(scratch, 'third-data') }, 'restore', backupDir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('differs from the manifest');
    const usage = await cli({ DATABASE_URL: emptyUrl, DATA_DIR: scratch }, 'backup');
    expect(usage.code).toBe(64);
  }, 240_000);
});

/** A site on `db` with DATA_DIR `dataDir`, built the way test/app.ts builds one. */
async function siteOn(db: Database, dataDir: string, clock: AppDeps['clock']) {
  const deps = await buildDeps(testConfig(dataDir), pino({ level: 'silent' }), { db, clock });
  const app = createApp(deps);
  return { http: () => request(app), deps, close: () => deps.close(1_000) };
}

describe('backup and restore of the embedded database', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'wenku-backup-embedded-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('when the embedded database and its files are backed up and restored into an empty DATA_DIR, then the site serves the same documents, files and balances', async () => {
    const source = path.join(scratch, 'source');
    const clock = { now: () => new Date() };
    const db = await openEmbedded(path.join(source, 'pgdata'));
    await migrate(db.pool);
    const site = await siteOn(db, source, clock);
    const ctxLike = { deps: site.deps, http: site.http } as unknown as TestContext;
    let before;
    try {
      const author = await registerUser(ctxLike, { displayName: '作者' });
      const buyer = await registerUser(ctxLike, { displayName: '买家' });
      const doc = await createDocument(ctxLike, { uploaderId: author.user.id, priceCents: 250 });
      await topUp(ctxLike, buyer.token, 1_000);
      expect((await site.http().post(`/api/v1/documents/${doc.id}/purchase`).set('authorization', `Bearer ${buyer.token}`).send({ confirm: true })).status).toBe(201);
      const auth = { authorization: `Bearer ${buyer.token}` };
      before = {
        doc: (await site.http().get(`/api/v1/documents/${doc.id}`).set(auth)).body.document,
        wallets: await Promise.all([author, buyer].map(async (u) => (await site.http().get('/api/v1/wallet').set('authorization', `Bearer ${u.token}`)).body)),
        token: buyer.token,
        authorToken: author.token,
        id: doc.id,
        bytes: doc.bytes,
      };
      delete before.doc.stats;
    } finally {
      await site.close(); // the embedded database belongs to one process: closed before the backup
    }

    const backedUp = await cli({ DATABASE_URL: '', DATA_DIR: source }, 'backup', path.join(scratch, 'backup'));
    expect(backedUp).toMatchObject({ code: 0, stderr: '' });
    const target = path.join(scratch, 'target');
    const restored = await cli({ DATABASE_URL: '', DATA_DIR: target }, 'restore', path.join(scratch, 'backup'));
    expect(restored).toMatchObject({ code: 0, stderr: '' });
    expect(readFileSync(path.join(target, 'secrets.json'), 'utf8')).toBe(readFileSync(path.join(source, 'secrets.json'), 'utf8'));

    const again = await siteOn(await openEmbedded(path.join(target, 'pgdata')), target, clock);
    try {
      const auth = { authorization: `Bearer ${before.token}` };
      const doc = (await again.http().get(`/api/v1/documents/${before.id}`).set(auth)).body.document;
      delete doc.stats;
      expect(doc).toEqual(before.doc);
      const wallets = await Promise.all([before.authorToken, before.token].map(async (t) => (await again.http().get('/api/v1/wallet').set('authorization', `Bearer ${t}`)).body));
      expect(wallets).toEqual(before.wallets);
      const link = await again.http().post(`/api/v1/documents/${before.id}/download-link`).set(auth).send({ confirm: true });
      const file = await again.http().get(new URL(link.body.url, 'http://x').pathname).buffer(true).parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
      expect((file.body as Buffer).equals(before.bytes)).toBe(true);
    } finally {
      await again.close();
    }
  }, 240_000);
});
