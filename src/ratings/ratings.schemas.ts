// Ratings and comments: request bodies and responses as zod schemas (validation and OpenAPI).
import { z } from 'zod';
import { registry } from '../http/openapi.js';

export const RatingBody = registry.register(
  'RatingBody',
  z.object({ stars: z.number({ error: 'stars 必须是 1 到 5 的整数 (stars must be 1..5)' }).int().min(1).max(5) }),
);
export type RatingBody = z.infer<typeof RatingBody>;

export const COMMENT_MAX_CHARS = 1000;
export const CommentBody = registry.register(
  'CommentBody',
  z.object({
    // Counted in code points as the page counts them; whitespace alone is not a comment.
    body: z
      .string({ error: '请填写评论内容 (body is required)' })
      .trim()
      .refine((s) => s.length > 0, '请填写评论内容 (body must not be empty)')
      .refine((s) => [...s].length <= COMMENT_MAX_CHARS, `评论最多 ${COMMENT_MAX_CHARS} 字 (at most ${COMMENT_MAX_CHARS} characters)`),
  }),
);
export type CommentBody = z.infer<typeof CommentBody>;

export const CommentsQuery = z.object({ cursor: z.string().max(200).optional() });

export const Comment = registry.register(
  'Comment',
  z.object({
    id: z.number().int(),
    author: z.object({
      id: z.number().int(),
      displayName: z.string(),
      /** The author bought this document (a live purchase): the page marks the comment 「已购买」. */
      bought: z.boolean(),
      /** The author's own rating of this document, or null. */
      stars: z.number().int().min(1).max(5).nullable(),
    }),
    body: z.string(),
    createdAt: z.string().meta({ format: 'date-time' }),
  }),
);
export const CommentList = z.object({ items: z.array(Comment), nextCursor: z.string().nullable() });

const idParam = z.object({ id: z.string().regex(/^\d+$/) });
const bearer = [{ bearer: [] }];
const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });

registry.registerPath({
  method: 'put', path: '/api/v1/documents/{id}/rating', tags: ['ratings'], security: bearer,
  request: { params: idParam, body: { content: { 'application/json': { schema: RatingBody } } } },
  responses: { 204: { description: 'rated (one rating per user; a second call replaces it)' }, 403: { description: 'not bought and not free, or the uploader' }, 404: { description: 'not found' } },
});
registry.registerPath({
  method: 'get', path: '/api/v1/documents/{id}/comments', tags: ['ratings'], request: { params: idParam, query: CommentsQuery },
  responses: { 200: json(CommentList, 'newest first'), 404: { description: 'not found' } },
});
registry.registerPath({
  method: 'post', path: '/api/v1/documents/{id}/comments', tags: ['ratings'], security: bearer,
  request: { params: idParam, body: { content: { 'application/json': { schema: CommentBody } } } },
  responses: { 201: json(z.object({ comment: Comment }), 'created'), 429: { description: 'over 20 comments an hour' } },
});
registry.registerPath({
  method: 'delete', path: '/api/v1/comments/{id}', tags: ['ratings'], security: bearer, request: { params: idParam },
  responses: { 204: { description: 'deleted' }, 403: { description: 'neither its author nor an admin' }, 404: { description: 'not found' } },
});
