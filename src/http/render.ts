// Server-rendered pages: Eta templates (escaping by default) inside one layout.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Request, Response } from 'express';
import { Eta } from 'eta';
import type { Config } from '../config.js';
import { formatDateTime } from '../../public/js/format.js';
import type { SeoTags } from '../discovery/seo.js';
import { DOCUMENT_FORMATS, acceptedFamiliesText, acceptedFormatsText } from '../conversion/formats.js';

/** The accepted formats as every page words them, from the one format table (src/conversion/formats.ts). */
export const FORMAT_WORDS = { text: acceptedFormatsText(), families: acceptedFamiliesText(), count: DOCUMENT_FORMATS.length } as const;

export const VIEWS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../views');

export interface PageOptions {
  title: string;
  /** The title is already complete (the home page names the site itself): no " - site name". */
  fullTitle?: boolean;
  description?: string;
  /** Extra scripts from /static/js, loaded as ES modules (deferred, may import format.js). */
  scripts?: string[];
  canonical?: string;
  noindex?: boolean;
  /** OpenGraph tags and the JSON-LD data block (src/discovery/seo.ts). */
  seo?: SeoTags;
}

export type CsrfTokenFn = (req: Request, res: Response) => string;

export function createRenderer(config: Pick<Config, 'site' | 'env' | 'timezone'>, csrfToken: CsrfTokenFn) {
  const eta = new Eta({ views: VIEWS_DIR, autoEscape: true, cache: config.env === 'production', autoTrim: false });
  return function renderPage(req: Request, res: Response, view: string, data: Record<string, unknown>, page: PageOptions) {
    const locals: Record<string, unknown> = {
      ...data,
      page,
      site: config.site,
      formats: FORMAT_WORDS,
      actor: req.actor,
      unreadNotifications: req.unreadNotifications ?? 0,
      currentPath: req.originalUrl,
      // The one way a page writes a time: TIMEZONE, "2026-12-02 04:07" (after `data`: it wins).
      formatTime: (at: Date | string | null | undefined) => formatDateTime(at, config.timezone),
    };
    // The CSRF token (and its cookie) only when the page uses it: a form, or a logged-in
    // reader's scripts. Anonymous reading pages then carry no Set-Cookie and stay cacheable.
    // Views read `it.csrfToken`; the layout (rendered with a copy of the data) calls `it.csrf()`.
    let token: string | undefined;
    const csrf = () => (token ??= csrfToken(req, res));
    locals.csrf = csrf;
    Object.defineProperty(locals, 'csrfToken', { enumerable: false, get: csrf });
    const html = eta.render(view, locals);
    res.type('html').send(html);
  };
}

export type RenderPage = ReturnType<typeof createRenderer>;
