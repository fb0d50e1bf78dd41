// Two web nodes on one database, each with its own DATA_DIR and no JWT_SECRET: a session made on
// one is valid on the other, because the generated secrets live in the database.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.js';
import { buildDeps, type BuiltDeps } from '../build-deps.js';
import { loadConfig } from '../config.js';
import { openDatabase, type Database } from '../db/pool.js';
import { createTestDatabase } from '../../test/db.js';

const dirs: string[] = [];
const newDataDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'wenku-node-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A node as `npm start` builds it: settings from the environment, its own pool and DATA_DIR. */
async function startNode(databaseUrl: string, dataDir: string): Promise<BuiltDeps> {
  const settings = loadConfig({ DATABASE_URL: databaseUrl, DATA_DIR: dataDir, NODE_ENV: 'test', LOG_LEVEL: 'silent', RATE_LIMIT_SCALE: '0', RUN_WORKER: 'false' });
  expect(settings.jwtSecret).toBeUndefined();
  const db = await openDatabase(settings);
  return buildDeps(settings, pino({ level: 'silent' }), { db });
}

describe.skipIf(!process.env.DATABASE_URL)('generated secrets on a database server', () => {
  let shared: Database;
  const nodes: BuiltDeps[] = [];
  beforeAll(async () => {
    shared = await createTestDatabase();
  });
  afterAll(async () => {
    for (const n of nodes) await n.close(1_000);
    await shared?.close();
  });

  it('when two nodes with their own DATA_DIR start at once without JWT_SECRET, then a token from one is accepted by the other, and both hold one secret', async () => {
    const [a, b] = await Promise.all([startNode(shared.connectionString, newDataDir()), startNode(shared.connectionString, newDataDir())]);
    nodes.push(a!, b!);
    expect(a!.config.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(b!.config.jwtSecret).toBe(a!.config.jwtSecret);
    expect(b!.config.paymentWebhookSecret).toBe(a!.config.paymentWebhookSecret);
    expect(b!.config.paymentWebhookSecret).not.toBe(a!.config.jwtSecret);

    const registered = await request(createApp(a!)).post('/api/v1/auth/register').send({ email: 'two-nodes@example.com', password: 'correct horse battery', displayName: '两个节点' });
    expect(registered.status).toBe(201);
    const me = await request(createApp(b!)).get('/api/v1/me').set('Authorization', `Bearer ${registered.body.token}`);
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe('two-nodes@example.com');
    // Kept in the database, not in either DATA_DIR.
    const { rows } = await shared.pool.query<{ name: string }>('SELECT name FROM generated_secrets ORDER BY name');
    expect(rows.map((r) => r.name)).toEqual(['jwt_secret', 'payment_webhook_secret']);
  });

  it('when a node restarts with another DATA_DIR, then it finds the same secret; a node upgraded with secrets in its DATA_DIR does not replace it', async () => {
    const first = nodes[0]!.config.jwtSecret;
    const dir = newDataDir();
    writeFileSync(path.join(dir, 'secrets.json'), JSON.stringify({ jwtSecret: 'an-older-secret-from-a-data-dir-0123456789' }));
    const again = await startNode(shared.connectionString, dir);
    nodes.push(again);
    expect(again.config.jwtSecret).toBe(first);
  });

  it('when a fresh database meets a node upgraded with secrets in its DATA_DIR, then those are kept, so its sessions stay valid', async () => {
    const fresh = await createTestDatabase();
    try {
      const dir = newDataDir();
      writeFileSync(path.join(dir, 'secrets.json'), JSON.stringify({ jwtSecret: 'an-older-secret-from-a-data-dir-0123456789' }));
      const node = await startNode(fresh.connectionString, dir);
      expect(node.config.jwtSecret).toBe('an-older-secret-from-a-data-dir-0123456789');
      await node.close(1_000);
    } finally {
      await fresh.close();
    }
  });
});

describe('generated secrets on the embedded database', () => {
  it('when DATABASE_URL is unset, then the secrets are generated once into DATA_DIR and found there again', () => {
    const dir = newDataDir();
    const first = loadConfig({ DATA_DIR: dir });
    const second = loadConfig({ DATA_DIR: dir });
    expect(first.jwtSecret!.length).toBeGreaterThanOrEqual(32);
    expect(second.jwtSecret).toBe(first.jwtSecret);
    expect(second.paymentWebhookSecret).toBe(first.paymentWebhookSecret);
  });
});
