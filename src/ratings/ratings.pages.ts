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
/** What each number of stars means, 1 to 5 (the widget's titles). */
const STAR_WORDS = ['很差', '较差', '一般', '推荐', '力荐'];

/**
 * The page's block: the reader's stars (if they may rate), the first page of comments, and delete rights.
 * `after` is what the reader just did (the redirect's ?rated= / ?commented=): said only when true of them.
 */
export async function docFeedback(deps: Pick<AppDeps, 'db'>, actor: Actor | null, id: number, after: { rated?: unknown; commented?: unknown } = {}) {
  const row = await findDocumentVisibleTo(deps.db.pool, viewerOf(actor), id);
  const [rateable, mine, comments] = await Promise.all([
    row ? canRate(deps, actor, row) : Promise.resolve(false),
    myRating(deps, actor, id),
    listComments(deps, actor, id, undefined),
  ]);
  return {
    canRate: rateable,
    myStars: mine,
    starWords: STAR_WORDS,
    rated: mine !== null && after.rated === String(mine) ? mine : null,
    commented: !!actor && after.commented === '1',
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
    const { stars } = parseInput(RatingBody, { stars: Number((req.body as Body)?.stars) });
    await rateDocument(deps, requireActor(req), id, stars);
    res.redirect(303, `/doc/${id}?rated=${stars}#rating`); // the page then says it was recorded
  });

  router.post('/doc/:id/comments', deps.rateLimits.comments, async (req, res) => {
    const id = parseId(req.params.id);
    const actor = requireActor(req);
    await addComment(deps, actor, id, parseInput(CommentBody, { body: (req.body as Body)?.body }).body);
    res.redirect(303, `/doc/${id}?commented=1#comments`);
  });

  router.post('/comments/:id/delete', async (req, res) => {
    const documentId = parseId((req.body as Body)?.documentId);
    await removeComment(deps, requireActor(req), parseId(req.params.id));
    res.redirect(303, `/doc/${documentId}#comments`);
  });

  return router;
}
