// Tickets, disputes, refunds, takedowns (issue 6): the JSON API.
import { Router } from 'express';
import type { AppDeps } from '../deps.js';
import { requireActor, requireAdmin } from '../auth/actor.js';
import { parseId, parseInput } from '../http/validate.js';
import { getAuditLog } from './desk.service.js';
import { fileCounterNotice, resolveTicket, restoreDocument } from './resolutions.service.js';
import {
  AuditLogQuery,
  CounterNoticeBody,
  CreateTicketBody,
  MessageBody,
  ResolveBody,
  RestoreBody,
  StatusBody,
  TicketListQuery,
} from './support.schemas.js';
import { findNoticeByToken, getTicketFor, listTicketsFor, loadTicket, openTicket, postMessage, setTicketStatus } from './tickets.service.js';
import { absoluteLink } from '../mail/links.js';

export function supportApiRouter(deps: AppDeps): Router {
  const router = Router();
  const ticketLimit = deps.rateLimits.ticket;

  router.post('/tickets', ticketLimit, async (req, res) => {
    const { ticket, trackingPath } = await openTicket(deps, req.actor, parseInput(CreateTicketBody, req.body));
    res.status(201).json(trackingPath ? { ticket, trackingUrl: absoluteLink(deps.config, trackingPath) } : { ticket });
  });

  // Whoever holds a notice's tracking link follows it, no account needed.
  router.get('/notices/:token', async (req, res) => {
    const t = await findNoticeByToken(deps, req.params.token);
    res.set({ 'Cache-Control': 'private, no-store', 'Referrer-Policy': 'no-referrer' });
    res.json({ ticket: await loadTicket(deps.db.pool, t.id) });
  });

  router.get('/tickets', async (req, res) => {
    res.json(await listTicketsFor(deps, requireActor(req), parseInput(TicketListQuery, req.query)));
  });

  router.get('/tickets/:id', async (req, res) => {
    res.json({ ticket: await getTicketFor(deps, requireActor(req), parseId(req.params.id)) });
  });

  router.post('/tickets/:id/messages', async (req, res) => {
    const actor = requireActor(req);
    const { body } = parseInput(MessageBody, req.body);
    res.status(201).json({ ticket: await postMessage(deps, actor, parseId(req.params.id), body) });
  });

  router.post('/tickets/:id/counter-notice', ticketLimit, async (req, res) => {
    const actor = requireActor(req);
    const input = parseInput(CounterNoticeBody, req.body);
    res.status(201).json({ ticket: await fileCounterNotice(deps, actor, parseId(req.params.id), input) });
  });

  router.post('/admin/tickets/:id/resolve', async (req, res) => {
    const admin = requireAdmin(req);
    const input = parseInput(ResolveBody, req.body);
    res.json({ ticket: await resolveTicket(deps, admin, parseId(req.params.id), input) });
  });

  router.post('/admin/tickets/:id/status', async (req, res) => {
    const admin = requireAdmin(req);
    const { status } = parseInput(StatusBody, req.body);
    res.json({ ticket: await setTicketStatus(deps, admin, parseId(req.params.id), status) });
  });

  router.post('/admin/documents/:id/restore', async (req, res) => {
    const admin = requireAdmin(req);
    const { note } = parseInput(RestoreBody, req.body);
    res.json(await restoreDocument(deps, admin, parseId(req.params.id), note));
  });

  router.get('/admin/audit-log', async (req, res) => {
    requireAdmin(req);
    const { items, nextCursor } = await getAuditLog(deps, parseInput(AuditLogQuery, req.query));
    res.json({ items, nextCursor });
  });

  return router;
}
