// Review before publish (issue 15): which converted documents wait for a moderator (REVIEW_MODE),
// and what a rejection says to the uploader. The only home of both rules.
import type { Config } from '../config.js';
import type { Queryable } from '../db/pool.js';
import { findCopyCheckFacts, findUploaderTrust } from './reviews.repo.js';
import { findNearCopies, listSameFileCopies, type NearCopyRow } from '../documents/near-copies.repo.js';
import { NEAR_COPY_MAX_DISTANCE } from '../text/simhash.js';

export type ReviewMode = Config['reviewMode'];

/** new_uploaders: a user's documents are reviewed until this many of them have been published. */
export const PUBLISHED_BEFORE_TRUSTED = 3;

/** The contract's reasons for a rejection. */
export const REJECT_REASONS = ['copyright', 'low_quality', 'duplicate', 'illegal', 'advertising', 'mismatch', 'other'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** Each reason as the uploader reads it. */
export const REJECT_REASON_WORDS: Record<RejectReason, string> = {
  copyright: '涉嫌侵犯他人著作权',
  low_quality: '文档质量不合格（内容空白、残缺或无法阅读）',
  duplicate: '与本站已有文档重复',
  illegal: '含有违法违规内容',
  advertising: '含有广告或推广信息',
  mismatch: '标题、分类或简介与内容不符',
  other: '不符合本站上传规范',
};

export interface UploaderTrust {
  isAdmin: boolean;
  /** The uploader's other documents that are published now (ready and not taken down). */
  publishedCount: number;
  /** This document was rejected before (a new conversion of it, e.g. a new version, is looked at again). */
  rejectedBefore: boolean;
}

/**
 * off: never; all: every document; new_uploaders: until PUBLISHED_BEFORE_TRUSTED of the uploader's
 * documents are published (taken-down ones do not count), and always a document rejected before.
 * Admins' own uploads are never held: the moderator would only be approving themselves.
 */
export function needsReview(mode: ReviewMode, uploader: UploaderTrust): boolean {
  if (mode === 'off' || uploader.isAdmin) return false;
  if (mode === 'all' || uploader.rejectedBefore) return true;
  return uploader.publishedCount < PUBLISHED_BEFORE_TRUSTED;
}

/**
 * What a converted document's copies say, whatever REVIEW_MODE says (contract, upload; issue 27
 * item 7), from the same bytes and from text within NEAR_COPY_MAX_DISTANCE SimHash bits:
 * - refuse: it copies a taken-down work (refused as the blocked file itself is);
 * - hold 'rejected_copy': it copies a document a moderator rejected, whoever uploads it;
 * - hold 'near_copy': it copies another user's live original (ready or waiting for review, not
 *   itself held as a copy);
 * - none. An admin's own upload is refused like anyone's but never held.
 */
export type CopyVerdict =
  | { kind: 'refuse'; original: NearCopyRow }
  | { kind: 'hold'; reason: 'near_copy' | 'rejected_copy'; original: NearCopyRow }
  | { kind: 'none' };

export async function copyVerdict(db: Queryable, documentId: number, simhash: bigint | null): Promise<CopyVerdict> {
  const facts = await findCopyCheckFacts(db, documentId);
  if (!facts) return { kind: 'none' };
  const [sameFile, nearText] = await Promise.all([
    listSameFileCopies(db, facts.sha256, documentId, 50),
    simhash === null ? Promise.resolve([]) : findNearCopies(db, { simhash, sha256: facts.sha256, exceptId: documentId, maxDistance: NEAR_COPY_MAX_DISTANCE, limit: 50 }),
  ]);
  const copies = [...sameFile, ...nearText];
  const takenDown = copies.find((c) => c.takenDown);
  if (takenDown) return { kind: 'refuse', original: takenDown };
  if (facts.isAdmin) return { kind: 'none' };
  const rejected = copies.find((c) => c.status === 'rejected');
  if (rejected) return { kind: 'hold', reason: 'rejected_copy', original: rejected };
  // Another user's live original; a copy that is itself held names no original of its own.
  const others = copies.find((c) => c.uploaderId !== facts.uploaderId && !c.deleted && !c.heldAsCopy && (c.status === 'ready' || c.status === 'pending_review'));
  if (others) return { kind: 'hold', reason: 'near_copy', original: others };
  return { kind: 'none' };
}

/** Why a near copy of a taken-down work is refused, as its uploader reads it. */
export const refusedCopyText = (original: { id: number }) =>
  `该文档与已因侵权投诉下架的作品（文档 ${original.id}）内容几乎相同，不能上传 (a near copy of a work that was taken down)`;

/** The status a finished conversion gives the document, on the transaction that saves it: a held copy waits whatever the mode. */
export async function statusAfterConversion(db: Queryable, mode: ReviewMode, documentId: number, copies: CopyVerdict = { kind: 'none' }): Promise<'ready' | 'pending_review'> {
  if (copies.kind === 'hold') return 'pending_review';
  const trust = await findUploaderTrust(db, documentId);
  if (!trust) return 'ready';
  // A document rejected once is looked at again whenever it is converted anew, whatever the mode.
  return needsReview(mode, trust) || (trust.rejectedBefore && !trust.isAdmin) ? 'pending_review' : 'ready';
}

/** The rejection as the uploader reads it (the document's failureReason): the reason, then the moderator's note. */
export function rejectionText(reason: RejectReason, note: string): string {
  return note ? `${REJECT_REASON_WORDS[reason]}：${note}` : REJECT_REASON_WORDS[reason];
}
