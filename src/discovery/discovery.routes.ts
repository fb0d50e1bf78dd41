// Discovery (issue 16): /robots.txt, /sitemap.xml (an index) and /sitemaps/N.xml (at most
// 50,000 document URLs each, the sitemap protocol's limit). Files are written as a stream from
// keyset pages of 1,000 rows, so memory does not grow with the number of documents.
//
// The protocol needs absolute URLs. They are built from PUBLIC_URL only, never from the Host
// header (a cached answer must not carry a host an attacker sent); with PUBLIC_URL unset they
// use http://localhost:PORT, which is right for a development machine and says plainly in the
// file that the setting is missing (README, Settings).
import { Router, type Response } from 'express';
import type { AppDeps } from '../deps.js';
import { notFound } from '../errors.js';
import { siteBase } from '../mail/links.js';
import { countListedDocuments, listedIdBefore, selectListedAfter } from './sitemap.repo.js';

export const SITEMAP_URLS_PER_FILE = 50_000;
const PAGE_ROWS = 1_000;

export interface DiscoveryOptions {
  /** URLs per sitemap file (tests use a small number). */
  urlsPerFile?: number;
  pageRows?: number;
}

/** The absolute base of every URL the sitemap and robots.txt name. */
export function absoluteBase(deps: Pick<AppDeps, 'config'>): string {
  return siteBase(deps.config);
}

const xmlEscape = (s: string) => s.replace(/[<>&'"]/gu, (c) => `&#${c.charCodeAt(0)};`);

/** Writes a chunk, waiting for the socket to drain when its buffer is full. */
async function write(res: Response, chunk: string): Promise<void> {
  if (!res.write(chunk)) await new Promise<void>((resolve) => res.once('drain', resolve));
}

export function discoveryRouter(deps: AppDeps, options: DiscoveryOptions = {}): Router {
  const perFile = options.urlsPerFile ?? SITEMAP_URLS_PER_FILE;
  const pageRows = Math.min(options.pageRows ?? PAGE_ROWS, perFile);
  const router = Router();

  router.get('/robots.txt', (_req, res) => {
    const base = absoluteBase(deps);
    res.type('text/plain').set('Cache-Control', 'public, max-age=3600');
    res.send(
      [
        'User-agent: *',
        // Private, per-user or state-changing pages, and the preview frames (the page itself carries the text).
        'Disallow: /api/',
        'Disallow: /dl/',
        'Disallow: /me',
        'Disallow: /wallet',
        'Disallow: /admin',
        'Disallow: /login',
        'Disallow: /register',
        'Disallow: /upload',
        'Disallow: /doc/*/preview',
        'Allow: /',
        '',
        `Sitemap: ${base}/sitemap.xml`,
        '',
      ].join('\n'),
    );
  });

  router.get('/sitemap.xml', async (_req, res) => {
    const base = absoluteBase(deps);
    const files = Math.max(1, Math.ceil((await countListedDocuments(deps.db.pool)) / perFile));
    res.type('application/xml').set('Cache-Control', 'public, max-age=600');
    let xml = '<?xml version="1.0" encoding="UTF-8"?>\n';
    if (!deps.config.publicUrl) xml += '<!-- PUBLIC_URL is not set: these URLs use http://localhost; set it to the site\'s public address. -->\n';
    xml += '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n';
    for (let n = 1; n <= files; n++) xml += `<sitemap><loc>${xmlEscape(`${base}/sitemaps/${n}.xml`)}</loc></sitemap>\n`;
    res.send(`${xml}</sitemapindex>\n`);
  });

  router.get('/sitemaps/:n.xml', async (req, res) => {
    const n = /^[1-9]\d{0,6}$/u.test(req.params.n) ? Number(req.params.n) : NaN;
    if (!Number.isSafeInteger(n)) throw notFound('站点地图');
    let after = await listedIdBefore(deps.db.pool, (n - 1) * perFile);
    // Past the last file (the first one always exists, if empty).
    if (after === null || (n > 1 && (await selectListedAfter(deps.db.pool, after, 1)).length === 0)) throw notFound('站点地图');
    const base = absoluteBase(deps);
    res.type('application/xml').set('Cache-Control', 'public, max-age=600');
    await write(res, '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n');
    if (n === 1) await write(res, `<url><loc>${xmlEscape(`${base}/`)}</loc></url>\n`);
    let left = perFile;
    while (left > 0) {
      const rows = await selectListedAfter(deps.db.pool, after, Math.min(pageRows, left));
      if (rows.length === 0) break;
      let chunk = '';
      for (const r of rows) chunk += `<url><loc>${xmlEscape(`${base}/doc/${r.id}`)}</loc><lastmod>${r.updatedAt.toISOString()}</lastmod></url>\n`;
      await write(res, chunk);
      after = rows[rows.length - 1]!.id;
      left -= rows.length;
    }
    res.end('</urlset>\n');
  });

  return router;
}
