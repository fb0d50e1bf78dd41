// Wallet and payment pages (issue 5).
import { Router } from 'express';
import type { AppDeps } from '../deps.js';
import type { RenderPage } from '../http/render.js';

export function paymentsPagesRouter(_deps: AppDeps, _render: RenderPage): Router {
  return Router();
}
