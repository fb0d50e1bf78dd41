// Tickets: opening, reading (owner or admin only), the message thread and status changes.
// Never sees req/res.
import type { PoolClient } from 'pg';
import type { Actor, AppDeps } from '../deps.js';
import { withTransaction } from '../db/transaction.js';
import { AppError, notFound, unauthenticated, validationFailed } from '../errors.js';
import { insertAuditEntry } from './audit.repo.js';
import { notify } from '../notifications/notifications.service.js';
import { findPurchaseOfBuyer, findReportableDocument, listPurchasesOfDocumentByBuyer } from './lookups.repo.js';
import type { CreateTicketBody, Ticket, TicketListQuery, TicketStatus } from './support.schemas.js';
import { presentTicket } from './tickets.present.js';
import { filerMail, isCopyrightNotice, isTrackingTokenShape, newTrackingToken, sendFilerMails, trackingPath } from './filer-notices.js';
import {
  findTicketById,
  findTicketByTrackingToken,
  insertTicket,
  insertTicketEvent,
  insertTicketMessage,
  listTicketMessages,
  listTickets,
  lockTicket,
  updateTicketStatus,
  type TicketRow,
} from './tickets.repo.js';

type Deps = Pick<AppDeps, 'db' | 'clock'>;
type MailDeps = Pick<AppDeps, 'mailer' | 'log' | 'config'>;

const isAdmin = (actor: Actor | null) => actor?.role === 'admin';
// Categories about money: a ticket about a document the reporter bought is tied to that purchase.
const MONEY_CATEGORIES = new Set(['refund', 'download_failed', 'mismatch']);

/** A ticket the actor may see: their own, or any for an admin. Anything else is not found. */
export function assertCanSee(actor: Actor, t: TicketRow | null): TicketRow {
  if (!t || (!isAdmin(actor) && t.reporterId !== actor.userId)) throw notFound('工单');
  return t;
}

/** Reads a ticket with its messages (no visibility check: callers decide). */
export async function loadTicket(db: Deps['db']['pool'] | PoolClient, id: number): Promise<Ticket> {
  const t = await findTicketById(db, id);
  if (!t) throw notFound('工单');
  return presentTicket(t, await listTicketMessages(db, [id]));
}

/**
 * Opens a ticket with its first message, in one transaction. Anonymous callers may only send a
 * copyright notice with a contact (400 without one, 401 for other categories). The document must
 * be visible to the reporter and the purchase theirs and of that document (else 404 / 400).
 * A copyright notice gets a tracking token; its filer is mailed the tracking link once committed.
 */
export async function openTicket(deps: Deps & MailDeps, actor: Actor | null, input: CreateTicketBody): Promise<{ ticket: Ticket; trackingPath: string | null }> {
  if (!actor) {
    if (input.category !== 'copyright') throw unauthenticated('请先登录；未登录时只能提交版权投诉 (login required except for copyright notices)');
    if (!input.contact) throw validationFailed('匿名投诉请留下邮箱或电话 (anonymous notices need a contact)', [{ path: ['contact'], message: 'required' }]);
  }
  const db = deps.db.pool;
  let documentId = input.documentId ?? null;
  let purchaseId = input.purchaseId ?? null;
  if (purchaseId !== null) {
    const purchase = actor ? await findPurchaseOfBuyer(db, purchaseId, actor.userId) : null;
    if (!purchase) throw notFound('购买记录');
    if (documentId !== null && purchase.documentId !== documentId) {
      throw validationFailed('购买记录与文档不一致 (the purchase is not of this document)', [{ path: ['purchaseId'], message: 'not of this document' }]);
    }
    documentId = purchase.documentId;
  }
  if (input.category === 'appeal' && documentId === null) {
    throw validationFailed('申诉请注明文档 (an appeal names the document)', [{ path: ['documentId'], message: 'required for an appeal' }]);
  }
  if (documentId !== null) {
    const doc = await findReportableDocument(db, { documentId, reporterId: actor?.userId ?? null, isAdmin: isAdmin(actor), category: input.category });
    if (!doc) throw notFound('文档');
    // Only the uploader appeals a decision about their document (a rejection or a takedown).
    if (input.category === 'appeal' && doc.uploaderId !== actor?.userId) throw notFound('文档');
    if (purchaseId === null && actor && MONEY_CATEGORIES.has(input.category)) {
      purchaseId = (await listPurchasesOfDocumentByBuyer(db, actor.userId, documentId)).find((p) => p.status === 'paid')?.id ?? null;
    }
  }
  const copyright = input.category === 'copyright';
  const trackingToken = copyright ? newTrackingToken() : null;
  const now = deps.clock.now();
  const id = await withTransaction(db, async (tx) => {
    const t = await insertTicket(tx, {
      category: input.category,
      status: 'open',
      subject: input.subject,
      reporterId: actor?.userId ?? null,
      contact: input.contact ?? null,
      documentId,
      purchaseId,
      workTitle: copyright ? (input.workTitle ?? null) : null,
      rightHolder: copyright ? (input.rightHolder ?? null) : null,
      proof: copyright ? (input.evidence ?? null) : null,
      noticeForTicketId: null,
      trackingToken,
    });
    await insertTicketMessage(tx, { ticketId: t.id, author: 'user', authorId: actor?.userId ?? null, body: input.body, now });
    await insertTicketEvent(tx, { ticketId: t.id, actorId: actor?.userId ?? null, kind: 'created', fromStatus: null, toStatus: 'open', note: null, now });
    return t.id;
  });
  const row = (await findTicketById(db, id))!;
  if (isCopyrightNotice(row)) {
    await sendFilerMails(deps, [filerMail(row, {
      title: `【${deps.config.site.name}】已收到您的版权投诉 #${id}`,
      body: `我们已收到您关于「${row.subject}」的版权投诉，编号 #${id}。客服核实后会处理，每一步（下架、上传者的反通知、恢复或驳回）都会通知您。`,
    })]);
  }
  return { ticket: await loadTicket(db, id), trackingPath: trackingToken ? trackingPath(trackingToken) : null };
}

/**
 * A copyright notice by its tracking token, for whoever holds the link (no account). A token of
 * the wrong shape is never looked up; an unknown one is 404 like any missing page.
 */
export async function findNoticeByToken(deps: Deps, token: string): Promise<TicketRow> {
  const t = isTrackingTokenShape(token) ? await findTicketByTrackingToken(deps.db.pool, token) : null;
  if (!t) throw notFound('投诉');
  return t;
}

/** The actor's tickets (admins: everyone's), newest first, with their messages. */
export async function listTicketsFor(deps: Deps, actor: Actor, q: TicketListQuery): Promise<{ items: Ticket[]; nextCursor: string | null }> {
  const rows = await listTickets(deps.db.pool, {
    reporterId: isAdmin(actor) ? null : actor.userId,
    status: q.status,
    category: q.category,
    beforeId: q.cursor,
    limit: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  const messages = page.length ? await listTicketMessages(deps.db.pool, page.map((t) => t.id)) : [];
  return {
    items: page.map((t) => presentTicket(t, messages)),
    nextCursor: rows.length > q.limit ? String(page[page.length - 1]!.id) : null,
  };
}

/** One ticket for its owner or an admin; 404 for anyone else. */
export async function getTicketFor(deps: Deps, actor: Actor, id: number): Promise<Ticket> {
  assertCanSee(actor, await findTicketById(deps.db.pool, id));
  return loadTicket(deps.db.pool, id);
}

/**
 * Adds a message, in one transaction with its status effect: an admin's message is from support
 * (an open ticket moves to in_review); a user's message on a resolved or rejected ticket reopens
 * it, so support sees the follow-up in the open queue.
 */
export async function postMessage(deps: Deps, actor: Actor, id: number, body: string): Promise<Ticket> {
  const now = deps.clock.now();
  await withTransaction(deps.db.pool, async (tx) => {
    const t = assertCanSee(actor, await lockTicket(tx, id));
    const fromSupport = isAdmin(actor);
    await insertTicketMessage(tx, { ticketId: id, author: fromSupport ? 'support' : 'user', authorId: actor.userId, body, now });
    let next: TicketStatus = t.status;
    if (fromSupport && t.status === 'open') next = 'in_review';
    if (!fromSupport && (t.status === 'resolved' || t.status === 'rejected')) next = 'open';
    await changeStatus(tx, t, next, actor.userId, fromSupport ? '客服回复' : '用户追问，工单重新打开', now);
    if (fromSupport) {
      await insertAuditEntry(tx, { adminId: actor.userId, action: 'ticket.reply', targetType: 'ticket', targetId: id, details: { body }, now });
      if (t.reporterId !== null && t.reporterId !== actor.userId) {
        await notify(tx, { userId: t.reporterId, kind: 'ticket_reply', title: `客服回复了您的工单 #${id}`, body: body.slice(0, 200), link: `/support/tickets/${id}` });
      }
    }
  });
  return loadTicket(deps.db.pool, id);
}

/** Admin: sets a ticket's status (open or in_review); recorded and audited. One transaction. */
export async function setTicketStatus(deps: Deps, admin: Actor, id: number, status: 'open' | 'in_review'): Promise<Ticket> {
  const now = deps.clock.now();
  await withTransaction(deps.db.pool, async (tx) => {
    const t = await lockTicket(tx, id);
    if (!t) throw notFound('工单');
    if (t.status === status) return;
    await changeStatus(tx, t, status, admin.userId, null, now);
    await insertAuditEntry(tx, { adminId: admin.userId, action: 'ticket.status', targetType: 'ticket', targetId: id, details: { from: t.status, to: status }, now });
  });
  return loadTicket(deps.db.pool, id);
}

/** Updates the status and records the change (always touches updated_at). */
export async function changeStatus(tx: PoolClient, t: TicketRow, to: TicketStatus, actorId: number | null, note: string | null, now: Date): Promise<void> {
  await updateTicketStatus(tx, t.id, to, now);
  if (to !== t.status) {
    await insertTicketEvent(tx, { ticketId: t.id, actorId, kind: 'status', fromStatus: t.status, toStatus: to, note, now });
  }
}

export const needsField = (message: string, field: string) =>
  new AppError('validation_failed', message, [{ path: [field], message: 'required for this action' }]);
