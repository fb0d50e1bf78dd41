// Documents API (issues 3 and 4): upload, read, list/search, preview, live status, edits,
// deletion, retry, favorites, related, and the caller's own uploads and favorites.
import { rm } from 'node:fs/promises';
import { Router, type RequestHandler } from 'express';
import type { AppDeps } from '../deps.js';
import { validationFailed } from '../errors.js';
import { requireActor } from '../auth/actor.js';
import { parseId, parseInput } from '../http/validate.js';
import { ListDocumentsQuery, PageQuery, UpdateDocumentBody, UploadFields } from './documents.schemas.js';
import {
  deleteDocument,
  getDocument,
  getDocumentPreview,
  getDocumentStatus,
  listMyDocuments,
  retryConversion,
  updateDocument,
} from './documents.service.js';
import { favoriteDocument, listFavorites, unfavoriteDocument } from './favorites.service.js';
import { listDocuments, listRelatedDocuments } from './search.service.js';
import { uploadDocument } from './upload.service.js';
import { uploadMiddleware } from './upload-storage.js';
import { DocumentStatusWatcher } from './status-events.js';
import { StreamSlots, streamDocumentStatus } from './status-stream.js';
import { viewerOfRequest } from './view-counter.js';
import { SHARED_TTL, setPageCache } from './pages/cache.js';
import { pagePreviewRouter } from './page-preview.routes.js';

// Refuses anonymous uploads before a byte of the file is read.
const loggedIn: RequestHandler = (req, _res, next) => {
  requireActor(req);
  next();
};

export function documentsApiRouter(deps: AppDeps): Router {
  const router = Router();
  const watcher = new DocumentStatusWatcher(deps.db.pool, deps.log, { listenUrl: deps.db.directConnectionString });
  const streamSlots = new StreamSlots();

  router.post(
    '/documents',
    loggedIn,
    deps.rateLimits.upload,
    uploadMiddleware(deps.config),
    async (req, res) => {
      const file = req.file;
      try {
        if (!file?.sha256) throw validationFailed('file: 请选择要上传的文档 (a file in field "file" is required)');
        const fields = parseInput(UploadFields, req.body);
        const upload = { path: file.path, size: file.size, sha256: file.sha256, originalName: file.originalname };
        res.status(202).json({ document: await uploadDocument(deps, requireActor(req), upload, fields) });
      } finally {
        if (file?.path) await rm(file.path, { force: true }); // moved to the blob store on success
      }
    },
  );

  router.get('/documents', async (req, res) => {
    res.json(await listDocuments(deps, parseInput(ListDocumentsQuery, req.query)));
  });

  router.get('/documents/:id', async (req, res) => {
    const id = parseId(req.params.id);
    const document = await getDocument(deps, req.actor, id, { viewer: viewerOfRequest(req) });
    // Anonymous reads may be shared for a few seconds (stats lag that much); a cached copy still counts a view.
    setPageCache(req, res, SHARED_TTL.doc);
    res.locals.onCacheReplay = (hit) => deps.views.count(id, viewerOfRequest(hit));
    res.json({ document });
  });

  router.get('/documents/:id/preview', async (req, res) => {
    res.json(await getDocumentPreview(deps, req.actor, parseId(req.params.id)));
  });

  router.use(pagePreviewRouter(deps));

  router.get('/documents/:id/events', async (req, res) => {
    const id = parseId(req.params.id);
    streamSlots.acquire(req, res);
    streamDocumentStatus(req, res, watcher, id, await getDocumentStatus(deps, req.actor, id));
  });

  router.get('/documents/:id/related', async (req, res) => {
    res.json(await listRelatedDocuments(deps, req.actor, parseId(req.params.id)));
  });

  router.patch('/documents/:id', async (req, res) => {
    const actor = requireActor(req);
    const id = parseId(req.params.id);
    res.json({ document: await updateDocument(deps, actor, id, parseInput(UpdateDocumentBody, req.body)) });
  });

  router.delete('/documents/:id', async (req, res) => {
    await deleteDocument(deps, requireActor(req), parseId(req.params.id));
    res.status(204).end();
  });

  router.post('/documents/:id/retry', async (req, res) => {
    res.status(202).json({ document: await retryConversion(deps, requireActor(req), parseId(req.params.id)) });
  });

  router.put('/documents/:id/favorite', async (req, res) => {
    await favoriteDocument(deps, requireActor(req), parseId(req.params.id));
    res.status(204).end();
  });

  router.delete('/documents/:id/favorite', async (req, res) => {
    await unfavoriteDocument(deps, requireActor(req), parseId(req.params.id));
    res.status(204).end();
  });

  router.get('/me/favorites', async (req, res) => {
    res.json(await listFavorites(deps, requireActor(req)));
  });

  router.get('/me/documents', async (req, res) => {
    res.json(await listMyDocuments(deps, requireActor(req), parseInput(PageQuery, req.query)));
  });

  return router;
}
