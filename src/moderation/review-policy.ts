// Review before publish (issue 15): which converted documents wait for a moderator (REVIEW_MODE),
// and what a rejection says to the uploader. The only home of both rules.
import type { Config } from '../config.js';
import type { Queryable } from '../db/pool.js';
import { findUploaderTrust } from './reviews.repo.js';

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

/** The status a finished conversion gives the document, on the transaction that saves it. */
export async function statusAfterConversion(db: Queryable, mode: ReviewMode, documentId: number): Promise<'ready' | 'pending_review'> {
  if (mode === 'off') return 'ready';
  const trust = await findUploaderTrust(db, documentId);
  return trust && needsReview(mode, trust) ? 'pending_review' : 'ready';
}

/** The rejection as the uploader reads it (the document's failureReason): the reason, then the moderator's note. */
export function rejectionText(reason: RejectReason, note: string): string {
  return note ? `${REJECT_REASON_WORDS[reason]}：${note}` : REJECT_REASON_WORDS[reason];
}
