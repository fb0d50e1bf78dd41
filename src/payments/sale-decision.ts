// The one sale decision: what an actor must do to have a document's file. Purchases, coupons,
// members' downloads (download links) and the document page's buttons and dialog all call it,
// so the dialog says what the server will do. Built on entitlementOf (documents/entitlement.ts:
// who may read everything), plus what only selling knows: the buyer's live purchase and a
// member's quota.
import { entitlementOf, type EntitlementDocument } from '../documents/entitlement.js';
import type { Viewer } from '../documents/visibility.js';
import { conflict, notFound } from '../errors.js';

export type SaleDecision =
  /** Nothing to sell or deliver to this actor: taken down, deleted, not published (404). */
  | { kind: 'not_found' }
  /** Theirs to download without paying: the uploader, or an admin. Nothing to buy. */
  | { kind: 'own'; reason: 'uploader' | 'admin' }
  /** A live purchase: download again without a charge. */
  | { kind: 'bought'; purchaseId: number }
  /** A free document: download directly. */
  | { kind: 'free' }
  /** A member within the day's quota: the membership pays, the wallet does not move. */
  | { kind: 'member_quota'; downloadsLeftToday: number }
  /** The price, from the wallet or a coupon; `memberQuotaUsedUp` when a member has none left today. */
  | { kind: 'must_pay'; priceCents: number; memberQuotaUsedUp: boolean };

export interface SaleFacts {
  /** The actor's live (not refunded) purchase of the document. */
  purchaseId: number | null;
  /** The actor's membership now (null: not a member, or not read because it cannot matter). */
  member: { downloadsLeftToday: number } | null;
}

/** The decision, in order: entitlementOf's answer, then for a paid document not bought, the member's quota. */
export function saleDecision(actor: Viewer, doc: EntitlementDocument, facts: SaleFacts): SaleDecision {
  const { reason } = entitlementOf({ actor, document: doc, purchase: facts.purchaseId !== null ? 'paid' : null });
  switch (reason) {
    case 'uploader':
    case 'admin':
      return { kind: 'own', reason };
    case 'bought':
      return { kind: 'bought', purchaseId: facts.purchaseId! };
    case 'free_document':
      return { kind: 'free' };
    case 'free_preview':
    case 'refunded':
      if (facts.member && facts.member.downloadsLeftToday > 0) return { kind: 'member_quota', downloadsLeftToday: facts.member.downloadsLeftToday };
      return { kind: 'must_pay', priceCents: doc.priceCents, memberQuotaUsedUp: facts.member !== null };
    default:
      return { kind: 'not_found' };
  }
}

/** Does the decision depend on a membership? Only a paid document the actor must otherwise pay for. */
export const memberQuotaMatters = (d: SaleDecision): boolean => d.kind === 'must_pay';

/**
 * What a purchase (wallet or coupon) does with the decision: 'buy', or the live purchase to
 * answer 200 with; refusals as the contract says (404; 409 own_document / free_document; an admin
 * downloads without buying: 409 no_purchase_needed). A member may still buy with the wallet.
 */
export function purchaseStep(d: SaleDecision): 'buy' | { bought: number } {
  switch (d.kind) {
    case 'must_pay':
    case 'member_quota':
      return 'buy';
    case 'bought':
      return { bought: d.purchaseId };
    case 'free':
      throw conflict('免费文档无需购买，可直接下载 (free documents need no purchase)', { reason: 'free_document' });
    case 'own':
      if (d.reason === 'uploader') throw conflict('不能购买自己上传的文档 (this is your own document)', { reason: 'own_document' });
      throw conflict('管理员可直接下载，无需购买 (admins download without buying)', { reason: 'no_purchase_needed' });
    case 'not_found':
      throw notFound('文档');
  }
}
