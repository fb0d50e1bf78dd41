// Several machines' worth of Wenku on loopback: two web nodes (separate processes, DATA_DIRs and
// ports) behind the shipped nginx config as a load balancer, two conversion workers, one Postgres
// reached through pgbouncer (transaction pooling), one S3 server, and Redis when it answers.
// Real Postgres only.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNginx, startWenku, type Running } from '../bench/lib/processes.js';
import type { Database } from '../src/db/pool.js';
import { S3BlobStore } from '../src/storage/s3-blob-store.js';
import { createTestDatabase } from './db.js';
import { CORPUS, SEED_DOC } from './factories.js';
import { startWorker, type WorkerProcess } from './multi-node.js';
import { paginationDocx } from '../src/conversion/pagination-fixtures.js';
import { pgbouncerAvailable, startPgbouncer, type TestPgbouncer } from './pgbouncer.js';
import { redisReachable, TEST_REDIS_URL } from './redis.js';
import { startS3Server, type TestS3Server } from './s3-server.js';

const enabled = Boolean(process.env.DATABASE_URL) && pgbouncerAvailable();
// Each node may serve an anonymous response from its own cache this long after a change. With
// Redis the nodes share invalidations (REDIS_URL), so the cache is kept long — only the
// invalidation can bring B's refusal under a second; without it the cache's expiry has to.
const withRedis = enabled && (await redisReachable());
const RESPONSE_CACHE_TTL_MS = withRedis ? 30_000 : 1_000;
const TAKEDOWN_BOUND_MS = withRedis ? 1_000 : RESPONSE_CACHE_TTL_MS + 1_000;

interface Cluster {
  db: Database;
  s3: TestS3Server;
  /** The test's own client of the deployment's bucket (to compare what the nodes serve). */
  store: S3BlobStore;
  bouncer: TestPgbouncer;
  a: Running & { dataDir: string };
  b: Running & { dataDir: string };
  nginx: Running;
  workers: WorkerProcess[];
  workerEnv: Record<string, string>;
}

let c: Cluster;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const auth = (token: string) => ({ authorization: `Bearer ${token}` });

async function json(url: string, init: RequestInit = {}) {
  const res = await fetch(url, { ...init, redirect: 'manual' });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

async function register(base: string, name: string) {
  const res = await json(`${base}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `node-${randomBytes(4).toString('hex')}@example.com`, password: 'correct horse battery', displayName: name }),
  });
  expect(res.status).toBe(201);
  return res.body.token as string;
}

async function upload(base: string, token: string, file: string | Buffer = SEED_DOC, name = 'upload.docx'): Promise<number> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(typeof file === 'string' ? readFileSync(file) : file)]), typeof file === 'string' ? path.basename(file) : name);
  const res = await json(`${base}/api/v1/documents`, { method: 'POST', headers: auth(token), body: form });
  expect(res.status).toBe(202);
  return res.body.document.id as number;
}

/** Opens the SSE stream and resolves with the statuses it carried once it ends (or after `timeoutMs`). */
function statusStream(base: string, id: number, token: string, timeoutMs: number) {
  return new Promise<Array<{ status: string; at: number }>>((resolve, reject) => {
    const seen: Array<{ status: string; at: number }> = [];
    const req = httpRequest(`${base}/api/v1/documents/${id}/events`, { headers: auth(token) }, (res) => {
      let buffered = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffered += chunk;
        let cut: number;
        while ((cut = buffered.indexOf('\n\n')) >= 0) {
          const data = /^data: (.*)$/m.exec(buffered.slice(0, cut));
          buffered = buffered.slice(cut + 2);
          if (data) seen.push({ status: (JSON.parse(data[1]!) as { status: string }).status, at: Date.now() });
        }
      });
      res.on('end', () => resolve(seen));
    });
    req.on('error', reject);
    req.end();
    setTimeout(() => {
      req.destroy();
      resolve(seen);
    }, timeoutMs).unref();
  });
}

async function objectBytes(key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of c.store.createReadStream(key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs: number, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

describe.skipIf(!enabled)('multi-node deployment', () => {
  beforeAll(async () => {
    const db = await createTestDatabase();
    const [s3, bouncer] = await Promise.all([startS3Server(), startPgbouncer(db.connectionString, { poolSize: 8 })]);
    const bucket = s3.newBucket();
    const store = new S3BlobStore({
      bucket,
      region: 'us-east-1',
      endpoint: s3.endpoint,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      forcePathStyle: true,
    });
    await store.ready({ create: true }); // production nodes check the bucket, they do not create it
    const shared = {
      ...s3.env(bucket),
      DATABASE_URL: bouncer.url(db.connectionString),
      DATABASE_POOLER: 'transaction',
      DATABASE_DIRECT_URL: db.connectionString,
      JWT_SECRET: 'multi-node-jwt-secret-that-is-long-enough-0123',
      PAYMENT_WEBHOOK_SECRET: 'multi-node-webhook-secret-0123',
      WORKER_CONCURRENCY: '1',
      ...(withRedis ? { REDIS_URL: TEST_REDIS_URL } : {}),
    };
    const web = { ...shared, RUN_WORKER: 'false', RESPONSE_CACHE_TTL: `${RESPONSE_CACHE_TTL_MS}ms` };
    const [a, b, w1, w2] = await Promise.all([
      startWenku(web),
      startWenku(web),
      startWorker(shared, db.pool),
      startWorker(shared, db.pool),
    ]);
    const nginx = await startNginx({ upstreams: [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`] });
    c = { db, s3, store, bouncer, a, b, nginx, workers: [w1, w2], workerEnv: shared };
  }, 180_000);

  afterAll(async () => {
    if (!c) return;
    await Promise.all([c.nginx.stop(), c.a.stop(), c.b.stop(), ...c.workers.map((w) => w.stop())]);
    for (const dir of [c.a.dataDir, c.b.dataDir]) rmSync(dir, { recursive: true, force: true });
    await c.bouncer.stop();
    c.store.close();
    await c.s3.stop();
    await c.db.close();
  }, 60_000);

  it('when a document is uploaded through node A, then node B streams its status, previews it and hands out its bytes from the object store; a takedown on A stops B', async () => {
    // Accounts through the load balancer: either node may answer, both accept the token.
    const token = await register(c.nginx.url, '甲');
    const id = await upload(c.a.url, token);
    const stream = statusStream(c.b.url, id, token, 120_000);
    // When the worker's commit becomes visible, seen by a tight loop on the database itself.
    const committed = waitFor(
      'the conversion to commit',
      async () => (await c.db.pool.query('SELECT status FROM documents WHERE id = $1', [id])).rows[0].status === 'ready' && Date.now(),
      120_000,
      20,
    );
    const statuses = await stream;
    expect(statuses[0]!.status).toBe('processing');
    expect(statuses.at(-1)!.status).toBe('ready');
    // A worker (another process) committed it; B's stream carried it within a second (LISTEN/NOTIFY, not a poll).
    expect(statuses.at(-1)!.at - (await committed)).toBeLessThan(1_000);

    const preview = await json(`${c.b.url}/api/v1/documents/${id}/preview`, { headers: auth(token) });
    expect(preview.status).toBe(200);
    const row = (await c.db.pool.query('SELECT blob_key, pages FROM documents WHERE id = $1', [id])).rows[0];
    expect(row.pages).toBeGreaterThan(0);

    const link = await json(`${c.b.url}/api/v1/documents/${id}/download-link`, {
      method: 'POST',
      headers: { ...auth(token), 'content-type': 'application/json' },
      body: JSON.stringify({ confirm: true }),
    });
    expect(link.status).toBe(200);
    const dl = await fetch(`${c.b.url}${new URL(link.body.url, c.b.url).pathname}`, { redirect: 'manual' });
    expect(dl.status).toBe(302);
    const location = dl.headers.get('location')!;
    expect(location.startsWith(c.s3.endpoint)).toBe(true);
    const bytes = Buffer.from(await (await fetch(location)).arrayBuffer());
    expect(sha(bytes)).toBe(sha(readFileSync(SEED_DOC)));
    // Through the load balancer too: the app's checks, then the store's URL (nginx passes the redirect on).
    const viaNginx = await fetch(`${c.nginx.url}${new URL(link.body.url, c.nginx.url).pathname}`, { redirect: 'manual' });
    expect(viaNginx.status).toBe(302);
    expect(viaNginx.headers.get('location')!.startsWith(c.s3.endpoint)).toBe(true);
    expect((await json(`${c.nginx.url}/api/v1/documents/${id}`)).status).toBe(200);
    // Node B's own DATA_DIR holds no blobs: the original lives in the bucket only.
    expect(() => readFileSync(`${c.b.dataDir}/blobs/${row.blob_key.slice(0, 2)}/${row.blob_key}`)).toThrow();

    // The page images and thumbnail a worker rendered, served by B (no disk shared with the
    // workers): the bucket's bytes. A page not rendered at conversion is rendered by B from the bucket's PDF.
    const pages = await json(`${c.b.url}/api/v1/documents/${id}/pages`, { headers: auth(token) });
    expect(pages.status).toBe(200);
    const keys = (await c.db.pool.query<{ number: number; image_key: string | null }>(
      'SELECT number, image_key FROM document_page_images WHERE document_id = $1 ORDER BY number', [id])).rows;
    const doc = (await json(`${c.b.url}/api/v1/documents/${id}`, { headers: auth(token) })).body.document;
    const served = [
      { url: pages.body.pages[0].imageUrl as string, key: keys[0]!.image_key },
      { url: doc.thumbnailUrl as string, key: (await c.db.pool.query('SELECT thumbnail_key FROM documents WHERE id = $1', [id])).rows[0].thumbnail_key },
    ];
    const lazy = keys.find((k) => !k.image_key);
    if (lazy) served.push({ url: pages.body.pages[lazy.number - 1].imageUrl as string, key: null });
    for (const { url, key } of served) {
      const res = await fetch(`${c.b.url}${url}`, { headers: auth(token) });
      expect(res.status, url).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      const bytes = Buffer.from(await res.arrayBuffer());
      const stored = key ?? (await c.db.pool.query('SELECT image_key FROM document_page_images WHERE document_id = $1 AND number = $2', [id, lazy!.number])).rows[0].image_key;
      expect(stored, url).toBeTruthy();
      expect(sha(bytes)).toBe(sha(await objectBytes(stored)));
    }
    const text = await json(`${c.b.url}${pages.body.pages[0].textUrl}`, { headers: auth(token) });
    expect(text.status).toBe(200);
    expect(text.body.lines.length).toBeGreaterThan(0);
    expect(readdirSync(c.b.dataDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name !== 'secrets.json')).toEqual([]);

    // Anonymous reads of the document on B (warming B's response cache), then the uploader deletes it on A.
    expect((await json(`${c.b.url}/api/v1/documents/${id}`)).status).toBe(200);
    expect((await json(`${c.b.url}/api/v1/documents/${id}`)).status).toBe(200);
    const deleted = await json(`${c.a.url}/api/v1/documents/${id}`, { method: 'DELETE', headers: auth(token) });
    expect(deleted.status).toBe(204);
    const since = Date.now();
    await waitFor('B to refuse the deleted document', async () => (await json(`${c.b.url}/api/v1/documents/${id}`)).status === 404, TAKEDOWN_BOUND_MS, 50);
    expect(Date.now() - since).toBeLessThanOrEqual(TAKEDOWN_BOUND_MS);
  }, 150_000);

  it('when a document is taken down, or becomes paid, then nginx stops serving its cached page, page images and text layers within a minute', async () => {
    const [author, reader, admin] = await Promise.all([register(c.nginx.url, '丙'), register(c.nginx.url, '丁'), register(c.nginx.url, '戊')]);
    const me = await json(`${c.nginx.url}/api/v1/me`, { headers: auth(admin) });
    await c.db.pool.query(`UPDATE users SET role = 'admin' WHERE id = $1`, [me.body.user.id]);
    // Two free documents of a few pages each (generated: other bytes than the other tests' files).
    const [gone, priced] = await Promise.all([
      upload(c.a.url, author, paginationDocx(101, { blocks: 5 }).docx, '下架.docx'),
      upload(c.a.url, author, paginationDocx(102, { blocks: 5 }).docx, '改价.docx'),
    ]);
    await waitFor(
      'both conversions',
      async () => (await c.db.pool.query(`SELECT count(*)::int AS n FROM documents WHERE id = ANY($1) AND status = 'ready'`, [[gone, priced]])).rows[0].n === 2,
      150_000,
      250,
    );
    const pagesOf = async (id: number) => (await json(`${c.nginx.url}/api/v1/documents/${id}/pages`)).body.pages as Array<{ imageUrl: string; textUrl: string }>;
    const [gonePages, pricedPages] = await Promise.all([pagesOf(gone), pagesOf(priced)]);
    expect(pricedPages.length).toBeGreaterThan(1);
    // What nginx holds for anonymous readers: the page, page 1's image and text of one; page 2's image and text of the other.
    const watched = [
      { url: `/doc/${gone}`, refused: 404 },
      { url: gonePages[0]!.imageUrl, refused: 404 },
      { url: gonePages[0]!.textUrl, refused: 404 },
      { url: pricedPages[1]!.imageUrl, refused: 403 },
      { url: pricedPages[1]!.textUrl, refused: 403 },
    ];
    for (const w of watched) {
      await waitFor(`nginx to cache ${w.url}`, async () => {
        const res = await fetch(`${c.nginx.url}${w.url}`);
        await res.arrayBuffer();
        return res.status === 200 && res.headers.get('x-cache') === 'HIT';
      }, 20_000, 100);
    }
    const ticket = await json(`${c.nginx.url}/api/v1/tickets`, {
      method: 'POST',
      headers: { ...auth(reader), 'content-type': 'application/json' },
      body: JSON.stringify({ category: 'mismatch', subject: '内容与标题不符', body: '正文与标题无关', documentId: gone }),
    });
    expect(ticket.status).toBe(201);
    const [takedown, repriced] = await Promise.all([
      json(`${c.a.url}/api/v1/admin/tickets/${ticket.body.ticket.id}/resolve`, {
        method: 'POST',
        headers: { ...auth(admin), 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'takedown', note: '下架' }),
      }),
      json(`${c.a.url}/api/v1/documents/${priced}`, {
        method: 'PATCH',
        headers: { ...auth(author), 'content-type': 'application/json' },
        body: JSON.stringify({ priceCents: 300, freePreviewPages: 1 }),
      }),
    ]);
    expect([takedown.status, repriced.status]).toEqual([200, 200]);
    const since = Date.now();
    // Within a minute (public pages: s-maxage 30 s, then one stale answer while nginx refreshes), and for good.
    await Promise.all(watched.map((w) => waitFor(`nginx to refuse ${w.url}`, async () => {
      const res = await fetch(`${c.nginx.url}${w.url}`);
      await res.arrayBuffer();
      return res.status === w.refused;
    }, 60_000, 500)));
    expect(Date.now() - since).toBeLessThan(60_000);
    for (const w of watched) {
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${c.nginx.url}${w.url}`);
        await res.arrayBuffer();
        expect(res.status, `${w.url} again`).toBe(w.refused);
      }
    }
  }, 300_000);

  it('when the worker converting a document is killed, then the other worker finishes it within 60 s', async () => {
    const token = await register(c.nginx.url, '乙');
    // Another file (the same bytes would be a copy of the first test's), eight pages: a conversion long enough to interrupt.
    const id = await upload(c.a.url, token, path.join(CORPUS, 'generated/zh-gov-report-8p.doc'));
    // The worker whose attempt holds the claim, as soon as it claims it.
    const owner = await waitFor(
      'a worker to claim the document',
      async () =>
        (
          await c.db.pool.query<{ pid: number }>(
            `SELECT w.pid FROM documents d JOIN worker_processes w ON w.boot_id = d.conversion_boot_id
              WHERE d.id = $1 AND d.status = 'processing' AND d.conversion_claim IS NOT NULL`,
            [id],
          )
        ).rows[0]?.pid,
      60_000,
      50,
    );
    const victim = c.workers.find((w) => w.pid === owner)!;
    expect(victim).toBeDefined();
    await victim.kill();
    const killedAt = Date.now();
    // Killed mid-conversion: the document had not been finished by it.
    expect((await c.db.pool.query('SELECT status FROM documents WHERE id = $1', [id])).rows[0].status).toBe('processing');
    const survivor = c.workers.find((w) => w !== victim)!;
    await waitFor(
      'the other worker to finish the conversion',
      async () => (await c.db.pool.query(`SELECT status FROM documents WHERE id = $1`, [id])).rows[0].status === 'ready',
      60_000,
      250,
    );
    expect(Date.now() - killedAt).toBeLessThan(60_000);
    const { rows } = await c.db.pool.query<{ pid: number }>(
      `SELECT w.pid FROM documents d LEFT JOIN worker_processes w ON w.boot_id = d.conversion_boot_id WHERE d.id = $1`,
      [id],
    );
    expect([survivor.pid, null, undefined]).toContain(rows[0]?.pid);
  }, 150_000);
});
