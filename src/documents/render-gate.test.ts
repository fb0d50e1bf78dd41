// On-demand page renders are capped (issue 27 item 10): a few at once per process, a couple per
// client (429 with Retry-After past that). Unit: the gate itself; HTTP: the seed's unrendered
// pages asked for all at once by one address and by many.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { findSoffice, sandboxProblem } from '../conversion/libreoffice.js';
import type { Converter } from '../conversion/index.js';
import type { ConversionWorker } from './conversion.worker.js';
import { onDemandRenders } from './page-preview.service.js';
import { RENDER_RETRY_AFTER_SECONDS, RENDER_SLOTS, RENDERS_PER_CLIENT, RenderGate } from './render-gate.js';
import { SEED_DOC, startTestWorker, testConverter, upload, waitForConversion } from './test-support.js';

describe('RenderGate', () => {
  it('when more renders are asked than there are slots, then the rest wait their turn and a client past its share is refused', async () => {
    const gate = new RenderGate(2, 2);
    let now = 0;
    let peak = 0;
    const release: Array<() => void> = [];
    const work = () => new Promise<void>((resolve) => {
      peak = Math.max(peak, ++now);
      release.push(() => {
        now--;
        resolve();
      });
    });
    const runs = ['a', 'a', 'b', 'c', 'd'].map((c) => gate.run(c, work));
    await expect(gate.run('a', work)).rejects.toMatchObject({ code: 'rate_limited', details: { retryAfterSeconds: RENDER_RETRY_AFTER_SECONDS } });
    while (release.length || now) {
      await new Promise((r) => setImmediate(r));
      release.shift()?.();
    }
    await Promise.all(runs);
    expect(peak).toBe(2);
    expect(gate.peakRunning).toBe(2);
    // Its renders done, the client may ask again.
    await expect(gate.run('a', async () => 'again')).resolves.toBe('again');
  });
});

const usable = findSoffice(undefined) !== null && sandboxProblem() === null;

describe.skipIf(!usable)('page images rendered on demand', () => {
  let ctx: TestContext;
  let converter: Converter;
  let worker: ConversionWorker;
  let id: number;
  beforeAll(async () => {
    ctx = await createTestContext();
    converter = testConverter(ctx);
    worker = await startTestWorker(ctx, converter);
    const author = await registerUser(ctx);
    const res = await upload(ctx, author.token, SEED_DOC);
    id = res.body.document.id as number;
    expect((await waitForConversion(ctx, id, 180_000)).status).toBe('ready');
  }, 240_000);
  afterAll(async () => {
    await worker?.stop();
    await converter?.close();
    await ctx?.close();
  });

  it('when one address asks for every unrendered page at once, then it gets a couple rendered and 429 with Retry-After for the rest; other addresses wait their turn, never more renders at once than the slots', async () => {
    const { rows } = await ctx.deps.db.pool.query<{ number: number }>('SELECT number FROM document_page_images WHERE document_id = $1 AND image_key IS NULL ORDER BY number', [id]);
    expect(rows.length).toBeGreaterThan(RENDERS_PER_CLIENT);
    const ask = (n: number, ip: string) => ctx.http().get(`/api/v1/documents/${id}/pages/${n}/image`).set('x-forwarded-for', ip);
    const one = await Promise.all(rows.map((r) => ask(r.number, '203.0.113.9')));
    const refused = one.filter((r) => r.status === 429);
    // At least its share renders; the rest are refused (one that arrives after a render of its own ended may render too).
    expect(one.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(RENDERS_PER_CLIENT);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.length + one.filter((r) => r.status === 200).length).toBe(rows.length);
    for (const r of refused) expect(r.headers['retry-after']).toBe(String(RENDER_RETRY_AFTER_SECONDS));
    // The pages left, each from its own address: all rendered, a slot at a time.
    const left = (await ctx.deps.db.pool.query<{ number: number }>('SELECT number FROM document_page_images WHERE document_id = $1 AND image_key IS NULL', [id])).rows;
    expect(left.length).toBe(refused.length);
    const many = await Promise.all(left.map((r, i) => ask(r.number, `198.51.100.${i + 1}`)));
    expect(many.map((r) => r.status)).toEqual(left.map(() => 200));
    expect(onDemandRenders.peakRunning).toBeLessThanOrEqual(RENDER_SLOTS);
  }, 180_000);
});
