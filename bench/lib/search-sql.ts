// The exact SQL and parameters the search API runs for a query, captured from the documents
// search repository (so EXPLAIN shows the real plans, not copies that may drift): every
// statement in order — the popularity floors looked up, each try for the candidates, the page.
import type pg from 'pg';
import { selectListedDocuments } from '../../src/documents/search.repo.js';
import { searchQuery } from '../../src/documents/document-text.js';
import { recordingPool } from '../../src/db/recording-pool.js';

export async function captureSearchSql(pool: pg.Pool, q: string, category: string | null = null): Promise<Array<{ text: string; values: unknown[] }>> {
  const captured: Array<{ text: string; values: unknown[] }> = [];
  const spy = recordingPool(pool, (text, values) => captured.push({ text, values: values ?? [] }));
  await selectListedDocuments(spy, { ...searchQuery(q), category, format: null, free: null }, 'relevance', null, 20);
  if (captured.length === 0) throw new Error('the search repository ran no query');
  return captured;
}
