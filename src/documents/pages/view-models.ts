// What the templates print about a document: plain strings and highlight segments, all of
// them escaped by the template. Built from the contract's Document.
import { FORMATS } from '../../conversion/formats.js';
import type { Document } from '../documents.schemas.js';
import { humanSize } from '../../../public/js/format.js';
import { countLabel, highlight, priceLabel, type Segment, ymd } from './format.js';

export const STATUS_LABELS: Record<Document['status'], string> = {
  processing: '转换中',
  pending_review: '审核中',
  ready: '已发布',
  failed: '转换失败',
  rejected: '未通过审核',
  taken_down: '已下架',
};

export interface DocCard {
  id: number;
  url: string;
  title: string;
  titleSegments: Segment[];
  snippetSegments: Segment[] | null;
  format: string;
  formatClass: string;
  size: string;
  pages: string;
  date: string;
  price: string;
  free: boolean;
  views: string;
  downloads: string;
  favorites: string;
  rating: { label: string; count: number; average: number } | null;
  category: string;
  keywords: string[];
  uploaderName: string;
  /** The uploader's public page (/u/:id), linked from every 上传者 name. */
  uploaderUrl: string;
  status: Document['status'];
  statusLabel: string;
  failureReason: string | null;
  /** The first page's small image, or null: the listing shows the format icon instead. */
  thumbnailUrl: string | null;
  thumbnailAlt: string;
  thumbnailWidth: number;
  thumbnailHeight: number;
}

/** Pixel size of the listing thumbnails (the image is about 200 px wide; A4 proportions reserved). */
export const THUMBNAIL_BOX = { width: 200, height: 283 } as const;

export function docCard(doc: Document, opts: { terms?: readonly string[]; snippet?: string | null } = {}): DocCard {
  const terms = opts.terms ?? [];
  return {
    id: doc.id,
    url: `/doc/${doc.id}`,
    title: doc.title,
    titleSegments: highlight(doc.title, terms),
    snippetSegments: opts.snippet ? highlight(opts.snippet, terms) : null,
    format: doc.format,
    // fmt-<format> for the format, fmt-<colour> for its family's badge (PDF 红, PPT 橙, XLS 绿, DOC 蓝, TXT 灰).
    formatClass: `fmt-${doc.format.toLowerCase()} fmt-${FORMATS[doc.format].badge}`,
    size: humanSize(doc.sizeBytes),
    pages: doc.pages === null ? '—' : `${doc.pages}页`,
    date: ymd(doc.uploadedAt),
    price: priceLabel(doc.priceCents),
    free: doc.priceCents === 0,
    views: countLabel(doc.stats.views),
    downloads: countLabel(doc.stats.downloads),
    favorites: countLabel(doc.stats.favorites),
    // 「4.5分 (12人评)」, or null before the first rating.
    rating: doc.rating.count > 0 ? { label: `${doc.rating.average.toFixed(1)}分`, count: doc.rating.count, average: doc.rating.average } : null,
    category: doc.category,
    keywords: doc.keywords,
    uploaderName: doc.uploader.displayName,
    uploaderUrl: `/u/${doc.uploader.id}`,
    status: doc.status,
    statusLabel: STATUS_LABELS[doc.status],
    failureReason: doc.failureReason,
    thumbnailUrl: thumbnailOf(doc),
    thumbnailAlt: `《${doc.title}》第一页`,
    thumbnailWidth: THUMBNAIL_BOX.width,
    thumbnailHeight: THUMBNAIL_BOX.height,
  };
}

/** The document's first-page image URL (null before the page pipeline ran for it). */
export function thumbnailOf(doc: Document): string | null {
  return (doc as Document & { thumbnailUrl?: string | null }).thumbnailUrl ?? null;
}

