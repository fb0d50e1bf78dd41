// How much of a document an actor may read: nothing, its free preview pages, or everything, and
// why. The only home of that rule (issue 11). A pure function over facts the caller has read:
// the preview (documents.service.ts), the document page's "no charge" note (pages/ownership.ts),
// download links and delivery (payments/downloads.service.ts), search snippets
// (pages/listing-pages.ts, which passes the result to its query) and the page-image preview
// (documents.service.ts assertPageReadable: "may this actor see page N?", via maySeePage).
//
// Whether the document may be shown at all (404) is visibility.ts; a document visible to the
// actor always has at least its free pages unless it is not converted yet. Entitlement can be
// wider than visibility: a buyer keeps a document its uploader deleted (for download), though
// the documents API no longer shows it.
import { isLive, isTakenDown, type Viewer, type VisibilityFacts } from './visibility.js';

export type EntitlementLevel = 'none' | 'free_pages' | 'everything';

export type EntitlementReason =
  // everything
  | 'uploader'
  | 'admin'
  | 'bought'
  | 'free_document'
  // the free preview pages
  | 'free_preview'
  | 'refunded'
  // nothing
  | 'taken_down'
  | 'deleted'
  | 'processing'
  | 'failed'
  // not published: waiting for review, or rejected (REVIEW_MODE); only the uploader and admins read it
  | 'pending_review'
  | 'rejected';

/** The actor's purchase of the document: a live one, only refunded ones, or none. */
export type PurchaseState = 'paid' | 'refunded' | null;

export interface EntitlementDocument extends VisibilityFacts {
  priceCents: number;
  freePreviewPages: number;
}

export interface EntitlementFacts {
  /** Anonymous: userId null, isAdmin false. */
  actor: Viewer;
  document: EntitlementDocument;
  purchase: PurchaseState;
}

export interface Entitlement {
  level: EntitlementLevel;
  reason: EntitlementReason;
  /** How many pages from the first may be read: null for all of them, 0 for none. */
  pagesVisible: number | null;
}

const everything = (reason: EntitlementReason): Entitlement => ({ level: 'everything', reason, pagesVisible: null });
const nothing = (reason: EntitlementReason): Entitlement => ({ level: 'none', reason, pagesVisible: 0 });

/**
 * The rule, in order: taken down → nothing except for admins; the uploader and admins →
 * everything (any state); a free document that is ready and live → everything; a live purchase →
 * everything (also after the uploader deleted it, or while a retry converts it again); deleted or
 * not published (processing, failed, waiting for review, rejected) → nothing; otherwise (a paid document not bought, or refunded) → the first
 * freePreviewPages pages.
 */
export function entitlementOf({ actor, document: doc, purchase }: EntitlementFacts): Entitlement {
  if (isTakenDown(doc) && !actor.isAdmin) return nothing('taken_down');
  if (actor.userId !== null && actor.userId === doc.uploaderId) return everything('uploader');
  if (actor.isAdmin) return everything('admin');
  if (doc.priceCents === 0 && doc.status === 'ready' && isLive(doc)) return everything('free_document');
  if (purchase === 'paid') return everything('bought');
  if (doc.deletedAt !== null) return nothing('deleted');
  if (doc.status !== 'ready') return nothing(doc.status);
  return { level: 'free_pages', reason: purchase === 'refunded' ? 'refunded' : 'free_preview', pagesVisible: doc.freePreviewPages };
}

/** May the entitlement's holder see page `pageNo` (1-based)? For the page-image and text routes. */
export function maySeePage(entitlement: Entitlement, pageNo: number): boolean {
  if (!Number.isInteger(pageNo) || pageNo < 1) return false;
  return entitlement.pagesVisible === null || pageNo <= entitlement.pagesVisible;
}

/** The entitlement of someone who has not bought it and owns nothing: what any reader may see. */
export const ANONYMOUS: Viewer = { userId: null, isAdmin: false };
