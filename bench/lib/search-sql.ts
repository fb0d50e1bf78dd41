// The exact SQL and parameters the search API runs for a query, captured from the documents
// search repository (so EXPLAIN shows the real plan, not a copy that may drift).
import type pg from 'pg';
import { selectListedDocuments } from '../../src/documents/search.repo.js';
import { queryTokens } from '../../src/documents/document-text.js';

export async function captureSearchSql(pool: pg.Pool, q: string): Promise<{ text: string; values: unknown[] }> {
  let captured: { text: string; values: unknown[] } | undefined;
  const spy = {
    query: (text: string, values: unknown[]) => {
      captured = { text, values };
      return pool.query(text, values);
    },
  } as unknown as pg.Pool;
  await selectListedDocuments(spy, { tokens: queryTokens(q), category: null, format: null, free: null }, 'relevance', null, 20);
  if (!captured) throw new Error('the search repository ran no query');
  return captured;
}
