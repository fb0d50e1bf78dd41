// Many nodes (issue 17): two apps built like two web nodes (each its own buildDeps: its own
// response cache, rate limiters and Redis connections) over one database and one Redis.
import { randomInt } from 'node:crypto';
import net from 'node:net';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.js';
import { buildDeps, type BuiltDeps } from '../build-deps.js';
import { createTestContext, testConfig, type TestContext } from '../../test/app.js';
import { bearer, count, createDocument } from '../../test/factories.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const reachable = await new Promise<boolean>((resolve) => {
  const { hostname, port } = new URL(REDIS_URL);
  const socket = net.connect({ host: hostname, port: Number(port || 6379) });
  socket.setTimeout(1_000);
  socket.once('connect', () => (socket.destroy(), resolve(true)));
  socket.once('error', () => resolve(false));
  socket.once('timeout', () => (socket.destroy(), resolve(false)));
});

/** A second node over the first one's database (closing it leaves the database to the first). */
async function secondNode(a: TestContext, env: Record<string, string>): Promise<{ deps: BuiltDeps; app: ReturnType<typeof createApp> }> {
  const config = testConfig(a.deps.config.dataDir, env);
  const deps = await buildDeps(config, pino({ level: 'silent' }), { db: { ...a.deps.db, close: async () => undefined } });
  return { deps, app: createApp(deps) };
}

/** A client address of our own, so leftover counts in the shared Redis never meet this run. */
const randomIp = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

const register = (app: ReturnType<typeof createApp>, ip: string, n: number, name = '节点用户') =>
  request(app)
    .post('/api/v1/auth/register')
    .set('X-Forwarded-For', ip)
    .send({ email: `rl${n}-${Date.now()}-${randomInt(1e9)}@example.com`, password: 'correct horse battery', displayName: `${name}${n}` });

/** A user registered from an address of our own (shared Redis counts survive runs); `admin` made so directly. */
async function user(app: ReturnType<typeof createApp>, ctx: TestContext, admin = false): Promise<{ token: string; id: number }> {
  const res = await register(app, randomIp(), randomInt(1e9), admin ? '管理员' : '作者');
  if (res.status !== 201) throw new Error(`register: ${res.status} ${JSON.stringify(res.body)}`);
  const id = res.body.user.id as number;
  if (admin) await ctx.deps.db.pool.query(`UPDATE users SET role = 'admin', email_verified_at = now() WHERE id = $1`, [id]);
  return { token: res.body.token as string, id };
}

describe.skipIf(!reachable)('two nodes sharing Postgres and Redis', () => {
  const env = { REDIS_URL, RESPONSE_CACHE_TTL: '60s', ADMIN_EMAILS: 'desk@example.com', RATE_LIMIT_SCALE: '1' };
  let a: TestContext;
  let b: { deps: BuiltDeps; app: ReturnType<typeof createApp> };
  let admin: { token: string; id: number };
  let author: { token: string; id: number };

  beforeAll(async () => {
    a = await createTestContext(env);
    b = await secondNode(a, env);
    admin = await user(a.app, a, true);
    author = await user(a.app, a);
  }, 180_000);
  afterAll(async () => {
    await b?.deps.close(1_000);
    await a?.close();
  });

  it('when a document is taken down through node A, then node B stops serving its cached page within one second', async () => {
    const doc = await createDocument(a, { uploaderId: author.id, title: '乡村振兴工作会议讲话', priceCents: 200 });
    // Both nodes cache the anonymous page (a 60 s TTL: only an invalidation can drop it in time).
    for (const app of [a.app, b.app]) {
      expect((await request(app).get(`/doc/${doc.id}`)).status).toBe(200);
      const again = await request(app).get(`/doc/${doc.id}`);
      expect(again.status).toBe(200);
      expect(again.headers['x-cache']).toBe('HIT');
    }

    const ticket = await request(a.app).post('/api/v1/tickets').send({
      category: 'copyright', evidence: '著作权登记号 2024-L-00001', subject: '侵权', body: '未经授权转载', documentId: doc.id, contact: 'rights@example.org',
      workTitle: '讲话', rightHolder: '某权利人', proof: '登记证书',
    });
    expect(ticket.status).toBe(201);
    const resolved = await request(a.app).post(`/api/v1/admin/tickets/${ticket.body.ticket.id}/resolve`).set(bearer(admin.token)).send({ action: 'takedown', note: '证据充分' });
    expect(resolved.status).toBe(200);
    const started = Date.now();
    expect(await count(a, 'documents WHERE id = $1 AND taken_down_at IS NOT NULL', [doc.id])).toBe(1);

    let status = 200;
    while (Date.now() - started < 1_000) {
      status = (await request(b.app).get(`/doc/${doc.id}`)).status;
      if (status === 404) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(status).toBe(404);
    expect((await request(a.app).get(`/doc/${doc.id}`)).status).toBe(404);
    expect((await request(b.app).get(`/api/v1/documents/${doc.id}`)).status).toBe(404);
  });

  it('when a reader registers through both nodes, then one limit counts them together (5 an hour per address)', async () => {
    const ip = randomIp();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await register(i % 2 ? b.app : a.app, ip, i)).status);
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429]);
    expect(await count(a, "users WHERE display_name LIKE '节点用户%'")).toBe(5);
  });
});

describe('when Redis is unreachable', () => {
  const env = { REDIS_URL: 'redis://127.0.0.1:1', RATE_LIMIT_SCALE: '1', RESPONSE_CACHE_TTL: '60s', ADMIN_EMAILS: 'desk@example.com' };
  let a: TestContext;
  beforeAll(async () => {
    a = await createTestContext(env);
  }, 180_000);
  afterAll(async () => a?.close());

  it('then rate limits fail open (requests go through, never a 500) and a takedown still drops this node’s cached page', async () => {
    const ip = randomIp();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await register(a.app, ip, 100 + i)).status);
    expect(statuses).toEqual([201, 201, 201, 201, 201, 201]);
    expect(await count(a, "users WHERE display_name LIKE '节点用户%'")).toBe(6);

    const admin = await user(a.app, a, true);
    const doc = await createDocument(a, { uploaderId: admin.id });
    await request(a.app).get(`/doc/${doc.id}`);
    expect((await request(a.app).get(`/doc/${doc.id}`)).headers['x-cache']).toBe('HIT');
    const ticket = await request(a.app).post('/api/v1/tickets').send({
      category: 'copyright', evidence: '著作权登记号 2024-L-00001', subject: '侵权', body: '未经授权转载', documentId: doc.id, contact: 'rights@example.org',
      workTitle: '讲话', rightHolder: '某权利人', proof: '登记证书',
    });
    expect(ticket.status).toBe(201);
    const resolved = await request(a.app).post(`/api/v1/admin/tickets/${ticket.body.ticket.id}/resolve`).set(bearer(admin.token)).send({ action: 'takedown', note: '' });
    expect(resolved.status).toBe(200);
    expect((await request(a.app).get(`/doc/${doc.id}`)).status).toBe(404);
  });
});
