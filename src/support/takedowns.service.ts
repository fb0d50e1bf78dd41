// What the admin sees beside a takedown: the other documents with the same bytes (taken down
// with it) and the near copies (nearly the same text, other bytes) to take down too; and what the
// uploader of a taken-down document is told on its page.
import type { AppDeps } from '../deps.js';
import { findNearCopies, findTextFingerprint, listSameFileCopies, saveTextSimhash, type NearCopyRow } from '../documents/near-copies.repo.js';
import { findUploaderTakedown } from './takedowns.repo.js';
import { NEAR_COPY_MAX_DISTANCE, textSimhash } from '../text/simhash.js';

type Deps = Pick<AppDeps, 'db'>;

export interface DocumentCopies {
  sameFile: NearCopyRow[];
  nearText: NearCopyRow[];
}

const LIMIT = 50;

/**
 * Copies of a document: the same SHA-256, and texts within NEAR_COPY_MAX_DISTANCE bits of its
 * SimHash. A document converted before fingerprints existed is fingerprinted now from its stored text.
 */
export async function findDocumentCopies(deps: Deps, documentId: number): Promise<DocumentCopies> {
  const db = deps.db.pool;
  const print = await findTextFingerprint(db, documentId);
  if (!print) return { sameFile: [], nearText: [] };
  let simhash = print.simhash === null ? null : BigInt(print.simhash);
  if (simhash === null && print.bodyText) {
    simhash = textSimhash(print.bodyText);
    if (simhash !== null) await saveTextSimhash(db, documentId, simhash);
  }
  const [sameFile, nearText] = await Promise.all([
    listSameFileCopies(db, print.sha256, documentId, LIMIT),
    simhash === null
      ? Promise.resolve([])
      : findNearCopies(db, { simhash, sha256: print.sha256, exceptId: documentId, maxDistance: NEAR_COPY_MAX_DISTANCE, limit: LIMIT }),
  ]);
  return { sameFile, nearText };
}

/** What a taken-down document's uploader is told on its page: why, and where to answer. */
export interface UploaderTakedownNotice {
  documentId: number;
  title: string;
  takenDownAt: Date;
  /** Why, in Chinese: the kind of complaint, or a takedown by the site itself. */
  reason: string;
  note: string | null;
  /** The notice ticket (the complaint's details, support's messages), when there is one. */
  noticeTicketUrl: string | null;
  /** The counter-notice form on that ticket, while one may be filed. */
  counterNoticeUrl: string | null;
  counterNoticePending: boolean;
  /** A new ticket about the document: the way to appeal when there is no notice ticket. */
  appealUrl: string;
}

const TAKEDOWN_REASONS: Record<string, string> = {
  copyright: '收到权利人的版权投诉（通知）',
  mismatch: '收到投诉：内容与标题不符',
  download_failed: '收到用户投诉',
  refund: '收到用户投诉',
  other: '收到用户投诉',
};

/**
 * For the uploader of a taken-down document (issue 16): the reason and the ways to answer it
 * (the notice ticket and its counter-notice form, or a new ticket). Null for anyone else, and for
 * documents that are not taken down: they get the ordinary 404.
 */
export async function getTakedownNoticeForUploader(deps: Deps, uploaderId: number, documentId: number): Promise<UploaderTakedownNotice | null> {
  const row = await findUploaderTakedown(deps.db.pool, documentId, uploaderId);
  if (!row) return null;
  const ticketUrl = row.noticeTicketId !== null ? `/support/tickets/${row.noticeTicketId}` : null;
  return {
    documentId: row.documentId,
    title: row.title,
    takenDownAt: row.takenDownAt,
    reason: row.complaintCategory ? (TAKEDOWN_REASONS[row.complaintCategory] ?? '收到用户投诉') : '经本站审核',
    note: row.note,
    noticeTicketUrl: ticketUrl,
    counterNoticeUrl: ticketUrl && row.complaintIsAboutThis && !row.counterNoticePending ? `${ticketUrl}#counter-notice` : null,
    counterNoticePending: row.counterNoticePending,
    appealUrl: `/support?documentId=${row.documentId}&category=other`,
  };
}
