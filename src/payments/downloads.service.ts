// Who may download what: issuing signed links, re-checking them on every request, and
// recording completed downloads.
import type { Actor, AppDeps } from '../deps.js';
import { withTransaction } from '../db/transaction.js';
import { AppError, forbidden, notFound } from '../errors.js';
import { findUserById } from '../auth/users.repo.js';
import { ANONYMOUS, entitlementOf } from '../documents/entitlement.js';
import type { Viewer } from '../documents/visibility.js';
import { signDownloadToken, verifyDownloadToken, type DownloadClaims } from './download-tokens.js';
import { upsertDownloadEvent } from './downloads.repo.js';
import { confirmationRequired, viewerOf } from './purchases.service.js';
import { memberQuotaMatters, saleDecision, type SaleDecision } from './sale-decision.js';
import { findPaidPurchase, findPurchaseById, type PurchaseRow } from './purchases.repo.js';
import { downloadAsMember, memberQuotaOf } from './vip.service.js';
import { countDocumentDownloader, findSaleDocument, type SaleDocumentRow } from './sale-documents.repo.js';

type Deps = Pick<AppDeps, 'config' | 'db' | 'clock'>;

export interface DownloadLinkView {
  url: string;
  expiresAt: string;
  notices: string[];
}

/**
 * May `user` have the whole file? entitlementOf (documents/entitlement.ts) decides: everything →
 * allowed; the free pages only (a paid document not bought) → 402; nothing (taken down, deleted,
 * not converted: what the documents API answers 404 for) → 404.
 */
function checkAccess(doc: SaleDocumentRow | null, user: Viewer, purchase: PurchaseRow | null): SaleDocumentRow {
  if (!doc) throw notFound('文档');
  const { level } = entitlementOf({ actor: user, document: doc, purchase: purchase ? 'paid' : null });
  if (level === 'everything') return doc;
  if (level === 'none') throw notFound('文档');
  throw new AppError('insufficient_funds', '购买后才能下载该文档 (buy the document first)', { priceCents: doc.priceCents });
}

/**
 * The sale decision (sale-decision.ts) for the actor and document, reading what it needs: their
 * live purchase, and their membership only when it can matter. Anonymous readers: no reads.
 */
export async function decideSale(deps: Deps, actor: Actor | null, doc: SaleDocumentRow): Promise<{ decision: SaleDecision; purchase: PurchaseRow | null }> {
  if (!actor) return { decision: saleDecision(ANONYMOUS, doc, { purchaseId: null, member: null }), purchase: null };
  const purchase = await findPaidPurchase(deps.db.pool, actor.userId, doc.id);
  const facts = { purchaseId: purchase?.id ?? null, member: null };
  const decision = saleDecision(viewerOf(actor), doc, facts);
  if (!memberQuotaMatters(decision)) return { decision, purchase };
  const member = await memberQuotaOf(deps, deps.db.pool, actor.userId, deps.clock.now());
  return { decision: member ? saleDecision(viewerOf(actor), doc, { ...facts, member }) : decision, purchase };
}

/** The sale decision for the document page (its buttons and dialog say what the server will do); null for no such document. */
export async function saleDecisionFor(deps: Deps, actor: Actor | null, documentId: number): Promise<SaleDecision | null> {
  const doc = await findSaleDocument(deps.db.pool, documentId);
  return doc ? (await decideSale(deps, actor, doc)).decision : null;
}

/**
 * A signed link for the actor, bound to the document and their live purchase (if any). The sale
 * decision says whether they may have it: a member within the day's quota gets a purchase paid by
 * the membership first; who must pay → 402; nothing to deliver → 404.
 */
export async function issueDownloadLink(deps: Deps, actor: Actor, documentId: number, confirm: unknown): Promise<DownloadLinkView> {
  if (confirm !== true) throw confirmationRequired('下载');
  const doc = await findSaleDocument(deps.db.pool, documentId);
  if (!doc) throw notFound('文档');
  const { decision, purchase: bought } = await decideSale(deps, actor, doc);
  let purchase = bought;
  if (decision.kind === 'member_quota') purchase = await downloadAsMember(deps, actor, doc);
  if (decision.kind === 'not_found') throw notFound('文档');
  if (decision.kind === 'must_pay' || (decision.kind === 'member_quota' && !purchase)) {
    throw new AppError('insufficient_funds', '购买后才能下载该文档 (buy the document first)', { priceCents: doc.priceCents });
  }
  const { token, expiresAt } = signDownloadToken(
    deps.config.jwtSecret,
    { userId: actor.userId, documentId, purchaseId: purchase?.id ?? null },
    deps.config.downloadLinkTtlMs,
    deps.clock.now().getTime(),
  );
  return { url: `${deps.config.publicUrl?.replace(/\/$/, '') ?? ''}/dl/${token}`, expiresAt: expiresAt.toISOString(), notices: deps.config.site.notices };
}

/**
 * Re-checks a link on every request: signature and audience (403), expiry (410), the purchase
 * still live (refunded → 403), the document not taken down (404), the holder still entitled.
 */
export async function authorizeDelivery(deps: Deps, token: string): Promise<{ claims: DownloadClaims; doc: SaleDocumentRow }> {
  const claims = verifyDownloadToken(deps.config.jwtSecret, token, deps.clock.now().getTime());
  const [user, doc, purchase] = await Promise.all([
    findUserById(deps.db.pool, claims.userId),
    findSaleDocument(deps.db.pool, claims.documentId),
    claims.purchaseId === null ? null : findPurchaseById(deps.db.pool, claims.purchaseId),
  ]);
  if (!user) throw forbidden('下载链接无效 (invalid download link)');
  if (claims.purchaseId !== null) {
    if (!purchase || purchase.buyerId !== claims.userId || purchase.documentId !== claims.documentId) {
      throw forbidden('下载链接无效 (invalid download link)');
    }
    if (purchase.status !== 'paid') throw forbidden('该购买已退款，下载链接已失效 (the purchase was refunded)');
  }
  try {
    return { claims, doc: checkAccess(doc, { userId: user.id, isAdmin: user.role === 'admin' }, purchase) };
  } catch (err) {
    // A link is not a place to offer a purchase: lost entitlement is simply forbidden.
    if (err instanceof AppError && err.status === 402) throw forbidden('无权下载该文档 (not entitled to this document)');
    throw err;
  }
}

/**
 * Records one response sent through a link: bytes add up per link; a completed download marks
 * the link completed and counts the user once in documents.downloads. One transaction.
 * `handedOff`: the front end (X-Accel-Redirect) sends the bytes; "completed" then means the whole
 * file was handed to it, not that the client received every byte.
 */
export async function recordDownload(
  deps: Deps,
  claims: DownloadClaims,
  sent: { bytes: number; completed: boolean; handedOff: boolean },
): Promise<void> {
  await withTransaction(deps.db.pool, async (tx) => {
    await upsertDownloadEvent(tx, {
      linkId: claims.linkId,
      purchaseId: claims.purchaseId,
      userId: claims.userId,
      documentId: claims.documentId,
      bytesSent: sent.bytes,
      completed: sent.completed,
      handedOff: sent.handedOff,
    });
    if (sent.completed) await countDocumentDownloader(tx, claims.documentId, claims.userId);
  });
}
