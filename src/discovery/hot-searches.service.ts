// 「热门搜索」 (issue 16): the words most people searched for this week, under the search box.
import type { AppDeps } from '../deps.js';
import { deleteSearchesBefore, insertSearch, selectHotTerms } from './hot-searches.repo.js';

type Deps = Pick<AppDeps, 'db' | 'clock' | 'log'>;

export const HOT_TERMS = 10;
/** A term shows only once this many different searchers asked for it. */
export const HOT_MIN_SEARCHERS = 3;
const WEEK_DAYS = 7;
const MAX_TERM_CHARS = 40;

const dayOf = (d: Date, minusDays = 0) => new Date(d.getTime() - minusDays * 86_400_000).toISOString().slice(0, 10);

/** The one normalisation: NFKC (full-width to half-width), lower case, runs of spaces as one; null when empty or too long. */
export function normaliseTerm(q: string): string | null {
  const t = q.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
  return t.length > 0 && [...t].length <= MAX_TERM_CHARS ? t : null;
}

/** Logs a search (at most once per searcher, term and day). Never fails the search: errors are logged. */
export async function logSearch(deps: Deps, q: string | undefined, searcher: string): Promise<void> {
  const term = q ? normaliseTerm(q) : null;
  if (!term) return;
  try {
    const now = deps.clock.now();
    await insertSearch(deps.db.pool, dayOf(now), term, searcher);
    if (Math.random() < 0.01) await deleteSearchesBefore(deps.db.pool, dayOf(now, WEEK_DAYS + 1));
  } catch (err) {
    deps.log.warn({ err }, 'search log write failed');
  }
}

/** This week's top terms, each searched by at least HOT_MIN_SEARCHERS different people. */
export async function hotSearches(deps: Deps): Promise<Array<{ term: string; href: string }>> {
  const rows = await selectHotTerms(deps.db.pool, dayOf(deps.clock.now(), WEEK_DAYS - 1), HOT_MIN_SEARCHERS, HOT_TERMS);
  return rows.map((r) => ({ term: r.term, href: `/search?q=${encodeURIComponent(r.term)}` }));
}
