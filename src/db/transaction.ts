// The only place that says BEGIN. Serialisation failures and deadlocks are retried here,
// so no such error ever reaches a client.
import type pg from 'pg';
import { isRetryableTransactionError } from './pg-errors.js';

export interface TransactionOptions {
  isolation?: 'read committed' | 'repeatable read' | 'serializable';
  retries?: number;
}

/** Runs `work` in one transaction on a client the caller holds (no retry). */
export async function inTransactionOn<T>(client: pg.PoolClient, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** Runs `work` in one transaction on one client; commits, or rolls back and rethrows. */
export async function withTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const retries = options.retries ?? 5;
  for (let attempt = 0; ; attempt++) {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query(options.isolation ? `BEGIN ISOLATION LEVEL ${options.isolation.toUpperCase()}` : 'BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true; // the connection is gone; do not hand it back to the pool
      }
      if (attempt < retries && isRetryableTransactionError(err)) {
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * (attempt + 1)));
        continue;
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }
}
