// An uploader's public page (/u/:id): display name, join date, totals and public documents.
import type { AppDeps } from '../deps.js';
import { notFound } from '../errors.js';
import type { Document } from './documents.schemas.js';
import { presentDocument } from './documents.present.js';
import { findUploader, listListedDocumentsOfUploader } from './uploaders.repo.js';

type Deps = Pick<AppDeps, 'db' | 'views'>;

export interface UploaderProfile {
  id: number;
  displayName: string;
  joinedAt: Date;
  totals: { documents: number; downloads: number };
  documents: Document[];
  /** The id to page on from (`?before=`), or null on the last page. */
  nextBeforeId: number | null;
}

/** The uploader and a page of their listed documents; 404 for an unknown user. */
export async function getUploaderProfile(deps: Deps, id: number, page: { limit: number; beforeId: number | null }): Promise<UploaderProfile> {
  const [uploader, rows] = await Promise.all([
    findUploader(deps.db.pool, id),
    listListedDocumentsOfUploader(deps.db.pool, id, page.limit + 1, page.beforeId),
  ]);
  if (!uploader) throw notFound('用户');
  const shown = rows.slice(0, page.limit);
  return {
    id: uploader.id,
    displayName: uploader.displayName,
    joinedAt: uploader.joinedAt,
    totals: { documents: uploader.documents, downloads: uploader.downloads },
    documents: shown.map((r) => presentDocument(r, deps.views.unsaved(r.id))),
    nextBeforeId: rows.length > page.limit ? shown[shown.length - 1]!.id : null,
  };
}
