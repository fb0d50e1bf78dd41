// Structured data and OpenGraph for the document page (issue 16): schema.org DigitalDocument with
// name, author, datePublished, numberOfPages and an Offer in CNY, plus og:* tags. The JSON-LD is
// a data block (<script type="application/ld+json">): browsers never execute it, so the CSP's
// script-src does not apply to it (checked in Chromium by the browser test), and it is escaped
// so no text in a title can close the element.
import type { Document } from '../documents/documents.schemas.js';

export interface SeoTags {
  og: Array<{ property: string; content: string }>;
  /** Serialised JSON-LD, safe to place between <script type="application/ld+json"> tags unescaped. */
  jsonLd: string;
}

/** JSON that cannot end its <script> element or open a comment: <, >, & and U+2028/9 as \u escapes. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The tags for a document page whose canonical URL is `url` (absolute when PUBLIC_URL is set). */
/**
 * `imageUrl`: the first-page thumbnail, absolute (a chat app such as WeChat shows it in the link's
 * card), or null when the document has none.
 */
export function documentSeo(doc: Document, url: string, description: string, siteName: string, imageUrl: string | null = null): SeoTags {
  const price = (doc.priceCents / 100).toFixed(2);
  const ld: Record<string, unknown> = {
    '@context': 'https://schema.org',
    '@type': 'DigitalDocument',
    name: doc.title,
    url,
    description,
    datePublished: doc.uploadedAt,
    author: { '@type': 'Person', name: doc.uploader.displayName },
    encodingFormat: doc.format,
    inLanguage: 'zh-CN',
    keywords: doc.keywords.join(','),
    ...(imageUrl ? { thumbnailUrl: imageUrl } : {}),
    offers: { '@type': 'Offer', price, priceCurrency: 'CNY', availability: 'https://schema.org/InStock', url },
  };
  if (doc.pages !== null) ld.numberOfPages = doc.pages;
  if (doc.rating.count > 0) {
    ld.aggregateRating = { '@type': 'AggregateRating', ratingValue: doc.rating.average, ratingCount: doc.rating.count, bestRating: 5, worstRating: 1 };
  }
  return {
    og: [
      { property: 'og:type', content: 'article' },
      { property: 'og:site_name', content: siteName },
      { property: 'og:title', content: doc.title },
      { property: 'og:description', content: description },
      { property: 'og:url', content: url },
      { property: 'og:locale', content: 'zh_CN' },
      ...(imageUrl ? [{ property: 'og:image', content: imageUrl }, { property: 'og:image:alt', content: `《${doc.title}》第 1 页` }] : []),
    ],
    jsonLd: scriptSafeJson(ld),
  };
}
