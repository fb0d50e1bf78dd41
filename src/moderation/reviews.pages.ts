// /admin/reviews: the review queue for moderators, oldest first, with approve / reject forms
// (CSRF-checked like every form post) that redirect back (post/redirect/get).
import { Router, type Request, type Response } from 'express';
import type { Actor, AppDeps } from '../deps.js';
import { forbidden } from '../errors.js';
import { formatYuan, humanSize } from '../../public/js/format.js';
import { formError, loginRedirect } from '../http/forms.js';
import type { RenderPage } from '../http/render.js';
import { parseId, parseInput } from '../http/validate.js';
import { STATUS_LABELS } from '../documents/pages/view-models.js';
import { PUBLISHED_BEFORE_TRUSTED, REJECT_REASONS, REJECT_REASON_WORDS } from './review-policy.js';
import { ReviewBody } from './reviews.schemas.js';
import { decideReview, getReviewQueue, requeueRejected } from './reviews.service.js';

const MODE_WORDS = { off: '关闭（上传的文档转换后直接发布）', new_uploaders: `新用户（每位用户的前 ${PUBLISHED_BEFORE_TRUSTED} 篇文档）`, all: '全部文档' } as const;
const DONE_WORDS: Record<string, string> = { approve: '已通过审核，文档已公开发布。', reject: '已驳回，上传者已收到原因。', requeue: '文档已重新进入审核队列。' };

export function reviewsPagesRouter(deps: AppDeps, render: RenderPage): Router {
  const router = Router();

  /** Anonymous → login, others → 403 page. */
  function admin(req: Request, res: Response): Actor | null {
    if (loginRedirect(req, res)) return null;
    if (req.actor!.role !== 'admin') throw forbidden('仅管理员可以审核文档 (admins only)');
    return req.actor!;
  }

  async function renderQueue(req: Request, res: Response, extra: { error?: string; errorId?: number } = {}) {
    const { items, total } = await getReviewQueue(deps, { limit: 20 });
    const done = typeof req.query.done === 'string' ? (DONE_WORDS[req.query.done] ?? null) : null;
    render(
      req,
      res,
      'admin/reviews',
      {
        items, total, done, ...extra,
        mode: MODE_WORDS[deps.config.reviewMode],
        reasons: REJECT_REASONS.map((r) => ({ value: r, label: REJECT_REASON_WORDS[r] })),
        REASON_WORDS: REJECT_REASON_WORDS, DOC_STATUS_LABELS: STATUS_LABELS, formatYuan, humanSize,
      },
      { title: '文档审核', noindex: true },
    );
  }

  router.get('/admin/reviews', async (req, res) => {
    if (!admin(req, res)) return;
    await renderQueue(req, res);
  });

  router.post('/admin/reviews/:id', async (req, res) => {
    const actor = admin(req, res);
    if (!actor) return;
    const id = parseId(req.params.id);
    const form = (req.body ?? {}) as Record<string, unknown>;
    let decision: string | undefined;
    try {
      const body = parseInput(ReviewBody, { decision: form.decision, reason: form.reason || undefined, note: form.note ?? '' });
      decision = body.decision;
      await decideReview(deps, actor, id, body);
    } catch (err) {
      // A rejection without a reason, or a document someone else decided meanwhile (409): the queue again, with why.
      return renderQueue(req, res, { error: formError(err, res).message, errorId: id });
    }
    res.redirect(303, `/admin/reviews?done=${decision}`);
  });

  // From a ticket (an appeal): a rejected document goes back into the queue.
  router.post('/admin/reviews/:id/requeue', async (req, res) => {
    const actor = admin(req, res);
    if (!actor) return;
    const id = parseId(req.params.id);
    try {
      await requeueRejected(deps, actor, id);
    } catch (err) {
      return renderQueue(req, res, { error: formError(err, res).message, errorId: id });
    }
    res.redirect(303, `/admin/reviews?done=requeue#review-${id}`);
  });

  return router;
}
