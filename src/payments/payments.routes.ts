// Wallet, top-ups, webhook, admin credits, purchases, download links, my purchases and earnings.
import { Router } from 'express';
import type { AppDeps } from '../deps.js';
import { requireActor, requireAdmin } from '../auth/actor.js';
import { parseId, parseInput } from '../http/validate.js';
import { issueDownloadLink } from './downloads.service.js';
import { getEarnings, listMyPurchases } from './earnings.service.js';
import { AdminCreditBody, DownloadLinkBody, PurchaseBody, TopupBody, WalletQuery } from './payments.schemas.js';
import { purchaseDocument } from './purchases.service.js';
import { referrerFromCookie } from './referrals.js';
import { handleAlipayNotice, handleWechatNotice } from './provider-notices.service.js';
import { cancelTopupOrder, createTopupOrder, getOwnTopupOrder, handlePaymentWebhook } from './topups.service.js';
import { vipApiRouter } from './vip.routes.js';
import { creditWalletByAdmin, getWallet } from './wallet.service.js';

export function paymentsApiRouter(deps: AppDeps): Router {
  const router = Router();

  router.get('/wallet', async (req, res) => {
    const actor = requireActor(req);
    res.json(await getWallet(deps, actor.userId, parseInput(WalletQuery, req.query)));
  });

  router.post('/wallet/topups', async (req, res) => {
    const actor = requireActor(req);
    const { amountCents, method, returnPath, device } = parseInput(TopupBody, req.body);
    const order = await createTopupOrder(deps, actor.userId, { amountCents, method, returnPath: returnPath ?? null, device, payerIp: req.ip });
    res.status(201).json({ order });
  });

  router.post('/wallet/topups/:id/cancel', async (req, res) => {
    res.json(await cancelTopupOrder(deps, requireActor(req).userId, parseId(req.params.id)));
  });

  router.get('/wallet/topups/:id', async (req, res) => {
    res.json({ order: await getOwnTopupOrder(deps, requireActor(req).userId, parseId(req.params.id)) });
  });

  // The providers' notifications: authenticated by their signatures, not by a session.
  router.post('/payments/alipay/notify', async (req, res) => {
    const answer = await handleAlipayNotice(deps, (req.body ?? {}) as Record<string, unknown>);
    res.status(answer.status).type('text/plain').send(answer.text);
  });

  router.post('/payments/wechat/notify', async (req, res) => {
    const answer = await handleWechatNotice(deps, (name) => req.get(name), req.rawBody);
    res.status(answer.status).json(answer.body);
  });

  // Authenticated by the HMAC signature over the raw body, not by a session (CSRF-exempt).
  router.post('/payments/webhook', async (req, res) => {
    const { order } = await handlePaymentWebhook(deps, req.rawBody, req.get('x-signature'));
    res.json({ order });
  });

  router.post('/admin/wallets/:userId/credits', async (req, res) => {
    const admin = requireAdmin(req);
    const body = parseInput(AdminCreditBody, req.body);
    const { balanceCents } = await creditWalletByAdmin(deps, admin, { userId: parseId(req.params.userId), ...body });
    res.status(201).json({ wallet: { balanceCents } });
  });

  router.post('/documents/:id/purchase', async (req, res) => {
    const actor = requireActor(req);
    const documentId = parseId(req.params.id);
    const body = parseInput(PurchaseBody, req.body);
    const result = await purchaseDocument(deps, actor, {
      documentId,
      confirm: body.confirm,
      referralCode: body.referralCode,
      expectedPriceCents: body.expectedPriceCents,
      idempotencyKey: req.get('idempotency-key'),
      cookieReferrerId: referrerFromCookie(deps, req, documentId),
    });
    res.status(result.status).json(result.body);
  });

  router.post('/documents/:id/download-link', deps.rateLimits.downloadLink, async (req, res) => {
    const actor = requireActor(req);
    const body = parseInput(DownloadLinkBody, req.body);
    res.json(await issueDownloadLink(deps, actor, parseId(req.params.id), body.confirm));
  });

  router.get('/me/purchases', async (req, res) => {
    res.json(await listMyPurchases(deps, requireActor(req).userId));
  });

  router.get('/me/earnings', async (req, res) => {
    res.json(await getEarnings(deps, requireActor(req).userId));
  });

  router.use(vipApiRouter(deps));

  return router;
}
