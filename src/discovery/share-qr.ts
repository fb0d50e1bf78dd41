// The share panel's QR code (issue 16): the share link as an SVG drawn server-side with `qrcode`,
// for readers who pass documents on in WeChat. GET /doc/:id/share-qr.svg?ref=CODE. The link is
// absolute (PUBLIC_URL, else http://localhost:PORT; never the Host header) and carries only a
// well-formed referral code, so the image cannot be made to encode anything but our own link.
import { Router } from 'express';
import QRCode from 'qrcode';
import type { AppDeps } from '../deps.js';
import { parseId } from '../http/validate.js';
import { findDocumentVisibleTo } from '../documents/documents.repo.js';
import { ANONYMOUS } from '../documents/entitlement.js';
import { notFound } from '../errors.js';
import { absoluteBase } from './discovery.routes.js';

const REFERRAL_CODE = /^[A-Za-z0-9_-]{1,64}$/u;

/** The share link the QR code encodes. */
export function shareLink(deps: Pick<AppDeps, 'config'>, id: number, ref: string | null): string {
  return `${absoluteBase(deps)}/doc/${id}${ref ? `?ref=${encodeURIComponent(ref)}` : ''}`;
}

export async function shareQrSvg(link: string): Promise<string> {
  return QRCode.toString(link, { type: 'svg', errorCorrectionLevel: 'M', margin: 2, width: 160 });
}

export function shareQrRouter(deps: AppDeps): Router {
  const router = Router();
  router.get('/doc/:id/share-qr.svg', async (req, res) => {
    const id = parseId(req.params.id);
    if (!(await findDocumentVisibleTo(deps.db.pool, ANONYMOUS, id))) throw notFound('文档');
    const ref = typeof req.query.ref === 'string' && REFERRAL_CODE.test(req.query.ref) ? req.query.ref : null;
    res.type('image/svg+xml').set('Cache-Control', 'public, max-age=86400');
    res.send(await shareQrSvg(shareLink(deps, id, ref)));
  });
  return router;
}
