// What the support pages show: a ticket with its document, purchase, the buyer's download
// history, the history of the ticket and the takedown record; the audit log; form prefill.
import type { Actor, AppDeps } from '../deps.js';
import { isTakenDown } from '../documents/visibility.js';
import { listAuditEntries, type AuditRow } from './audit.repo.js';
import {
  findDocumentForSupport,
  findPurchaseForSupport,
  findReportableDocument,
  listDownloadEvents,
  listPurchasesOfDocumentByBuyer,
  type DownloadEventRow,
  type SupportPurchaseRow,
  type TicketDocumentRow,
} from './lookups.repo.js';
import type { AuditEntry, Ticket, TicketCategory } from './support.schemas.js';
import { findLastTakedownStep, listRecentTakedownActions, listTakedownActions, type TakedownActionRow } from './takedowns.repo.js';
import { findDocumentCopies, type DocumentCopies } from './takedowns.service.js';
import { ACTION_WORDS, CATEGORY_WORDS, STATUS_BADGE, STATUS_WORDS, formatTime, presentTicket } from './tickets.present.js';
import { countTicketsByStatus, findTicketById, listTicketEvents, listTicketMessages, listTickets, type EventRow, type MessageRow, type TicketRow } from './tickets.repo.js';
import { assertCanSee, findNoticeByToken } from './tickets.service.js';

type Deps = Pick<AppDeps, 'db' | 'clock'>;

export interface Delivery {
  events: DownloadEventRow[];
  /** True when at least one download of the purchase completed (the whole file went out). */
  everCompleted: boolean;
  /** A paid purchase never delivered in full: support may refund it in one click. */
  refundableUndelivered: boolean;
}

export interface TicketDetail {
  row: TicketRow;
  ticket: Ticket;
  messages: MessageRow[];
  events: EventRow[];
  document: TicketDocumentRow | null;
  purchase: SupportPurchaseRow | null;
  delivery: Delivery | null;
  takedowns: TakedownActionRow[];
  /** The uploader may file a counter-notice here now. */
  canCounterNotice: boolean;
  /** Admins only: identical and near copies of the ticket's document. */
  copies: DocumentCopies | null;
}

/**
 * The ticket's document as the actor may see it: any for support; for the reporter only what they
 * may name (findReportableDocument without a category), so a ticket page never shows the title of
 * a document they could not see, e.g. one deleted or taken down since.
 */
function ticketDocument(deps: Deps, actor: Actor, documentId: number): Promise<TicketDocumentRow | null> {
  if (actor.role === 'admin') return findDocumentForSupport(deps.db.pool, documentId);
  return findReportableDocument(deps.db.pool, { documentId, reporterId: actor.userId, isAdmin: false, category: null });
}

/**
 * One ticket as the actor may see it (owner or admin, else 404), with everything about it. The
 * takedown record and the download history are the same facts support acts on.
 */
export async function getTicketDetail(deps: Deps, actor: Actor, id: number): Promise<TicketDetail> {
  const db = deps.db.pool;
  const row = assertCanSee(actor, await findTicketById(db, id));
  const [messages, events, document, purchase] = await Promise.all([
    listTicketMessages(db, [id]),
    listTicketEvents(db, id),
    row.documentId ? ticketDocument(deps, actor, row.documentId) : null,
    row.purchaseId ? findPurchaseForSupport(db, row.purchaseId) : null,
  ]);
  let delivery: Delivery | null = null;
  if (purchase) {
    const downloadEvents = await listDownloadEvents(db, { purchaseId: purchase.id, userId: purchase.buyerId, documentId: purchase.documentId });
    const everCompleted = downloadEvents.some((e) => e.completed && e.purchaseId === purchase.id);
    delivery = { events: downloadEvents, everCompleted, refundableUndelivered: !everCompleted && purchase.status === 'paid' };
  }
  const takedowns = document ? await listTakedownActions(db, document.id) : [];
  let canCounterNotice = false;
  if (document && document.uploaderId === actor.userId && isTakenDown(document) && row.noticeForTicketId !== null) {
    canCounterNotice = (await findLastTakedownStep(db, document.id))?.action !== 'counter_notice';
  }
  const copies = document && actor.role === 'admin' ? await findDocumentCopies(deps, document.id) : null;
  return { row, ticket: presentTicket(row, messages), messages, events, document, purchase, delivery, takedowns, canCounterNotice, copies };
}

/** What the holder of a notice's tracking link sees: the notice, its steps and the messages. */
export interface NoticeTracking {
  row: TicketRow;
  ticket: Ticket;
  events: EventRow[];
  /** The document, only as someone who could name it publicly may see it. */
  document: TicketDocumentRow | null;
}

/**
 * A copyright notice by its tracking token (404 for any other string). Everything shown is about
 * the notice itself; the messages are the thread its filer is part of, the counter-notice included.
 */
export async function getNoticeTracking(deps: Deps, token: string): Promise<NoticeTracking> {
  const db = deps.db.pool;
  const row = await findNoticeByToken(deps, token);
  const [messages, events, document] = await Promise.all([
    listTicketMessages(db, [row.id]),
    listTicketEvents(db, row.id),
    row.documentId ? findReportableDocument(db, { documentId: row.documentId, reporterId: row.reporterId, isAdmin: false, category: null }) : null,
  ]);
  return { row, ticket: presentTicket(row, messages), events, document };
}

/** The admin queue: tickets filtered by status and category, with counts per status. */
export async function getQueue(deps: Deps, q: { status?: Ticket['status']; category?: TicketCategory; beforeId?: number; limit: number }) {
  const rows = await listTickets(deps.db.pool, { reporterId: null, status: q.status, category: q.category, beforeId: q.beforeId, limit: q.limit + 1 });
  const counts = await countTicketsByStatus(deps.db.pool, q.category ?? null);
  const page = rows.slice(0, q.limit);
  return { rows: page, counts, nextCursor: rows.length > q.limit ? page[page.length - 1]!.id : null };
}

/** The user's own tickets for /support, newest first. */
export async function getMyTickets(deps: Deps, actor: Actor): Promise<Array<{ row: TicketRow; ticket: Ticket }>> {
  const rows = await listTickets(deps.db.pool, { reporterId: actor.userId, limit: 100 });
  const messages = rows.length ? await listTicketMessages(deps.db.pool, rows.map((t) => t.id)) : [];
  return rows.map((row) => ({ row, ticket: presentTicket(row, messages) }));
}

/**
 * What the ticket form knows from ?documentId=: the document and the reporter's purchases of it.
 * Only a document the caller may name (no category: a copyright notice may be sent about a
 * taken-down document, but its title is not shown to someone who could not see it).
 */
export async function getTicketFormContext(deps: Deps, actor: Actor | null, documentId: number | null) {
  if (documentId === null) return { document: null, purchases: [] as SupportPurchaseRow[] };
  const document = await findReportableDocument(deps.db.pool, {
    documentId, reporterId: actor?.userId ?? null, isAdmin: actor?.role === 'admin', category: null,
  });
  if (!document) return { document: null, purchases: [] as SupportPurchaseRow[] };
  const purchases = actor ? await listPurchasesOfDocumentByBuyer(deps.db.pool, actor.userId, document.id) : [];
  return { document, purchases };
}

export const presentAuditEntry = (a: AuditRow): AuditEntry => ({
  id: a.id,
  admin: { id: a.adminId, displayName: a.adminName },
  action: a.action,
  targetType: a.targetType,
  targetId: a.targetId,
  details: a.details,
  createdAt: a.createdAt.toISOString(),
});

/** The audit log, newest first, keyset-paged. */
export async function getAuditLog(deps: Deps, q: { cursor?: number; limit: number; targetType?: string; targetId?: number }) {
  const rows = await listAuditEntries(deps.db.pool, { beforeId: q.cursor, limit: q.limit + 1, targetType: q.targetType, targetId: q.targetId });
  const page = rows.slice(0, q.limit);
  return { rows: page, items: page.map(presentAuditEntry), nextCursor: rows.length > q.limit ? String(page[page.length - 1]!.id) : null };
}

/** Recent takedown steps, and which documents are down right now (each once, latest step first). */
export async function getTakedowns(deps: Deps) {
  const steps = await listRecentTakedownActions(deps.db.pool, 200);
  const seen = new Set<number>();
  const down = steps.filter((s) => s.documentStatus === 'taken_down' && !seen.has(s.documentId) && seen.add(s.documentId));
  return { steps, down };
}

export interface TicketSummary {
  id: number;
  url: string;
  subject: string;
  category: string;
  status: string;
  statusBadge: string;
  outcome: string | null;
  lastReply: string | null;
  updatedAt: string;
}

/**
 * The user's latest tickets as plain strings, for other pages (e.g. /me) to show with
 * `include('/support/my-tickets', { tickets })`.
 */
export async function getMyTicketSummaries(deps: Deps & Pick<AppDeps, 'config'>, actor: Actor, limit = 10): Promise<TicketSummary[]> {
  const rows = await listTickets(deps.db.pool, { reporterId: actor.userId, limit });
  const messages = rows.length ? await listTicketMessages(deps.db.pool, rows.map((t) => t.id)) : [];
  return rows.map((t) => {
    const reply = messages.filter((m) => m.ticketId === t.id && m.author === 'support').at(-1)?.body ?? null;
    return {
      id: t.id,
      url: `/support/tickets/${t.id}`,
      subject: t.subject,
      category: CATEGORY_WORDS[t.category],
      status: STATUS_WORDS[t.status],
      statusBadge: STATUS_BADGE[t.status],
      outcome: t.resolutionAction ? (ACTION_WORDS[t.resolutionAction] ?? null) : null,
      lastReply: reply && reply.length > 60 ? `${reply.slice(0, 60)}…` : reply,
      updatedAt: formatTime(t.updatedAt, deps.config.timezone),
    };
  });
}
