// Review before publish: the JSON API (admins).
import { Router } from 'express';
import type { AppDeps } from '../deps.js';
import { requireAdmin } from '../auth/actor.js';
import { parseId, parseInput } from '../http/validate.js';
import { ReviewBody, ReviewQueueQuery } from './reviews.schemas.js';
import { decideReview, getReviewQueue, requeueRejected } from './reviews.service.js';

export function reviewsApiRouter(deps: AppDeps): Router {
  const router = Router();
  router.get('/admin/reviews', async (req, res) => {
    requireAdmin(req);
    res.json(await getReviewQueue(deps, parseInput(ReviewQueueQuery, req.query)));
  });
  router.post('/admin/documents/:id/review', async (req, res) => {
    const admin = requireAdmin(req);
    const id = parseId(req.params.id);
    res.json(await decideReview(deps, admin, id, parseInput(ReviewBody, req.body)));
  });
  router.post('/admin/documents/:id/review-requeue', async (req, res) => {
    const admin = requireAdmin(req);
    res.json(await requeueRejected(deps, admin, parseId(req.params.id)));
  });
  return router;
}
