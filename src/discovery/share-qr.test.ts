// The share panel's QR code (issue 16).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/app.js';
import { bearer, createDocument, registerUser } from '../../test/factories.js';
import { shareQrSvg } from './share-qr.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ PUBLIC_URL: 'https://127.0.0.1' });
});
afterAll(async () => ctx.close());

describe('share QR code', () => {
  it('when a logged-in reader opens the share panel, then its image is an SVG encoding exactly the absolute share link with their code', async () => {
    const u = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: u.user.id });
    const page = await ctx.http().get(`/doc/${doc.id}`).set(bearer(u.token));
    const src = /<img src="([^"]+share-qr\.svg[^"]*)"/u.exec(page.text)?.[1];
    expect(src).toBe(`/doc/${doc.id}/share-qr.svg?ref=${u.user.referralCode}`);
    const res = await ctx.http().get(src!);
    expect(res.status).toBe(200);
    expect(res.type).toBe('image/svg+xml');
    const svg = res.body instanceof Buffer ? res.body.toString('utf8') : res.text;
    expect(svg).toMatch(/^<svg[^>]*viewBox/u);
    expect(svg).not.toMatch(/<script|style=|on\w+=/iu);
    // qrcode is deterministic: the same link gives the same picture, another link a different one.
    expect(svg).toBe(await shareQrSvg(`https://127.0.0.1/doc/${doc.id}?ref=${u.user.referralCode}`));
    expect(svg).not.toBe(await shareQrSvg(`https://127.0.0.1/doc/${doc.id}`));
  });

  it('when the ref is not a referral code, then it is left out of the encoded link; an unlisted document is 404', async () => {
    const u = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: u.user.id });
    const res = await ctx.http().get(`/doc/${doc.id}/share-qr.svg?ref=${encodeURIComponent('x"><script>')}`);
    const svg = res.body instanceof Buffer ? res.body.toString('utf8') : res.text;
    expect(svg).toBe(await shareQrSvg(`https://127.0.0.1/doc/${doc.id}`));
    const hidden = await createDocument(ctx, { uploaderId: u.user.id, status: 'processing' });
    expect((await ctx.http().get(`/doc/${hidden.id}/share-qr.svg`)).status).toBe(404);
  });
});
