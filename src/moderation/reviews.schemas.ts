// Review before publish: request and response schemas, registered on the OpenAPI registry.
import { z } from 'zod';
import { ErrorBody, registry } from '../http/openapi.js';
import { Document, DocumentStatus } from '../documents/documents.schemas.js';
import { REJECT_REASONS } from './review-policy.js';

export const ReviewBody = z
  .object({
    decision: z.enum(['approve', 'reject'], 'decision must be approve or reject'),
    reason: z.enum(REJECT_REASONS, `reason must be one of ${REJECT_REASONS.join(', ')}`).optional(),
    note: z.string().trim().max(2_000, '说明过长 (note too long)').default(''),
  })
  .superRefine((body, ctx) => {
    if (body.decision === 'reject' && body.reason === undefined) {
      ctx.addIssue({ code: 'custom', path: ['reason'], message: '请选择驳回原因 (a rejection needs a reason)' });
    }
  });
export type ReviewBody = z.infer<typeof ReviewBody>;

export const ReviewQueueQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(50) });

const id = z.number().int().positive();
const PossibleCopy = z.object({
  id,
  title: z.string(),
  uploader: z.object({ id, displayName: z.string() }),
  status: z.string(),
  deleted: z.boolean(),
  match: z.enum(['same_file', 'near_text']).meta({ description: 'same_file: the same SHA-256; near_text: nearly the same text (SimHash)' }),
  distance: z.number().int().meta({ description: 'bits in which the text fingerprints differ (0 for the same file)' }),
});
export const ReviewQueueItem = registry.register(
  'ReviewQueueItem',
  z.object({
    document: Document,
    queuedAt: z.string().meta({ format: 'date-time' }),
    heldAsCopy: z
      .object({
        reason: z.enum(['near_copy', 'rejected_copy']),
        original: z.object({ id, title: z.string(), uploader: z.object({ id, displayName: z.string() }), status: z.string(), deleted: z.boolean() }),
      })
      .nullable()
      .meta({ description: 'held whatever REVIEW_MODE says: a near copy of another user’s document, or the bytes or text of a rejected one; the original named' }),
    possibleCopies: z.array(PossibleCopy),
    pages: z.array(z.object({ number: z.number().int(), width: z.number().int(), height: z.number().int(), imageUrl: z.string() })),
    uploaderHistory: z.object({
      documents: z.record(z.string(), z.number().int()).meta({ description: 'the uploader’s documents (not deleted) per status' }),
      otherDocuments: z.array(z.object({ id, title: z.string(), status: DocumentStatus, deleted: z.boolean(), uploadedAt: z.string() })),
      rejections: z.array(z.object({ documentId: id, title: z.string(), reason: z.enum(REJECT_REASONS), note: z.string(), decidedAt: z.string() })),
      takedowns: z.array(z.object({ documentId: id, title: z.string(), note: z.string(), at: z.string() })),
    }),
  }),
);

const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });
const err = (description: string) => ({ description, ...json(ErrorBody) });
const bearer = [{ bearer: [] }];

registry.registerPath({
  method: 'get', path: '/api/v1/admin/reviews', tags: ['moderation', 'admin'], security: bearer,
  description: 'Documents waiting for review (REVIEW_MODE), oldest in the queue first, each with its possible copies (same SHA-256, or nearly the same text), its first pages and its uploader’s history.',
  request: { query: ReviewQueueQuery },
  responses: {
    200: { description: 'the queue', ...json(z.object({ items: z.array(ReviewQueueItem), total: z.number().int() })) },
    401: err('not logged in'),
    403: err('admins only'),
  },
});
registry.registerPath({
  method: 'post', path: '/api/v1/admin/documents/{id}/review', tags: ['moderation', 'admin'], security: bearer,
  description: 'Approve (the document is published) or reject with one of the reasons (the uploader reads it in Chinese as failureReason, gets a notification and a mail, and may appeal with a ticket of category appeal). One transaction with the audit entry and the notification.',
  request: { params: z.object({ id: z.string() }), body: json(ReviewBody) },
  responses: {
    200: { description: 'decided', ...json(z.object({ document: Document })) },
    400: err('validation failed (a rejection without a reason)'),
    403: err('admins only'),
    404: err('no such document'),
    409: err('the document is not pending review (already decided)'),
  },
});
registry.registerPath({
  method: 'post', path: '/api/v1/admin/documents/{id}/review-requeue', tags: ['moderation', 'admin'], security: bearer,
  description: 'Puts a rejected document back into the review queue (e.g. after an appeal), audited.',
  request: { params: z.object({ id: z.string() }) },
  responses: {
    200: { description: 'queued again', ...json(z.object({ document: Document })) },
    403: err('admins only'),
    404: err('no such document'),
    409: err('the document is not rejected'),
  },
});
