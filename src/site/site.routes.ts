// Site facts, health and readiness, and the generated OpenAPI document.
import { Router } from 'express';
import type { AppDeps } from '../deps.js';
import { AppError } from '../errors.js';
import { openApiDocument } from '../http/openapi.js';
import './site.schemas.js';

export function healthRouter(deps: AppDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    try {
      await Promise.race([
        deps.db.pool.query('SELECT 1'),
        new Promise((_, reject) => setTimeout(() => reject(new Error('database ping timed out')), 2_000)),
      ]);
      res.json({ status: 'ready' });
    } catch {
      throw new AppError('unavailable', '数据库暂时不可用 (database unavailable)');
    }
  });
  return router;
}

export function siteApiRouter(deps: AppDeps): Router {
  const router = Router();
  router.get('/site', (_req, res) => {
    const { name, notices, support } = deps.config.site;
    res.set('Cache-Control', 'public, max-age=60').json({ name, notices, support });
  });
  router.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  return router;
}
