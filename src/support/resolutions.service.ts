// What support decides: refund, takedown, reject, resolve; restore after a counter-notice; and
// the uploader's counter-notice. Each is one transaction with its history and audit entries.
// The copyright steps follow 信息网络传播权保护条例 arts. 14–17: a notice (work, right holder,
// proof) → takedown and the uploader told → counter-notice with proof → restore.
import type { PoolClient } from 'pg';
import type { Actor, AppDeps } from '../deps.js';
import { withTransaction } from '../db/transaction.js';
import { conflict, notFound } from '../errors.js';
import { formatYuan } from '../../public/js/format.js';
import { isTakenDown } from '../documents/visibility.js';
import { listDocumentIdsByHash } from '../documents/near-copies.repo.js';
import { refundPurchase } from '../payments/refunds.service.js';
import { invalidateDocument } from '../cache/invalidation.js';
import { insertAuditEntry } from './audit.repo.js';
import { notify } from '../notifications/notifications.service.js';
import { mailNotice } from '../notifications/notice-mail.js';
import { lockDocumentForSupport, type TicketDocumentRow } from './lookups.repo.js';
import type { CounterNoticeBody, ResolveBody, Ticket } from './support.schemas.js';
import {
  deleteBlockedHashUnlessStillTakenDown,
  findLastTakedownStep,
  findLatestTakedown,
  insertBlockedHash,
  insertTakedownAction,
  markDocumentRestored,
  markDocumentTakenDown,
} from './takedowns.repo.js';
import { loadTicket, needsField } from './tickets.service.js';
import { isCopyrightNotice, sendFilerMails, tellReporter, type FilerMail } from './filer-notices.js';
import {
  findNoticeTicket,
  findTicketById,
  insertTicket,
  insertTicketEvent,
  insertTicketMessage,
  listTicketMessages,
  lockTicket,
  updateTicketResolution,
  updateTicketStatus,
  type TicketRow,
} from './tickets.repo.js';

type Deps = Pick<AppDeps, 'db' | 'clock'>;
type MailDeps = Pick<AppDeps, 'mailer' | 'log' | 'config'>;

/**
 * Admin: resolves a ticket with an action, in ONE transaction with the ticket update, its
 * history, a message to the reporter and the audit entry. The ticket row is locked first, so
 * concurrent resolves run one after another; a refund of an already refunded purchase → 409.
 */
export async function resolveTicket(deps: Deps & Pick<AppDeps, 'mailer' | 'log' | 'config' | 'invalidations'>, admin: Actor, id: number, input: ResolveBody): Promise<Ticket> {
  const now = deps.clock.now();
  const mails: Array<{ userId: number; title: string; body: string; link: string }> = [];
  const filerMails: Array<FilerMail | null> = [];
  // The document a refund or takedown changed, for every node's caches once committed.
  const changedDocumentIds = await withTransaction(deps.db.pool, async (tx): Promise<number[]> => {
    let changed: number[] = [];
    const t = await lockTicket(tx, id);
    if (!t) throw notFound('工单');
    const note = input.note;
    let message = note;
    const details: Record<string, unknown> = { note };
    if (input.action === 'refund') {
      if (t.purchaseId === null) throw needsField('该工单没有关联购买记录，无法退款 (the ticket has no purchase to refund)', 'purchaseId');
      const refunded = await refundPurchase(tx, { purchaseId: t.purchaseId, actorId: admin.userId, note: note || null });
      message = `已将 ${formatYuan(refunded.priceCents)} 全额退回您的钱包。${note ? `\n${note}` : ''}`;
      Object.assign(details, { purchaseId: refunded.id, amountCents: refunded.priceCents, buyerId: refunded.buyerId });
      changed = [refunded.documentId];
    } else if (input.action === 'takedown') {
      if (t.documentId === null) throw needsField('该工单没有关联文档，无法下架 (the ticket has no document to take down)', 'documentId');
      // Art. 14: a notice without proof of the right is not a notice a takedown may rest on.
      if (isCopyrightNotice(t) && !t.proof) throw needsField('该版权投诉没有权属证明，不能据此下架；请先向投诉人索取证明材料 (the notice has no evidence of the right)', 'evidence');
      const taken = await takeDown(tx, t, admin, note, now);
      if (taken.changed) mails.push({ userId: taken.doc.uploaderId, title: `您的文档《${taken.doc.title}》已被下架`, body: noticeText(t, taken.doc, note), link: `/doc/${taken.doc.id}` });
      message = `文档《${taken.doc.title}》已下架，不再提供预览和下载。${note ? `\n${note}` : ''}`;
      Object.assign(details, { documentId: taken.doc.id, sha256: taken.doc.sha256, wasAlreadyDown: !taken.changed, noticeTicketId: taken.noticeTicketId, copies: taken.copies });
      changed = [taken.doc.id, ...taken.copies];
    }
    const status = input.action === 'reject' ? 'rejected' : 'resolved';
    await updateTicketResolution(tx, t.id, { status, action: input.action, note, by: admin.userId, now });
    await insertTicketEvent(tx, { ticketId: t.id, actorId: admin.userId, kind: input.action, fromStatus: t.status, toStatus: status, note: note || null, now });
    if (message) await insertTicketMessage(tx, { ticketId: t.id, author: 'support', authorId: admin.userId, body: message, now });
    await insertAuditEntry(tx, { adminId: admin.userId, action: `ticket.${input.action}`, targetType: 'ticket', targetId: t.id, details, now });
    const verdict = input.action === 'takedown' ? '投诉的文档已下架' : status === 'rejected' ? '已驳回' : '已处理';
    filerMails.push(await tellReporter(tx, t, { kind: 'ticket_resolved', title: `您的工单 #${t.id} ${verdict}`, body: message || t.subject }));
    return changed;
  });
  await invalidateDocument(deps, ...changedDocumentIds);
  await sendFilerMails(deps, filerMails);
  // A takedown is mailed too, once the transaction committed (the notification is the record).
  for (const mail of mails) await mailNotice(deps, mail.userId, mail);
  return loadTicket(deps.db.pool, id);
}

/**
 * Takes the ticket's document down (unless it already is), blocks its SHA-256, records the step
 * and tells the uploader on a ticket of their own, forwarding the notice (art. 15).
 */
async function takeDown(tx: PoolClient, t: TicketRow, admin: Actor, note: string, now: Date) {
  const doc = await lockDocumentForSupport(tx, t.documentId!);
  if (!doc) throw notFound('文档');
  const { changed, copies } = await takeDownWithCopies(tx, doc, t.id, admin, note, now);
  let notice = await findNoticeTicket(tx, t.id);
  if (!notice) {
    notice = await insertTicket(tx, {
      category: t.category, status: 'open', subject: `您上传的文档《${doc.title}》已被下架`.slice(0, 200),
      reporterId: doc.uploaderId, contact: null, documentId: doc.id, purchaseId: null,
      workTitle: null, rightHolder: null, proof: null, noticeForTicketId: t.id,
    });
    await insertTicketEvent(tx, { ticketId: notice.id, actorId: admin.userId, kind: 'created', fromStatus: null, toStatus: 'open', note: `工单 #${t.id} 下架通知`, now });
  }
  // Art. 15: the notice itself is forwarded, as the right holder wrote it (never their contact).
  const filed = (await listTicketMessages(tx, [t.id])).find((m) => m.author === 'user')?.body ?? '';
  await insertTicketMessage(tx, { ticketId: notice.id, author: 'support', authorId: admin.userId, body: noticeText(t, doc, note, filed), now });
  await updateTicketResolution(tx, notice.id, { status: 'resolved', action: 'takedown', note, by: admin.userId, now });
  await insertTicketEvent(tx, { ticketId: notice.id, actorId: admin.userId, kind: 'takedown', fromStatus: notice.status, toStatus: 'resolved', note: note || null, now });
  return { doc, changed, copies, noticeTicketId: notice.id };
}

/**
 * Takes the document down (unless it already is), blocks its SHA-256 and records the step; then
 * every other document with the same bytes, whoever uploaded it and whatever its state (a deleted
 * copy still delivers to its buyers), so no identical copy stays on sale. Returns the copies taken
 * down now.
 */
const notifyTakenDown = (tx: PoolClient, doc: TicketDocumentRow, why: string) =>
  notify(tx, { userId: doc.uploaderId, kind: 'document_taken_down', title: `您的文档《${doc.title}》已被下架`, body: why || '因收到投诉，该文档已暂停预览和下载。', link: `/doc/${doc.id}` });

async function takeDownWithCopies(tx: PoolClient, doc: TicketDocumentRow, ticketId: number, admin: Actor, note: string, now: Date) {
  const changed = await markDocumentTakenDown(tx, doc.id, now);
  if (changed) {
    await insertBlockedHash(tx, { sha256: doc.sha256, documentId: doc.id, reason: `工单 #${ticketId} 下架`, now });
    await insertTakedownAction(tx, { documentId: doc.id, ticketId, action: 'takedown', actorId: admin.userId, note, proof: null, previousStatus: doc.status, now });
    await notifyTakenDown(tx, doc, note);
  }
  const copies: number[] = [];
  for (const copyId of await listDocumentIdsByHash(tx, doc.sha256, doc.id)) {
    const copy = await lockDocumentForSupport(tx, copyId);
    if (!copy || !(await markDocumentTakenDown(tx, copy.id, now))) continue;
    const why = `与文档 ${doc.id} 为同一文件（SHA-256 相同），随工单 #${ticketId} 一并下架${note ? `：${note}` : ''}`;
    await insertTakedownAction(tx, { documentId: copy.id, ticketId, action: 'takedown', actorId: admin.userId, note: why, proof: null, previousStatus: copy.status, now });
    await notifyTakenDown(tx, copy, why);
    copies.push(copy.id);
  }
  return { changed, copies };
}

/**
 * Admin, from a complaint's page: takes down a near copy of its document (nearly the same text,
 * other bytes) under the same complaint, with its own identical copies. 404 unless the ticket has
 * a document and the copy exists; 409 when the copy is already down. One transaction.
 */
export async function takeDownNearCopy(
  deps: Deps & Pick<AppDeps, 'invalidations'>,
  admin: Actor,
  ticketId: number,
  documentId: number,
  note: string,
): Promise<{ copies: number[] }> {
  const now = deps.clock.now();
  const taken = await withTransaction(deps.db.pool, async (tx) => {
    const t = await lockTicket(tx, ticketId);
    if (!t || t.documentId === null) throw notFound('工单');
    const copy = await lockDocumentForSupport(tx, documentId);
    if (!copy || copy.id === t.documentId) throw notFound('文档');
    const { changed, copies } = await takeDownWithCopies(tx, copy, t.id, admin, note ? `内容与文档 ${t.documentId} 相近：${note}` : `内容与文档 ${t.documentId} 相近`, now);
    if (!changed) throw conflict('该文档已处于下架状态 (the document is already taken down)');
    await insertTicketEvent(tx, { ticketId: t.id, actorId: admin.userId, kind: 'takedown', fromStatus: t.status, toStatus: t.status, note: `相近副本：文档 ${copy.id}`, now });
    await insertAuditEntry(tx, {
      adminId: admin.userId, action: 'document.takedown_near_copy', targetType: 'document', targetId: copy.id,
      details: { ticketId: t.id, of: t.documentId, sha256: copy.sha256, copies, note }, now,
    });
    return { copies: [copy.id, ...copies] };
  });
  await invalidateDocument(deps, ...taken.copies);
  return taken;
}

function noticeText(t: TicketRow, doc: TicketDocumentRow, note: string, filed = ''): string {
  const lines = [`您上传的文档《${doc.title}》（ID ${doc.id}）因收到${t.category === 'copyright' ? '权利人的版权通知' : '投诉'}，已被下架，暂停预览和下载。`];
  if (t.category === 'copyright') {
    // What the notice gave, and only that (art. 15: the notice is forwarded as it was filed).
    if (t.workTitle) lines.push(`通知所称作品：${t.workTitle}`);
    if (t.rightHolder) lines.push(`权利人：${t.rightHolder}`);
    lines.push(`权属证明：${t.proof ?? ''}`);
    if (filed) lines.push(`通知内容：${filed}`);
  }
  if (note) lines.push(`客服说明：${note}`);
  lines.push('如您认为该文档未侵犯他人权利，可在本工单提交反通知（书面说明及证明材料），客服审核后可恢复文档。');
  return lines.join('\n');
}

/**
 * Admin: puts a taken-down document back as it was, unblocks its SHA-256 (unless another copy is
 * still down), records the step and resolves the takedown's tickets with "restore". 409 when the
 * document is not taken down. One transaction.
 */
export async function restoreDocument(
  deps: Deps & MailDeps & Pick<AppDeps, 'invalidations'>,
  admin: Actor,
  documentId: number,
  note: string,
): Promise<{ document: { id: number; status: string } }> {
  const now = deps.clock.now();
  const filerMails: Array<FilerMail | null> = [];
  const restored = await withTransaction(deps.db.pool, async (tx) => {
    const doc = await lockDocumentForSupport(tx, documentId);
    if (!doc) throw notFound('文档');
    // Clearing taken_down_at is the whole restore: the conversion state was never overwritten.
    const previous = await markDocumentRestored(tx, doc.id, now);
    if (previous === null) throw conflict('该文档未处于下架状态 (the document is not taken down)');
    const takedown = await findLatestTakedown(tx, doc.id);
    await deleteBlockedHashUnlessStillTakenDown(tx, doc.sha256);
    const ticketId = takedown?.ticketId ?? null;
    await insertTakedownAction(tx, { documentId: doc.id, ticketId, action: 'restore', actorId: admin.userId, note, proof: null, previousStatus: null, now });
    if (ticketId !== null) {
      const complaint = await lockTicket(tx, ticketId);
      const notice = await findNoticeTicket(tx, ticketId);
      const why = note ? `\n${note}` : '';
      const told = `经审核，文档《${doc.title}》已恢复上线。${why}`;
      if (complaint) {
        await resolveWithRestore(tx, complaint, admin, note, told, now);
        filerMails.push(await tellReporter(tx, complaint, { kind: 'ticket_resolved', title: `您的工单 #${complaint.id}：被投诉的文档已恢复`, body: `${told}\n如您仍认为该文档侵权，可向人民法院起诉，或补充证明材料后再次投诉。` }));
      }
      if (notice) await resolveWithRestore(tx, notice, admin, note, `您的文档《${doc.title}》已恢复，可以正常预览和下载。${why}`, now);
    }
    await notify(tx, { userId: doc.uploaderId, kind: 'document_restored', title: `您的文档《${doc.title}》已恢复上线`, body: note, link: `/doc/${doc.id}` });
    await insertAuditEntry(tx, { adminId: admin.userId, action: 'document.restore', targetType: 'document', targetId: doc.id, details: { note, sha256: doc.sha256, ticketId, status: previous }, now });
    return { document: { id: doc.id, status: previous } };
  });
  await invalidateDocument(deps, documentId);
  await sendFilerMails(deps, filerMails);
  return restored;
}

async function resolveWithRestore(tx: PoolClient, t: TicketRow, admin: Actor, note: string, message: string, now: Date) {
  await updateTicketResolution(tx, t.id, { status: 'resolved', action: 'restore', note, by: admin.userId, now });
  await insertTicketEvent(tx, { ticketId: t.id, actorId: admin.userId, kind: 'restore', fromStatus: t.status, toStatus: 'resolved', note: note || null, now });
  await insertTicketMessage(tx, { ticketId: t.id, author: 'support', authorId: admin.userId, body: message, now });
}

/**
 * The uploader of a document taken down on this ticket (or on the complaint behind their notice
 * ticket) files a counter-notice with proof (art. 16). Recorded; the complaint and the notice
 * ticket go back to in_review; the counter-notice is forwarded to the complainant (art. 17).
 * 404 unless the caller uploaded the document; 409 if it is not taken down or one is pending.
 * Returns the uploader's own notice ticket.
 */
export async function fileCounterNotice(deps: Deps & MailDeps, actor: Actor, ticketId: number, input: CounterNoticeBody): Promise<Ticket> {
  const now = deps.clock.now();
  let filerMail: FilerMail | null = null;
  const noticeId = await withTransaction(deps.db.pool, async (tx) => {
    // Lock order as in resolveTicket (complaint, then document), so the two never deadlock.
    const t = await findTicketById(tx, ticketId);
    if (!t) throw notFound('工单');
    const complaint = await lockTicket(tx, t.noticeForTicketId ?? t.id);
    const doc = complaint?.documentId ? await lockDocumentForSupport(tx, complaint.documentId) : null;
    if (!complaint || !doc || doc.uploaderId !== actor.userId) throw notFound('工单');
    if (!isTakenDown(doc)) throw conflict('该文档未被下架，无需反通知 (the document is not taken down)');
    const last = await findLastTakedownStep(tx, doc.id);
    if (last?.action === 'counter_notice') throw conflict('反通知已提交，请等待客服处理 (a counter-notice is already pending)');
    const notice = await findNoticeTicket(tx, complaint.id);
    if (!notice) throw notFound('工单');
    await insertTakedownAction(tx, { documentId: doc.id, ticketId: complaint.id, action: 'counter_notice', actorId: actor.userId, note: input.body, proof: input.proof, previousStatus: null, now });
    await insertTicketMessage(tx, { ticketId: notice.id, author: 'user', authorId: actor.userId, body: `【反通知】${input.body}\n证明材料：${input.proof}`, now });
    await insertTicketEvent(tx, { ticketId: notice.id, actorId: actor.userId, kind: 'counter_notice', fromStatus: notice.status, toStatus: 'in_review', note: null, now });
    await updateTicketStatus(tx, notice.id, 'in_review', now);
    // Art. 16–17: the counter-notice goes to the complainant in full, its evidence included.
    const forwarded = `被投诉文档《${doc.title}》的上传者提交了反通知，客服将审核后决定是否恢复：\n【反通知全文】\n${input.body}\n【证明材料】\n${input.proof}`;
    await insertTicketMessage(tx, { ticketId: complaint.id, author: 'support', authorId: null, now, body: forwarded });
    filerMail = await tellReporter(tx, complaint, { kind: 'ticket_reply', title: `您的工单 #${complaint.id}：上传者提交了反通知`, body: forwarded });
    await insertTicketEvent(tx, { ticketId: complaint.id, actorId: actor.userId, kind: 'counter_notice', fromStatus: complaint.status, toStatus: 'in_review', note: null, now });
    await updateTicketStatus(tx, complaint.id, 'in_review', now);
    return notice.id;
  });
  await sendFilerMails(deps, [filerMail]);
  return loadTicket(deps.db.pool, noticeId);
}
