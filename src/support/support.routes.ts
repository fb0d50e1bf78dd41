// Tickets, disputes, refunds, takedowns (issue 6).
import { Router } from 'express';
import type { AppDeps } from '../deps.js';

export function supportApiRouter(_deps: AppDeps): Router {
  return Router();
}
