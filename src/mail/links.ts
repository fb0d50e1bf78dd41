// The one place that makes a link absolute for a mail (and for anything else that must be
// absolute: the sitemap, robots.txt). From PUBLIC_URL; unset, the documented fallback
// http://localhost:PORT. Never from a request's Host header: a forged Host would put another
// site into a mail.
import type { Config } from '../config.js';

type LinkConfig = Pick<Config, 'publicUrl' | 'port'>;

/** The site's absolute base, without a trailing slash. */
export function siteBase(config: LinkConfig): string {
  return (config.publicUrl ?? `http://localhost:${config.port}`).replace(/\/+$/u, '');
}

/** `path` (a site path such as /doc/30, or already absolute) as an absolute URL on this site. */
export function absoluteLink(config: LinkConfig, path: string): string {
  return new URL(path, `${siteBase(config)}/`).toString();
}
