// 最近浏览 (issue 16): what a logged-in reader opened lately, for /me and the home page. Only
// other people's listed documents: one's own uploads are on 我的上传, and a document that was
// taken down or deleted since drops out of the list by itself.
import type { Actor, AppDeps } from '../deps.js';
import type { Document } from './documents.schemas.js';
import { presentDocument } from './documents.present.js';
import { deleteRecentViews, selectRecentViews, upsertRecentView } from './recent-views.repo.js';

type Deps = Pick<AppDeps, 'db' | 'views' | 'clock' | 'log'>;

/** Rows kept per reader; the pages show fewer. */
export const RECENT_VIEWS_KEPT = 30;

/**
 * Remembers that `actor` opened the document (nothing for visitors, or for one's own or an
 * unlisted document). A failure is logged and never costs the reader the page.
 */
export async function rememberRecentView(deps: Deps, actor: Actor | null, doc: Pick<Document, 'id' | 'status' | 'uploader'>): Promise<void> {
  if (!actor || doc.uploader.id === actor.userId || doc.status !== 'ready') return;
  try {
    await upsertRecentView(deps.db.pool, { userId: actor.userId, documentId: doc.id, at: deps.clock.now(), keep: RECENT_VIEWS_KEPT });
  } catch (err) {
    deps.log.warn({ err, documentId: doc.id }, 'recent view not recorded');
  }
}

/** The reader's recently viewed documents, newest visit first (at most `limit`). */
export async function listRecentViews(deps: Pick<AppDeps, 'db' | 'views'>, actor: Actor, limit: number): Promise<Document[]> {
  const rows = await selectRecentViews(deps.db.pool, actor.userId, Math.min(limit, RECENT_VIEWS_KEPT));
  return rows.map((r) => presentDocument(r, deps.views.unsaved(r.id)));
}

/** Empties the reader's list. */
export async function clearRecentViews(deps: Pick<AppDeps, 'db'>, actor: Actor): Promise<void> {
  await deleteRecentViews(deps.db.pool, actor.userId);
}
