// /support and /admin pages (issue 6).
import { Router } from 'express';
import type { AppDeps } from '../deps.js';
import type { RenderPage } from '../http/render.js';

export function supportPagesRouter(_deps: AppDeps, _render: RenderPage): Router {
  return Router();
}
