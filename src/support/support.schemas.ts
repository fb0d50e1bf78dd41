// Support desk: request and response schemas, registered on the OpenAPI registry.
import { z } from 'zod';
import { ErrorBody, registry } from '../http/openapi.js';

/** appeal: the uploader contests a review rejection (or a takedown) of their own document. */
export const TICKET_CATEGORIES = ['copyright', 'mismatch', 'download_failed', 'refund', 'appeal', 'other'] as const;
export const TICKET_STATUSES = ['open', 'in_review', 'resolved', 'rejected'] as const;
export const RESOLVE_ACTIONS = ['refund', 'takedown', 'reject', 'none'] as const;
/** A resolution may also be a restore (after a counter-notice), which has its own endpoint. */
export const RESOLUTION_ACTIONS = [...RESOLVE_ACTIONS, 'restore'] as const;

export type TicketCategory = (typeof TICKET_CATEGORIES)[number];
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export type ResolveAction = (typeof RESOLVE_ACTIONS)[number];
export type ResolutionAction = (typeof RESOLUTION_ACTIONS)[number];

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// Mainland mobile or landline numbers, optionally with a country code, spaces or dashes.
const PHONE = /^\+?\d[\d\s-]{5,18}\d$/;

/** An email address or a phone number a right holder can be reached at. */
export const Contact = z
  .string()
  .trim()
  .max(120)
  .refine((v) => EMAIL.test(v) || PHONE.test(v), '请填写有效的邮箱或电话 (contact must be an email address or a phone number)');

const id = z.number().int().positive();
const text = (max: number, what: string) =>
  z.string().trim().min(1, `请填写${what} (${what} required)`).max(max, `${what}过长 (too long)`);

/**
 * A copyright notice (art. 14) names the work and the right holder (in `body`, or the optional
 * `workTitle` / `rightHolder`) and proves the right: `evidence` (a registration number, a link, or
 * a description of the proof) is required for it, 400 without.
 */
export const CreateTicketBody = z
  .object({
    category: z.enum(TICKET_CATEGORIES, '请选择问题类型 (category must be one of copyright, mismatch, download_failed, refund, appeal, other)'),
    subject: text(200, '标题'),
    body: text(10_000, '问题描述'),
    documentId: id.optional(),
    purchaseId: id.optional(),
    contact: Contact.optional(),
    workTitle: z.string().trim().max(500).optional(),
    rightHolder: z.string().trim().max(200).optional(),
    evidence: z.string().trim().max(5_000).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.category === 'copyright' && !v.evidence) {
      ctx.addIssue({ code: 'custom', path: ['evidence'], message: '版权投诉须提供权属证明：登记证书编号、首发链接或证明材料的说明 (a copyright notice needs evidence of the right)' });
    }
  });
export type CreateTicketBody = z.infer<typeof CreateTicketBody>;

export const TicketListQuery = z.object({
  status: z.enum(TICKET_STATUSES).optional(),
  category: z.enum(TICKET_CATEGORIES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z
    .string()
    .regex(/^[1-9]\d{0,15}$/)
    .transform(Number)
    .optional(),
});
export type TicketListQuery = z.infer<typeof TicketListQuery>;

export const MessageBody = z.object({ body: text(10_000, '回复内容') });
export const ResolveBody = z.object({
  action: z.enum(RESOLVE_ACTIONS, 'action must be one of refund, takedown, reject, none'),
  note: z.string().trim().max(2_000).default(''),
});
export type ResolveBody = z.infer<typeof ResolveBody>;
export const CounterNoticeBody = z.object({ body: text(10_000, '反通知说明'), proof: text(5_000, '证明材料') });
export type CounterNoticeBody = z.infer<typeof CounterNoticeBody>;
export const RestoreBody = z.object({ note: z.string().trim().max(2_000).default('') });
/** The admin page's form: a near copy of the ticket's document to take down too. */
export const TakedownCopyBody = z.object({
  documentId: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  note: z.string().trim().max(2_000).default(''),
});
export const StatusBody = z.object({ status: z.enum(['open', 'in_review']) });
export const AuditLogQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(100),
  cursor: z
    .string()
    .regex(/^[1-9]\d{0,15}$/)
    .transform(Number)
    .optional(),
});

export const Ticket = registry.register(
  'Ticket',
  z.object({
    id,
    category: z.enum(TICKET_CATEGORIES),
    status: z.enum(TICKET_STATUSES),
    subject: z.string(),
    documentId: id.nullable(),
    purchaseId: id.nullable(),
    createdAt: z.string(),
    messages: z.array(z.object({ author: z.enum(['user', 'support']), body: z.string(), createdAt: z.string() })),
    resolution: z.object({ action: z.enum(RESOLUTION_ACTIONS), note: z.string() }).nullable(),
  }),
);
export type Ticket = z.infer<typeof Ticket>;

export const AuditEntry = registry.register(
  'AuditEntry',
  z.object({
    id,
    admin: z.object({ id, displayName: z.string() }),
    action: z.string(),
    targetType: z.string(),
    targetId: id,
    details: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
  }),
);
export type AuditEntry = z.infer<typeof AuditEntry>;

const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });
const err = (description: string) => ({ description, ...json(ErrorBody) });
const TicketResult = z.object({ ticket: Ticket });
/** The notice's tracking page: a secret link, no account needed (copyright notices only). */
const CreatedTicket = z.object({ ticket: Ticket, trackingUrl: z.string().optional() });
const idParam = z.object({ id: z.string() });
const bearer = [{ bearer: [] }];

registry.registerPath({
  method: 'post', path: '/api/v1/tickets', tags: ['support'],
  description: 'Opens a ticket. Anonymous callers may only send a copyright notice, and must give a contact. A copyright notice needs `evidence` (proof of the right) and gets a `trackingUrl`: a secret page that follows the notice without an account; its filer is told of every step (takedown, counter-notice, restore or rejection) by notification or mail. Rate limited (tickets 10/hour per account or IP).',
  request: { body: json(CreateTicketBody) },
  responses: {
    201: { description: 'created', ...json(CreatedTicket) },
    400: err('validation failed: an anonymous notice without contact, or a copyright notice without evidence'),
    401: err('login required for this category'),
    404: err('no such document, or the purchase is not the caller’s'),
    429: err('rate limited'),
  },
});
registry.registerPath({
  method: 'get', path: '/api/v1/notices/{token}', tags: ['support'],
  description: 'A copyright notice followed by its secret tracking token (from the confirmation), no account needed. An unknown or forged token → 404, nothing revealed.',
  request: { params: z.object({ token: z.string() }) },
  responses: { 200: { description: 'the notice', ...json(TicketResult) }, 404: err('no such notice') },
});
registry.registerPath({
  method: 'get', path: '/api/v1/tickets', tags: ['support'], security: bearer,
  description: 'The caller’s tickets, newest first; admins see all. Filters: status, category.',
  request: { query: TicketListQuery },
  responses: { 200: { description: 'tickets', ...json(z.object({ items: z.array(Ticket), nextCursor: z.string().nullable() })) }, 401: err('not logged in') },
});
registry.registerPath({
  method: 'get', path: '/api/v1/tickets/{id}', tags: ['support'], security: bearer, request: { params: idParam },
  responses: { 200: { description: 'the ticket', ...json(TicketResult) }, 404: err('no such ticket, or not the caller’s') },
});
registry.registerPath({
  method: 'post', path: '/api/v1/tickets/{id}/messages', tags: ['support'], security: bearer,
  description: 'Adds a message. A message from an admin is from support (and moves an open ticket to in_review); a user’s message on a resolved or rejected ticket reopens it.',
  request: { params: idParam, body: json(MessageBody) },
  responses: { 201: { description: 'added', ...json(TicketResult) }, 404: err('no such ticket, or not the caller’s') },
});
registry.registerPath({
  method: 'post', path: '/api/v1/tickets/{id}/counter-notice', tags: ['support'], security: bearer,
  description: 'The uploader of a document taken down on this ticket answers with a counter-notice and proof (art. 16); the complaint goes back to in_review for support to decide on a restore.',
  request: { params: idParam, body: json(CounterNoticeBody) },
  responses: { 201: { description: 'recorded', ...json(TicketResult) }, 404: err('no takedown here the caller uploaded'), 409: err('a counter-notice is already pending') },
});
registry.registerPath({
  method: 'post', path: '/api/v1/admin/tickets/{id}/resolve', tags: ['support', 'admin'], security: bearer,
  description: 'refund: full price back to the buyer, author and referrer shares reversed, in one transaction with the ticket update (second refund → 409). takedown: the document is taken down everywhere, its SHA-256 blocked, the uploader told.',
  request: { params: idParam, body: json(ResolveBody) },
  responses: {
    200: { description: 'resolved', ...json(TicketResult) },
    400: err('the action needs a purchase or document the ticket does not have'),
    403: err('admins only'),
    404: err('no such ticket'),
    409: err('already refunded'),
  },
});
registry.registerPath({
  method: 'post', path: '/api/v1/admin/tickets/{id}/status', tags: ['support', 'admin'], security: bearer,
  request: { params: idParam, body: json(StatusBody) },
  responses: { 200: { description: 'changed', ...json(TicketResult) }, 403: err('admins only'), 404: err('no such ticket') },
});
registry.registerPath({
  method: 'post', path: '/api/v1/admin/documents/{id}/restore', tags: ['support', 'admin'], security: bearer,
  description: 'Puts a taken-down document back as it was and unblocks its SHA-256; the tickets of the takedown are resolved with action restore.',
  request: { params: idParam, body: json(RestoreBody) },
  responses: {
    200: { description: 'restored', ...json(z.object({ document: z.object({ id, status: z.string() }) })) },
    403: err('admins only'),
    404: err('no such document'),
    409: err('the document is not taken down'),
  },
});
registry.registerPath({
  method: 'get', path: '/api/v1/admin/audit-log', tags: ['support', 'admin'], security: bearer,
  request: { query: AuditLogQuery },
  responses: { 200: { description: 'newest first', ...json(z.object({ items: z.array(AuditEntry), nextCursor: z.string().nullable() })) }, 403: err('admins only') },
});
