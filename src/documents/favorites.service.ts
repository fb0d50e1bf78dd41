// Favorites (收藏): idempotent add and remove; the document's count changes in the same transaction.
import type { Actor, AppDeps } from '../deps.js';
import { withTransaction } from '../db/transaction.js';
import { notFound } from '../errors.js';
import type { Document } from './documents.schemas.js';
import { findDocumentVisibleTo } from './documents.repo.js';
import { presentDocument } from './documents.present.js';
import { adjustFavoritesCount, deleteFavorite, insertFavorite, isFavorite, selectFavoriteDocuments } from './favorites.repo.js';
import { viewerOf } from './documents.service.js';

type Deps = Pick<AppDeps, 'db' | 'views'>;

/** Adds the document to the actor's favorites (no-op if already there). 404 if not visible. */
export async function favoriteDocument(deps: Deps, actor: Actor, id: number): Promise<void> {
  if (!(await findDocumentVisibleTo(deps.db.pool, viewerOf(actor), id))) throw notFound('文档');
  await withTransaction(deps.db.pool, async (tx) => {
    if (await insertFavorite(tx, actor.userId, id)) await adjustFavoritesCount(tx, id, 1);
  });
}

/** Removes the document from the actor's favorites (no-op if not there, also for hidden documents). */
export async function unfavoriteDocument(deps: Deps, actor: Actor, id: number): Promise<void> {
  await withTransaction(deps.db.pool, async (tx) => {
    if (await deleteFavorite(tx, actor.userId, id)) await adjustFavoritesCount(tx, id, -1);
  });
}

/** The actor's favorites they may still see, most recent first (at most `limit`). */
export async function listFavorites(deps: Deps, actor: Actor, limit = 100): Promise<{ items: Document[] }> {
  const rows = await selectFavoriteDocuments(deps.db.pool, actor.userId, actor.role === 'admin', limit);
  return { items: rows.map((r) => presentDocument(r, deps.views.unsaved(r.id))) };
}

/** Whether the document is among the actor's favorites (false for anonymous callers). */
export async function isFavoriteOf(deps: Deps, actor: Actor | null, id: number): Promise<boolean> {
  return !!actor && isFavorite(deps.db.pool, actor.userId, id);
}
