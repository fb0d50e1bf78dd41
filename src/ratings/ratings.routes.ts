// Ratings and comments API (issue 16): PUT rating, list/add comments, delete a comment.
import { Router, type RequestHandler } from 'express';
import type { AppDeps } from '../deps.js';
import { requireActor } from '../auth/actor.js';
import { parseId, parseInput } from '../http/validate.js';
import { CommentBody, CommentsQuery, RatingBody } from './ratings.schemas.js';
import { addComment, listComments, rateDocument, removeComment } from './ratings.service.js';

// Anonymous posts are refused before they count against the limit.
const loggedIn: RequestHandler = (req, _res, next) => {
  requireActor(req);
  next();
};

export function ratingsApiRouter(deps: AppDeps): Router {
  const router = Router();

  router.put('/documents/:id/rating', async (req, res) => {
    const actor = requireActor(req);
    const id = parseId(req.params.id);
    await rateDocument(deps, actor, id, parseInput(RatingBody, req.body).stars);
    res.status(204).end();
  });

  router.get('/documents/:id/comments', async (req, res) => {
    const { cursor } = parseInput(CommentsQuery, req.query);
    res.json(await listComments(deps, req.actor, parseId(req.params.id), cursor));
  });

  router.post('/documents/:id/comments', loggedIn, deps.rateLimits.comments, async (req, res) => {
    const id = parseId(req.params.id);
    const { body } = parseInput(CommentBody, req.body);
    res.status(201).json({ comment: await addComment(deps, requireActor(req), id, body) });
  });

  router.delete('/comments/:id', async (req, res) => {
    await removeComment(deps, requireActor(req), parseId(req.params.id));
    res.status(204).end();
  });

  return router;
}
