// The exact statements the search API runs for a query, captured from the documents search
// repository (so EXPLAIN shows the real plans, not a copy that may drift), including any it runs
// on a connection of its own (a transaction, session settings).
import type pg from 'pg';
import { selectListedDocuments } from '../../src/documents/search.repo.js';
import { queryTokens } from '../../src/documents/document-text.js';

export interface Statement {
  text: string;
  values?: unknown[];
}

export async function captureSearchSql(pool: pg.Pool, q: string): Promise<Statement[]> {
  const statements: Statement[] = [];
  const record = (target: { query: (text: string, values?: unknown[]) => Promise<unknown> }) => (text: string, values?: unknown[]) => {
    statements.push({ text, values });
    return target.query(text, values);
  };
  const spy = {
    query: record(pool),
    connect: async () => {
      const client = await pool.connect();
      return { query: record(client), release: () => client.release() };
    },
  } as unknown as pg.Pool;
  await selectListedDocuments(spy, { tokens: queryTokens(q), category: null, format: null, free: null }, 'relevance', null, 20);
  if (statements.length === 0) throw new Error('the search repository ran no query');
  return statements;
}

/** Replays captured statements on one connection, with EXPLAIN (ANALYZE, BUFFERS) on each query that has parameters. */
export async function explainStatements(pool: pg.Pool, statements: Statement[]): Promise<string[]> {
  const client = await pool.connect();
  const plans: string[] = [];
  try {
    for (const s of statements) {
      if (!s.values) {
        await client.query(s.text);
        continue;
      }
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${s.text}`, s.values);
      plans.push(rows.map((r) => r['QUERY PLAN']).join('\n'));
    }
  } finally {
    await client.query('ROLLBACK').catch(() => undefined); // a replay that ended mid-transaction
    client.release();
  }
  return plans;
}
