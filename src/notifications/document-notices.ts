// The conversion's outcome told to the uploader, in the transaction that records it.
import type pg from 'pg';
import type { Queryable } from '../db/pool.js';
import { withTransaction } from '../db/transaction.js';
import { markConversionFailed, type ConversionFailure } from '../documents/conversion.repo.js';
import { findDocumentNoticeFacts } from './notifications.repo.js';
import { notify } from './notifications.service.js';

/** On the transaction that saved the conversion result; `pendingReview`: it now waits for a moderator. */
export async function notifyDocumentReady(tx: Queryable, documentId: number, options: { pendingReview?: boolean } = {}): Promise<void> {
  const doc = await findDocumentNoticeFacts(tx, documentId);
  if (!doc) return;
  const body = options.pendingReview ? '文档已提交审核，审核通过后将公开发布；审核期间仅您本人可见。' : '文档已可预览。';
  await notify(tx, { userId: doc.uploaderId, kind: 'document_ready', title: `您的文档《${doc.title}》已转换完成`, body, link: `/doc/${documentId}` });
}

/** markConversionFailed and its notice in one transaction; true when this call failed the document. */
export async function failConversion(pool: pg.Pool, documentId: number, claim: string | null, failure: ConversionFailure): Promise<boolean> {
  return withTransaction(pool, (tx) => failConversionOn(tx, documentId, claim, failure));
}

/** markConversionFailed and its notice on the caller's transaction; true when this call failed the document. */
export async function failConversionOn(tx: Queryable, documentId: number, claim: string | null, failure: ConversionFailure): Promise<boolean> {
  if (!(await markConversionFailed(tx, documentId, claim, failure))) return false;
  const doc = await findDocumentNoticeFacts(tx, documentId);
  if (doc) await notify(tx, { userId: doc.uploaderId, kind: 'document_failed', title: `您的文档《${doc.title}》转换失败`, body: failure.reason, link: '/me/documents' });
  return true;
}
