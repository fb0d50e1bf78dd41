// The document page's data: the document (a counted view), what of its preview this reader
// may see, related documents, favorite and ownership state, the share link.
import type { Request } from 'express';
import type { Actor, AppDeps } from '../../deps.js';
import { AppError } from '../../errors.js';
import type { PageOptions } from '../../http/render.js';
import { htmlToText } from '../../conversion/html.js';
import type { Preview } from '../documents.schemas.js';
import { getDocumentPreview, getDocumentWithEntitlement } from '../documents.service.js';
import { listRelatedDocuments, listRelatedToAny, listUploaderDocuments } from '../search.service.js';
import { findDeletedPublishedDocument } from './pages.repo.js';
import { rememberRecentView } from '../recent-views.service.js';
import { isFavoriteOf } from '../favorites.service.js';
import { metaDescription } from './format.js';
import { docCard, thumbnailOf } from './view-models.js';
import { viewerOfRequest } from '../view-counter.js';
import { docFeedback } from '../../ratings/ratings.pages.js';
import { documentSeo, scriptSafeJson } from '../../discovery/seo.js';
import { absoluteBase } from '../../discovery/discovery.routes.js';
import { fontNotice, fontSubstitutionsFor, pageListOf, type PageList } from '../page-preview.service.js';

type Deps = Pick<AppDeps, 'db' | 'views' | 'jobs' | 'config' | 'clock' | 'log'>;

/** The download's words for the page (buttons, dialog), decided by the feature that sells; the template reads the rest. */
export type DescribeDownloadOf = (actor: Actor | null, documentId: number, price: string) => Promise<{ note: string | null; kind: string }>;

/** How many of the uploader's other documents the page shows (「TA的文档」). */
const UPLOADER_DOCS_SHOWN = 5;

/** Previews with less text than this are shown open, without 展开/收起. */
const COLLAPSE_ABOVE_CHARS = 1500;
/** Page boxes written into the HTML; past these reader.js builds them. */
const SERVED_PAGE_BOXES = 300;
/** The text copy in the page (for search engines and readers without scripts) stops here. */
const PAGE_TEXT_CHARS = 20_000;

/** A document without a preview (409 from the service) is shown without one; other errors propagate. */
const noPreview = (err: unknown): null => {
  if (err instanceof AppError && err.code === 'conflict') return null;
  throw err;
};

/**
 * Base of links shown to readers: PUBLIC_URL, else empty (links stay relative). Never the request's
 * Host header: a page cached for everyone must not carry a host an attacker sent (cache poisoning).
 */
export function siteBase(deps: Pick<AppDeps, 'config'>): string {
  return (deps.config.publicUrl ?? '').replace(/\/+$/u, '');
}

/** The first-page thumbnail as an absolute URL (og:image), or null. */
function absoluteThumbnail(deps: Pick<AppDeps, 'config'>, doc: Parameters<typeof thumbnailOf>[0]): string | null {
  const thumb = thumbnailOf(doc);
  return thumb === null ? null : new URL(thumb, `${absoluteBase(deps)}/`).href;
}

/**
 * `describeDownload`: what a download costs this reader, in the page's words — payments' to say
 * (wired in app.ts), so this catalog page imports no feature that sells.
 */
export async function buildDocPage(deps: Deps, req: Request, id: number, describeDownload: DescribeDownloadOf): Promise<{ data: Record<string, unknown>; page: PageOptions }> {
  const actor = req.actor;
  const { document: doc, entitlement, mayRetry } = await getDocumentWithEntitlement(deps, actor, id, { viewer: viewerOfRequest(req) });
  const [preview, related, favorited, feedback, fontSubstitutions, byUploader, download] = await Promise.all([
    // Admins also see a taken-down document's preview, the uploader and admins one waiting for
    // review or rejected; a conversion in progress (or failed) has none.
    doc.status !== 'processing' && doc.status !== 'failed'
      ? getDocumentPreview(deps, actor, id).catch(noPreview)
      : Promise.resolve(null as Preview | null),
    listRelatedDocuments(deps, actor, id, 8),
    isFavoriteOf(deps, actor, id),
    docFeedback(deps, actor, id, { rated: req.query.rated, commented: req.query.commented }), // ratings and comments (issue 16)
    fontSubstitutionsFor(deps, actor, doc),
    listUploaderDocuments(deps, doc.uploader.id, { except: id, limit: UPLOADER_DOCS_SHOWN }),
    describeDownload(actor ?? null, id, docCard(doc).price), // what a download costs this reader (the sale decision)
    rememberRecentView(deps, actor, doc), // 最近浏览
  ]);
  // Only what this reader may see is flattened: a truncated preview never held the rest.
  const text = preview ? htmlToText(preview.html) : '';
  const mayListPages = !!preview && thumbnailOf(doc) !== null && entitlement.level !== 'none';
  // The page list goes into the HTML and page 1's image is in the markup, so the browser starts
  // that image (the page's largest paint) from the first bytes, not after a script and a fetch.
  const pageList: PageList | null = mayListPages ? await pageListOf(deps, doc, entitlement).catch(noPreview) : null;
  const base = siteBase(deps);
  const path = `/doc/${id}`;
  const back = encodeURIComponent(path);
  const data = {
    doc: {
      ...docCard(doc),
      uploadedAt: doc.uploadedAt,
      priceCents: doc.priceCents,
      freePreviewPages: doc.freePreviewPages,
      favoritesCount: doc.stats.favorites,
      description: doc.description,
    },
    viewer: {
      loggedIn: !!actor,
      isUploader: !!actor && actor.userId === doc.uploader.id,
      isAdmin: actor?.role === 'admin',
      mayRetry,
      favorited,
      ownershipNote: download.note,
      bought: download.kind === 'bought',
      download,
    },
    preview: {
      state: preview ? 'ready' : doc.status === 'processing' ? 'processing' : 'failed',
      frameUrl: `${path}/preview`,
      text: text.length > PAGE_TEXT_CHARS ? `${text.slice(0, PAGE_TEXT_CHARS)}…` : text,
      pagesShown: preview?.pagesShown ?? 0,
      totalPages: preview?.totalPages ?? doc.pages ?? 0,
      truncated: preview?.truncated ?? false,
      remaining: preview ? Math.max(0, preview.totalPages - preview.pagesShown) : 0,
      collapsible: text.length > COLLAPSE_ABOVE_CHARS,
      // Page images exist once the page pipeline ran (it always makes the thumbnail).
      hasPages: !!pageList && pageList.pages.length > 0,
      pagesUrl: `/api/v1/documents/${id}/pages`,
      // The boxes in the HTML; a very long document gets the rest from reader.js.
      pageBoxes: pageList?.pages.slice(0, SERVED_PAGE_BOXES) ?? [],
      pagesJson: pageList ? scriptSafeJson(pageList) : null,
    },
    takenDown: doc.status === 'taken_down',
    // Review before publish (REVIEW_MODE): only the uploader and admins reach such a page.
    review: doc.status === 'pending_review' || doc.status === 'rejected'
      ? { status: doc.status, reason: doc.failureReason, canAppeal: doc.status === 'rejected' && !!actor && actor.userId === doc.uploader.id }
      : null,
    // Uploader and admins only: 「字体已替换：… → …，预览与原文可能略有差异」.
    fontSubstitutions,
    fontNotice: fontNotice(fontSubstitutions),
    pagesUrl: `/api/v1/documents/${id}/pages`,
    related: related.items.map((d) => docCard(d)),
    // 「TA的文档」, linked to the uploader's public page (/u/:id).
    uploader: { name: doc.uploader.displayName, url: `/u/${doc.uploader.id}`, documents: byUploader.map((d) => docCard(d)) },
    share: {
      url: actor ? `${base}${path}?ref=${encodeURIComponent(actor.referralCode)}` : `${base}${path}`,
      percent: Math.round(deps.config.referralShare * 100),
      qrUrl: `${path}/share-qr.svg${actor ? `?ref=${encodeURIComponent(actor.referralCode)}` : ''}`,
    },
    feedback,
    loginUrl: `/login?next=${back}`,
    loginDownloadUrl: `/login?next=${back}${encodeURIComponent('#download')}`,
  };
  const description = metaDescription([text || doc.description || doc.title], 150) || doc.title;
  const page: PageOptions = {
    title: `${doc.title} - ${doc.format}`,
    description,
    // Structured data and OpenGraph need absolute URLs: PUBLIC_URL, else http://localhost:PORT (never the Host header).
    ...(doc.status === 'ready' ? { seo: documentSeo(doc, `${absoluteBase(deps)}${path}`, description, deps.config.site.name, absoluteThumbnail(deps, doc)) } : {}),
    canonical: `${base}${path}`,
    scripts: ['doc.js', 'reader.js'],
    noindex: doc.status !== 'ready',
  };
  return { data, page };
}

/**
 * The page of a document its uploader deleted after publishing it: says so, with related documents,
 * answered 410 Gone (it existed and was removed on purpose: search engines drop it at once, unlike a
 * 404 they retry). null when the id is not such a document (then the ordinary 404).
 */
export async function buildDeletedDocPage(deps: Deps, id: number): Promise<{ data: Record<string, unknown>; page: PageOptions } | null> {
  const gone = await findDeletedPublishedDocument(deps.db.pool, id);
  if (!gone) return null;
  const related = await listRelatedToAny(deps, id, 8);
  return {
    data: { title: gone.title, category: gone.category, related: related.map((d) => docCard(d)) },
    page: { title: `文档已删除：${gone.title}`, noindex: true },
  };
}
