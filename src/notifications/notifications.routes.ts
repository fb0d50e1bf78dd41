// Notifications (issue 15): the JSON API, the /notifications page, and the bell's unread count.
import { Router, type RequestHandler } from 'express';
import type { AppDeps } from '../deps.js';
import { requireActor } from '../auth/actor.js';
import type { RenderPage } from '../http/render.js';
import { parseInput } from '../http/validate.js';
import { formatTime } from '../support/tickets.present.js';
import { MarkReadBody, NotificationListQuery } from './notifications.schemas.js';
import { listNotifications, markNotificationsRead, unreadCount } from './notifications.service.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Unread notifications of the logged-in reader, for the header's bell (pages only). */
      unreadNotifications?: number;
    }
  }
}

export function notificationsApiRouter(deps: AppDeps): Router {
  const router = Router();
  router.get('/me/notifications', async (req, res) => {
    const actor = requireActor(req);
    res.json(await listNotifications(deps, actor, parseInput(NotificationListQuery, req.query)));
  });
  router.post('/me/notifications/read', async (req, res) => {
    const actor = requireActor(req);
    await markNotificationsRead(deps, actor, parseInput(MarkReadBody, req.body));
    res.status(204).end();
  });
  return router;
}

/** Before the page routers: one indexed count per logged-in page view (GET only; posts redirect). */
export function unreadCountForPages(deps: AppDeps): RequestHandler {
  return async (req, _res, next) => {
    if (req.actor && req.method === 'GET') req.unreadNotifications = await unreadCount(deps, req.actor.userId);
    next();
  };
}

/** Routine notifications listed in the page's folded group (the newest). */
const ROUTINE_SHOWN = 50;

export function notificationsPagesRouter(deps: AppDeps, render: RenderPage): Router {
  const router = Router();
  router.get('/notifications', async (req, res) => {
    if (!req.actor) return res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
    // What matters, one by one (paged); the routine news (conversions done, reviews passed) in one
    // folded group on the first page.
    const query = parseInput(NotificationListQuery, req.query);
    const [list, routine] = await Promise.all([
      listNotifications(deps, req.actor, { ...query, group: 'important' }),
      query.cursor ? null : listNotifications(deps, req.actor, { limit: ROUTINE_SHOWN, group: 'routine' }),
    ]);
    const routineUnread = list.unread - list.unreadImportant;
    render(req, res, 'notifications/index', { ...list, routine: routine?.items ?? [], routineMore: !!routine?.nextCursor, routineUnread, formatTime }, { title: '消息通知', noindex: true });
  });
  // Forms without JavaScript: one notification (id) or all of them.
  router.post('/notifications/read', async (req, res) => {
    if (!req.actor) return res.redirect(303, '/login?next=/notifications');
    const body = (req.body ?? {}) as Record<string, unknown>;
    const id = typeof body.id === 'string' && /^[1-9]\d{0,15}$/.test(body.id) ? Number(body.id) : null;
    await markNotificationsRead(deps, req.actor, id ? { ids: [id] } : body.group === 'routine' ? { group: 'routine' } : { all: true });
    const link = typeof body.next === 'string' && /^\/[^/\\]/.test(body.next) ? body.next : '/notifications';
    res.redirect(303, link);
  });
  return router;
}
