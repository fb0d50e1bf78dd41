// The document page's ratings and comments (issue 16): what the page shows, and the forms it posts
// (plain forms with the CSRF field, so they work without the page script). Same services and the
// same `comments` limiter as the API.
import { Router } from 'express';
import type { Actor, AppDeps } from '../deps.js';
import { requireActor } from '../auth/actor.js';
import { parseId, parseInput } from '../http/validate.js';
import { findDocumentVisibleTo } from '../documents/documents.repo.js';
import { viewerOf } from '../documents/documents.service.js';
import { ymd } from '../documents/pages/format.js';
import { CommentBody, RatingBody } from './ratings.schemas.js';
import { addComment, canRate, listComments, myRating, rateDocument, removeComment } from './ratings.service.js';
import { COMMENT_MAX_CHARS } from './ratings.schemas.js';

type Body = Record<string, unknown> | undefined;

/** The page's block: the reader's stars (if they may rate), the first page of comments, and delete rights. */
export async function docFeedback(deps: Pick<AppDeps, 'db'>, actor: Actor | null, id: number) {
  const row = await findDocumentVisibleTo(deps.db.pool, viewerOf(actor), id);
  const [rateable, mine, comments] = await Promise.all([
    row ? canRate(deps, actor, row) : Promise.resolve(false),
    myRating(deps, actor, id),
    listComments(deps, actor, id, undefined),
  ]);
  return {
    canRate: rateable,
    myStars: mine,
    maxChars: COMMENT_MAX_CHARS,
    comments: comments.items.map((c) => ({
      ...c,
      date: ymd(c.createdAt),
      canDelete: !!actor && (actor.userId === c.author.id || actor.role === 'admin'),
    })),
    moreUrl: comments.nextCursor ? `/api/v1/documents/${id}/comments?cursor=${encodeURIComponent(comments.nextCursor)}` : null,
  };
}

export function ratingsPagesRouter(deps: AppDeps): Router {
  const router = Router();

  router.post('/doc/:id/rating', async (req, res) => {
    const id = parseId(req.params.id);
    const stars = Number((req.body as Body)?.stars);
    await rateDocument(deps, requireActor(req), id, parseInput(RatingBody, { stars }).stars);
    res.redirect(303, `/doc/${id}#rating`);
  });

  router.post('/doc/:id/comments', deps.rateLimits.comments, async (req, res) => {
    const id = parseId(req.params.id);
    const actor = requireActor(req);
    await addComment(deps, actor, id, parseInput(CommentBody, { body: (req.body as Body)?.body }).body);
    res.redirect(303, `/doc/${id}#comments`);
  });

  router.post('/comments/:id/delete', async (req, res) => {
    const documentId = parseId((req.body as Body)?.documentId);
    await removeComment(deps, requireActor(req), parseId(req.params.id));
    res.redirect(303, `/doc/${documentId}#comments`);
  });

  return router;
}
