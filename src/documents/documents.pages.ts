// Reader-facing pages (issue 4): home, search, document page, upload, me.
import { Router } from 'express';
import type { AppDeps } from '../deps.js';
import type { RenderPage } from '../http/render.js';

export function documentsPagesRouter(_deps: AppDeps, _render: RenderPage): Router {
  return Router();
}
