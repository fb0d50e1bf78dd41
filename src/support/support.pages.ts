// /support (users: report a problem, follow their tickets, answer a takedown) and /admin (the
// support desk). Forms post here with the CSRF token and redirect back (post/redirect/get).
import { Router, type Request, type Response } from 'express';
import type { Actor, AppDeps } from '../deps.js';
import { AppError, forbidden, notFound } from '../errors.js';
import { formatYuan, humanSize } from '../../public/js/format.js';
import { formError, loginRedirect } from '../http/forms.js';
import type { RenderPage } from '../http/render.js';
import { parseId, parseInput } from '../http/validate.js';
import { getAuditLog, getMyTickets, getNoticeTracking, getQueue, getTakedowns, getTicketDetail, getTicketFormContext } from './desk.service.js';
import { fileCounterNotice, resolveTicket, restoreDocument, takeDownNearCopy } from './resolutions.service.js';
import { CounterNoticeBody, CreateTicketBody, MessageBody, ResolveBody, RestoreBody, StatusBody, TakedownCopyBody, TICKET_CATEGORIES, TICKET_STATUSES } from './support.schemas.js';
import { STATUS_LABELS } from '../documents/pages/view-models.js';
import { auditDetailLines } from './audit.present.js';
import { ACTION_WORDS, AUDIT_TARGETS, AUDIT_WORDS, CATEGORY_WORDS, EVENT_WORDS, STATUS_BADGE, STATUS_WORDS } from './tickets.present.js';
import { openTicket, postMessage, setTicketStatus } from './tickets.service.js';
import { getTakedownNoticeForUploader } from './takedowns.service.js';

type Body = Record<string, unknown> | undefined;

const DONE_WORDS: Record<string, string> = {
  refund: '已退款：全额退回买家钱包，作者与推荐人分成已冲回。',
  takedown: '已下架：文档不再出现在列表、搜索、预览和下载中，文件指纹已封禁，上传者已收到通知。',
  reject: '已驳回。',
  none: '已标记为解决。',
  restore: '已恢复文档，文件指纹已解除封禁。',
  'takedown-copy': '已下架内容相近的副本（及其相同文件的副本），文件指纹已封禁。',
  reply: '已回复。',
  status: '状态已更新。',
};

const words = { STATUS_BADGE, STATUS_WORDS, CATEGORY_WORDS, ACTION_WORDS, AUDIT_WORDS, AUDIT_TARGETS, DOC_STATUS_LABELS: STATUS_LABELS, EVENT_WORDS, formatYuan, humanSize };

/** Form fields are strings: empty ones are left out, ids become numbers for the API schema. */
function formInput(body: Body): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body ?? {})) {
    if (key === '_csrf' || typeof value !== 'string' || value.trim() === '') continue;
    out[key] = (key === 'documentId' || key === 'purchaseId') && /^\d{1,15}$/.test(value.trim()) ? Number(value.trim()) : value;
  }
  return out;
}

const queryId = (value: unknown): number | null => (typeof value === 'string' && /^[1-9]\d{0,15}$/.test(value) ? Number(value) : null);
const oneOf = <T extends string>(values: readonly T[], value: unknown): T | undefined =>
  values.includes(value as T) ? (value as T) : undefined;


export function supportPagesRouter(deps: AppDeps, render: RenderPage): Router {
  const router = Router();

  /** Admin pages: anonymous → login, others → 403 page. */
  function admin(req: Request, res: Response): Actor | null {
    if (!req.actor) {
      loginRedirect(req, res);
      return null;
    }
    if (req.actor.role !== 'admin') throw forbidden('仅管理员可以访问客服后台 (admins only)');
    return req.actor;
  }

  async function renderSupport(req: Request, res: Response, extra: { error?: string; values?: Record<string, unknown> } = {}) {
    const documentId = queryId(req.query.documentId) ?? (typeof extra.values?.documentId === 'number' ? extra.values.documentId : null);
    const { document, purchases } = await getTicketFormContext(deps, req.actor, documentId);
    const mine = req.actor ? await getMyTickets(deps, req.actor) : [];
    const bought = purchases.find((p) => p.status === 'paid') ?? purchases[0] ?? null;
    const category = oneOf(TICKET_CATEGORIES, extra.values?.category ?? req.query.category) ?? (req.actor ? (bought ? 'download_failed' : document ? 'mismatch' : 'other') : 'copyright');
    const data = { document, purchases, bought, category, mine, error: extra.error, values: extra.values ?? {}, categories: TICKET_CATEGORIES, ...words };
    render(req, res, 'support/index', data, { title: '联系客服 / 投诉举报', noindex: true, scripts: ['support.js'] });
  }

  // The uploader's own taken-down document (documents.pages.ts passes it on): why, and how to
  // answer. Still 404, as for everyone but admins (the contract); the page explains it.
  router.get('/doc/:id', async (req, res) => {
    const notice = req.actor ? await getTakedownNoticeForUploader(deps, req.actor.userId, parseId(req.params.id)) : null;
    if (!notice) throw notFound('文档');
    res.status(404).set('Cache-Control', 'private, no-store');
    render(req, res, 'support/taken-down', { notice }, { title: `文档已下架：${notice.title}`, noindex: true });
  });

  router.get('/support', async (req, res) => {
    await renderSupport(req, res);
  });

  router.post('/support/tickets', deps.rateLimits.ticket, async (req, res) => {
    const values = formInput(req.body as Body);
    try {
      const { ticket, trackingPath } = await openTicket(deps, req.actor, parseInput(CreateTicketBody, values));
      // A copyright notice: the confirmation holds its tracking link (shown once, and mailed).
      if (!trackingPath) return res.redirect(303, `/support/tickets/${ticket.id}?created=1`);
      res.status(201).set({ 'Cache-Control': 'private, no-store', 'Referrer-Policy': 'no-referrer' });
      render(req, res, 'support/submitted', { ticket, contact: values.contact, trackingPath, signedIn: Boolean(req.actor) }, { title: '投诉已提交', noindex: true });
    } catch (err) {
      // A form error (including 401 "log in for this category") is shown on the form again.
      await renderSupport(req, res, { error: formError(err, res).message, values });
    }
  });

  // A notice followed by its secret link: no account; a forged or unknown token is a plain 404.
  router.get('/support/notices/:token', async (req, res) => {
    const tracking = await getNoticeTracking(deps, req.params.token);
    res.set({ 'Cache-Control': 'private, no-store', 'Referrer-Policy': 'no-referrer' });
    render(req, res, 'support/notice', { n: tracking, ...words }, { title: `版权投诉 #${tracking.row.id} 处理进度`, noindex: true });
  });

  router.get('/support/tickets/:id', async (req, res) => {
    if (loginRedirect(req, res) || !req.actor) return;
    const detail = await getTicketDetail(deps, req.actor, parseId(req.params.id));
    const notice = typeof req.query.created === 'string' ? '工单已提交，客服会尽快处理。' : typeof req.query.done === 'string' ? '已提交。' : null;
    render(req, res, 'support/ticket', { d: detail, notice, ...words }, { title: `工单 #${detail.row.id}`, noindex: true });
  });

  async function userTicketAction(req: Request, res: Response, action: (actor: Actor, id: number, body: Body) => Promise<unknown>) {
    if (loginRedirect(req, res) || !req.actor) return;
    const id = parseId(req.params.id);
    try {
      await action(req.actor, id, req.body as Body);
      res.redirect(303, `/support/tickets/${id}?done=1`);
    } catch (err) {
      const error = formError(err, res, (e) => e.status !== 401 && e.status !== 404).message;
      const detail = await getTicketDetail(deps, req.actor, id);
      render(req, res, 'support/ticket', { d: detail, error, ...words }, { title: `工单 #${id}`, noindex: true });
    }
  }

  router.post('/support/tickets/:id/messages', (req, res) =>
    userTicketAction(req, res, (actor, id, body) => postMessage(deps, actor, id, parseInput(MessageBody, body).body)),
  );

  router.post('/support/tickets/:id/counter-notice', deps.rateLimits.ticket, (req, res) =>
    userTicketAction(req, res, (actor, id, body) => fileCounterNotice(deps, actor, id, parseInput(CounterNoticeBody, body))),
  );

  // ---- the admin desk ----

  router.get('/admin', async (req, res) => {
    if (!admin(req, res)) return;
    const status = oneOf(TICKET_STATUSES, req.query.status);
    const category = oneOf(TICKET_CATEGORIES, req.query.category);
    const queue = await getQueue(deps, { status, category, beforeId: queryId(req.query.cursor) ?? undefined, limit: 50 });
    const data = { ...queue, status, category, statuses: TICKET_STATUSES, categories: TICKET_CATEGORIES, ...words };
    render(req, res, 'admin/queue', data, { title: '客服后台', noindex: true });
  });

  router.get('/admin/audit-log', async (req, res) => {
    if (!admin(req, res)) return;
    const log = await getAuditLog(deps, { cursor: queryId(req.query.cursor) ?? undefined, limit: 100 });
    const items = log.items.map((e) => ({ ...e, lines: auditDetailLines(e.details, deps.config.timezone) }));
    render(req, res, 'admin/audit-log', { ...log, items, ...words }, { title: '操作日志', noindex: true });
  });

  router.get('/admin/takedowns', async (req, res) => {
    if (!admin(req, res)) return;
    render(req, res, 'admin/takedowns', { ...(await getTakedowns(deps)), ...words }, { title: '下架记录', noindex: true, scripts: ['admin.js'] });
  });

  router.post('/admin/documents/:id/restore', async (req, res) => {
    const actor = admin(req, res);
    if (!actor) return;
    await restoreDocument(deps, actor, parseId(req.params.id), parseInput(RestoreBody, { note: (req.body as Body)?.note }).note);
    res.redirect(303, '/admin/takedowns?done=restore');
  });

  router.get('/admin/tickets/:id', async (req, res) => {
    const actor = admin(req, res);
    if (!actor) return;
    const detail = await getTicketDetail(deps, actor, parseId(req.params.id));
    const done = typeof req.query.done === 'string' ? (DONE_WORDS[req.query.done] ?? '已保存') : null;
    render(req, res, 'admin/ticket', { d: detail, done, ...words }, { title: `工单 #${detail.row.id} · 客服后台`, noindex: true, scripts: ['admin.js'] });
  });

  async function adminTicketAction(req: Request, res: Response, done: (body: Body) => string, action: (actor: Actor, id: number, body: Body) => Promise<unknown>) {
    const actor = admin(req, res);
    if (!actor) return;
    const id = parseId(req.params.id);
    try {
      await action(actor, id, req.body as Body);
      res.redirect(303, `/admin/tickets/${id}?done=${encodeURIComponent(done(req.body as Body))}`);
    } catch (err) {
      const error = formError(err, res, (e) => e.status !== 401 && e.status !== 403).message;
      const detail = await getTicketDetail(deps, actor, id);
      render(req, res, 'admin/ticket', { d: detail, error, ...words }, { title: `工单 #${id} · 客服后台`, noindex: true, scripts: ['admin.js'] });
    }
  }

  router.post('/admin/tickets/:id/resolve', (req, res) =>
    adminTicketAction(req, res, (b) => String(b?.action ?? ''), (actor, id, body) => resolveTicket(deps, actor, id, parseInput(ResolveBody, body))),
  );
  router.post('/admin/tickets/:id/reply', (req, res) =>
    adminTicketAction(req, res, () => 'reply', (actor, id, body) => postMessage(deps, actor, id, parseInput(MessageBody, body).body)),
  );
  router.post('/admin/tickets/:id/status', (req, res) =>
    adminTicketAction(req, res, () => 'status', (actor, id, body) => setTicketStatus(deps, actor, id, parseInput(StatusBody, body).status)),
  );
  router.post('/admin/tickets/:id/takedown-copy', (req, res) =>
    adminTicketAction(req, res, () => 'takedown-copy', async (actor, id, body) => {
      const input = parseInput(TakedownCopyBody, body);
      await takeDownNearCopy(deps, actor, id, input.documentId, input.note);
    }),
  );
  router.post('/admin/tickets/:id/restore', (req, res) =>
    adminTicketAction(req, res, () => 'restore', async (actor, id, body) => {
      const { row } = await getTicketDetail(deps, actor, id);
      if (row.documentId === null) throw new AppError('validation_failed', '该工单没有关联文档 (the ticket has no document)');
      await restoreDocument(deps, actor, row.documentId, parseInput(RestoreBody, { note: body?.note }).note);
    }),
  );

  return router;
}
