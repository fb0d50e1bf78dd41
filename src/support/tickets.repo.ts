// SQL for tickets, their messages and their history. One exported function per query.
import type { Queryable } from '../db/pool.js';
import type { ResolutionAction, TicketCategory, TicketStatus } from './support.schemas.js';

export interface TicketRow {
  id: number;
  category: TicketCategory;
  status: TicketStatus;
  subject: string;
  reporterId: number | null;
  contact: string | null;
  documentId: number | null;
  purchaseId: number | null;
  workTitle: string | null;
  rightHolder: string | null;
  proof: string | null;
  noticeForTicketId: number | null;
  /** A copyright notice's secret tracking token (its filer's page); null for other tickets. */
  trackingToken: string | null;
  resolutionAction: ResolutionAction | null;
  resolutionNote: string | null;
  resolvedBy: number | null;
  resolvedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  reporterName: string | null;
  reporterEmail: string | null;
}

export interface MessageRow {
  id: number;
  ticketId: number;
  author: 'user' | 'support';
  authorId: number | null;
  authorName: string | null;
  body: string;
  createdAt: Date;
}

export interface EventRow {
  id: number;
  ticketId: number;
  actorId: number | null;
  actorName: string | null;
  kind: string;
  fromStatus: string | null;
  toStatus: string | null;
  note: string | null;
  createdAt: Date;
}

const TICKET_COLUMNS = `t.id, t.category, t.status, t.subject, t.reporter_id AS "reporterId", t.contact,
  t.document_id AS "documentId", t.purchase_id AS "purchaseId", t.work_title AS "workTitle",
  t.right_holder AS "rightHolder", t.proof, t.notice_for_ticket_id AS "noticeForTicketId",
  t.tracking_token AS "trackingToken", t.resolution_action AS "resolutionAction", t.resolution_note AS "resolutionNote",
  t.resolved_by AS "resolvedBy", t.resolved_at AS "resolvedAt", t.created_at AS "createdAt", t.updated_at AS "updatedAt",
  (SELECT u.display_name FROM users u WHERE u.id = t.reporter_id) AS "reporterName",
  (SELECT u.email FROM users u WHERE u.id = t.reporter_id) AS "reporterEmail"`;

export type NewTicket = Pick<
  TicketRow,
  | 'category' | 'status' | 'subject' | 'reporterId' | 'contact' | 'documentId' | 'purchaseId'
  | 'workTitle' | 'rightHolder' | 'proof' | 'noticeForTicketId'
> & { trackingToken?: string | null };

export async function insertTicket(db: Queryable, t: NewTicket): Promise<TicketRow> {
  const { rows } = await db.query<TicketRow>(
    `INSERT INTO tickets AS t (category, status, subject, reporter_id, contact, document_id, purchase_id,
                               work_title, right_holder, proof, notice_for_ticket_id, tracking_token)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ${TICKET_COLUMNS}`,
    [t.category, t.status, t.subject, t.reporterId, t.contact, t.documentId, t.purchaseId,
      t.workTitle, t.rightHolder, t.proof, t.noticeForTicketId, t.trackingToken ?? null],
  );
  return rows[0]!;
}

export async function findTicketById(db: Queryable, id: number): Promise<TicketRow | null> {
  const { rows } = await db.query<TicketRow>(`SELECT ${TICKET_COLUMNS} FROM tickets t WHERE t.id = $1`, [id]);
  return rows[0] ?? null;
}

/** The copyright notice with this tracking token, if any. */
export async function findTicketByTrackingToken(db: Queryable, token: string): Promise<TicketRow | null> {
  const { rows } = await db.query<TicketRow>(`SELECT ${TICKET_COLUMNS} FROM tickets t WHERE t.tracking_token = $1`, [token]);
  return rows[0] ?? null;
}

/** The ticket, locked for the rest of the caller's transaction (serialises concurrent resolves). */
export async function lockTicket(db: Queryable, id: number): Promise<TicketRow | null> {
  const { rows } = await db.query<TicketRow>(`SELECT ${TICKET_COLUMNS} FROM tickets t WHERE t.id = $1 FOR UPDATE`, [id]);
  return rows[0] ?? null;
}

/**
 * Tickets newest first, keyset-paged by id. `reporterId` null lists everyone's (admins);
 * otherwise only that reporter's, so another user's ticket can never come back.
 */
export async function listTickets(
  db: Queryable,
  filter: { reporterId: number | null; status?: TicketStatus; category?: TicketCategory; beforeId?: number; limit: number },
): Promise<TicketRow[]> {
  const { rows } = await db.query<TicketRow>(
    `SELECT ${TICKET_COLUMNS} FROM tickets t
      WHERE ($1::bigint IS NULL OR t.reporter_id = $1)
        AND ($2::text IS NULL OR t.status = $2)
        AND ($3::text IS NULL OR t.category = $3)
        AND ($4::bigint IS NULL OR t.id < $4)
      ORDER BY t.id DESC
      LIMIT $5`,
    [filter.reporterId, filter.status ?? null, filter.category ?? null, filter.beforeId ?? null, filter.limit],
  );
  return rows;
}

/** Tickets counted by status, for the queue's tabs. */
export async function countTicketsByStatus(db: Queryable, category: TicketCategory | null): Promise<Record<string, number>> {
  const { rows } = await db.query<{ status: string; n: number }>(
    `SELECT status, count(*)::int AS n FROM tickets WHERE ($1::text IS NULL OR category = $1) GROUP BY status`,
    [category],
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** The uploader's notice ticket opened for a complaint's takedown, if any. */
export async function findNoticeTicket(db: Queryable, complaintId: number): Promise<TicketRow | null> {
  const { rows } = await db.query<TicketRow>(
    `SELECT ${TICKET_COLUMNS} FROM tickets t WHERE t.notice_for_ticket_id = $1 ORDER BY t.id LIMIT 1`,
    [complaintId],
  );
  return rows[0] ?? null;
}

export async function updateTicketStatus(db: Queryable, id: number, status: TicketStatus, now: Date): Promise<void> {
  await db.query(`UPDATE tickets SET status = $2, updated_at = $3 WHERE id = $1`, [id, status, now]);
}

export async function updateTicketResolution(
  db: Queryable,
  id: number,
  r: { status: TicketStatus; action: ResolutionAction; note: string; by: number; now: Date },
): Promise<void> {
  await db.query(
    `UPDATE tickets SET status = $2, resolution_action = $3, resolution_note = $4, resolved_by = $5,
            resolved_at = $6, updated_at = $6
      WHERE id = $1`,
    [id, r.status, r.action, r.note, r.by, r.now],
  );
}

export async function insertTicketMessage(
  db: Queryable,
  m: { ticketId: number; author: 'user' | 'support'; authorId: number | null; body: string; now: Date },
): Promise<void> {
  await db.query(
    `INSERT INTO ticket_messages (ticket_id, author, author_id, body, created_at) VALUES ($1, $2, $3, $4, $5)`,
    [m.ticketId, m.author, m.authorId, m.body, m.now],
  );
}

/** Messages of the given tickets, oldest first. */
export async function listTicketMessages(db: Queryable, ticketIds: readonly number[]): Promise<MessageRow[]> {
  const { rows } = await db.query<MessageRow>(
    `SELECT m.id, m.ticket_id AS "ticketId", m.author, m.author_id AS "authorId", u.display_name AS "authorName",
            m.body, m.created_at AS "createdAt"
       FROM ticket_messages m LEFT JOIN users u ON u.id = m.author_id
      WHERE m.ticket_id = ANY($1::bigint[])
      ORDER BY m.ticket_id, m.id`,
    [ticketIds],
  );
  return rows;
}

export async function insertTicketEvent(
  db: Queryable,
  e: { ticketId: number; actorId: number | null; kind: string; fromStatus: string | null; toStatus: string | null; note: string | null; now: Date },
): Promise<void> {
  await db.query(
    `INSERT INTO ticket_events (ticket_id, actor_id, kind, from_status, to_status, note, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [e.ticketId, e.actorId, e.kind, e.fromStatus, e.toStatus, e.note, e.now],
  );
}

export async function listTicketEvents(db: Queryable, ticketId: number): Promise<EventRow[]> {
  const { rows } = await db.query<EventRow>(
    `SELECT e.id, e.ticket_id AS "ticketId", e.actor_id AS "actorId", u.display_name AS "actorName", e.kind,
            e.from_status AS "fromStatus", e.to_status AS "toStatus", e.note, e.created_at AS "createdAt"
       FROM ticket_events e LEFT JOIN users u ON u.id = e.actor_id
      WHERE e.ticket_id = $1 ORDER BY e.id`,
    [ticketId],
  );
  return rows;
}
