// A document row as the contract's Document. The only place that shapes it.
import type { Document } from './documents.schemas.js';
import type { DocumentRow } from './documents.repo.js';
import { contractStatus } from './visibility.js';
import { thumbnailUrl } from './page-urls.js';

export function presentDocument(row: DocumentRow, extraViews = 0): Document {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    format: row.format,
    sizeBytes: row.sizeBytes,
    pages: row.pages,
    wordCount: row.wordCount,
    uploadedAt: row.createdAt.toISOString(),
    keywords: row.keywords,
    category: row.category,
    priceCents: row.priceCents,
    freePreviewPages: row.freePreviewPages,
    status: contractStatus(row),
    failureReason: row.failureReason ?? null,
    thumbnailUrl: row.thumbnailKey ? thumbnailUrl(row.id, row.renderVersion) : null,
    uploader: { id: row.uploaderId, displayName: row.uploaderName },
    stats: { views: row.views + extraViews, downloads: row.downloads, favorites: row.favoritesCount },
    originalFilename: row.originalFilename,
    // One decimal, as pages show it; 0 when nobody rated yet.
    rating: { average: row.ratingCount ? Math.round((row.ratingSum / row.ratingCount) * 10) / 10 : 0, count: row.ratingCount },
  };
}
