// SQL for the generated secrets kept in the database (migration 0100).
import type { Queryable } from '../db/pool.js';

/** Stores `value` under `name` unless a value is there already (the first writer wins). */
export async function insertSecretIfAbsent(db: Queryable, name: string, value: string): Promise<void> {
  await db.query('INSERT INTO generated_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, value]);
}

/** The stored value of `name`, or null. */
export async function findSecret(db: Queryable, name: string): Promise<string | null> {
  const { rows } = await db.query<{ value: string }>('SELECT value FROM generated_secrets WHERE name = $1', [name]);
  return rows[0]?.value ?? null;
}
