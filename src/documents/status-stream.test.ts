// Issue 14 item 5: one client cannot hold an unbounded number of status streams open.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { insertDocument } from './documents.repo.js';
import { MAX_STREAMS_PER_CLIENT } from './status-stream.js';

let ctx: TestContext;
let server: http.Server;
let base: string;
beforeAll(async () => {
  ctx = await createTestContext();
  server = http.createServer(ctx.app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await ctx.close();
});

/** Opens the event stream and resolves with the status once headers arrive; the stream stays open. */
function openStream(path: string, token: string): Promise<{ status: number; close: () => void; body: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}${path}`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      const body = new Promise<string>((done) => {
        res.on('data', (c: string) => (text += c));
        res.on('end', () => done(text));
        res.on('close', () => done(text));
      });
      resolve({ status: res.statusCode ?? 0, close: () => req.destroy(), body });
    });
    req.on('error', reject);
  });
}

describe('status streams per client', () => {
  it(`when one account opens more than ${MAX_STREAMS_PER_CLIENT} streams at once, then the next gets 429 until one closes; others are not affected`, async () => {
    const alice = await registerUser(ctx);
    const bob = await registerUser(ctx);
    const mk = (uploaderId: number, n: number) =>
      insertDocument(ctx.deps.db.pool, {
        uploaderId, title: `转换中 ${n}`, titleSource: 'uploader', description: '', category: '其他', priceCents: 0,
        freePreviewPages: 3, keywords: [], userKeywords: [], format: 'DOC', sizeBytes: 1, sha256: `${n}`.padStart(64, 'e'),
        blobKey: `sse-${n}`, originalFilename: 'x.doc',
      });
    const doc = { id: await mk(alice.user.id, 1) };
    const bobDoc = { id: await mk(bob.user.id, 2) };
    const open = [];
    for (let i = 0; i < MAX_STREAMS_PER_CLIENT; i++) open.push(await openStream(`/api/v1/documents/${doc.id}/events`, alice.token));
    expect(open.map((s) => s.status)).toEqual(Array(MAX_STREAMS_PER_CLIENT).fill(200));
    const refused = await openStream(`/api/v1/documents/${doc.id}/events`, alice.token);
    expect(refused.status).toBe(429);
    expect(JSON.parse(await refused.body).error.code).toBe('rate_limited');
    // Another account is not held back by alice's streams.
    const other = await openStream(`/api/v1/documents/${bobDoc.id}/events`, bob.token);
    expect(other.status).toBe(200);
    other.close();
    // Closing one frees its slot.
    open.pop()!.close();
    await new Promise((r) => setTimeout(r, 100));
    const again = await openStream(`/api/v1/documents/${doc.id}/events`, alice.token);
    expect(again.status).toBe(200);
    again.close();
    for (const s of open) s.close();
    // A 404 never takes a slot for good: after all closed, alice can open streams again.
    await new Promise((r) => setTimeout(r, 100));
    for (let i = 0; i < MAX_STREAMS_PER_CLIENT + 2; i++) expect((await openStream('/api/v1/documents/987654/events', alice.token)).status).toBe(404);
    const last = await openStream(`/api/v1/documents/${doc.id}/events`, alice.token);
    expect(last.status).toBe(200);
    last.close();
  });
});
