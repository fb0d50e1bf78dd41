// Wallet, top-ups, webhook, purchases, download links and delivery (issue 5).
import { Router } from 'express';
import type { AppDeps } from '../deps.js';

export function paymentsApiRouter(_deps: AppDeps): Router {
  return Router();
}
