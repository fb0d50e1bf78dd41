// Documents API (issue 3/4): upload, read, list/search, preview, events, favorites, related.
import { Router } from 'express';
import type { AppDeps } from '../deps.js';

export function documentsApiRouter(_deps: AppDeps): Router {
  return Router();
}
