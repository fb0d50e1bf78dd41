// The database's own guards on the ledger, exercised with raw SQL as a buggy caller would write it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { CLEAN_LEDGER, ledgerInvariants } from '../../test/factories.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => ctx.close());

const q = (sql: string, params: unknown[] = []) => ctx.deps.db.pool.query(sql, params);
const count = async (table: string) => (await q(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n as number;
const systemAccount = async (kind: string) => (await q(`SELECT id FROM ledger_accounts WHERE kind = $1 AND user_id IS NULL`, [kind])).rows[0].id as number;

describe('ledger guards in the database', () => {
  it('when one statement inserts entries that do not sum to zero, then it is refused and nothing is written', async () => {
    const before = await count('ledger_entries');
    const platform = await systemAccount('platform_revenue');
    const adjustments = await systemAccount('adjustments');
    await expect(
      q(
        `WITH t AS (INSERT INTO ledger_transactions (kind) VALUES ('admin_credit') RETURNING id)
         INSERT INTO ledger_entries (transaction_id, account_id, amount_cents, kind)
         SELECT t.id, a, v, 'admin_credit' FROM t, unnest($1::bigint[], $2::bigint[]) AS x(a, v)`,
        [[platform, adjustments], [100, -99]],
      ),
    ).rejects.toMatchObject({ code: '23514', constraint: 'ledger_entries_balanced' });
    expect(await count('ledger_entries')).toBe(before);
  });

  it('when a later statement adds a one-sided entry to a balanced transaction, then it is refused', async () => {
    const platform = await systemAccount('platform_revenue');
    const adjustments = await systemAccount('adjustments');
    const { rows } = await q(`INSERT INTO ledger_transactions (kind) VALUES ('admin_credit') RETURNING id`);
    const transactionId = rows[0].id as number;
    await q(
      `INSERT INTO ledger_entries (transaction_id, account_id, amount_cents, kind) VALUES ($1, $2, 50, 'admin_credit'), ($1, $3, -50, 'admin_credit')`,
      [transactionId, platform, adjustments],
    );
    await expect(
      q(`INSERT INTO ledger_entries (transaction_id, account_id, amount_cents, kind) VALUES ($1, $2, 1, 'admin_credit')`, [transactionId, platform]),
    ).rejects.toMatchObject({ constraint: 'ledger_entries_balanced' });
    expect(await ledgerInvariants(ctx)).toEqual(CLEAN_LEDGER);
  });

  it('when something tries to cache a balance on a system account, or drop one from a wallet, then the row is refused', async () => {
    const user = await registerUser(ctx);
    await expect(q(`UPDATE ledger_accounts SET balance_cents = 0 WHERE kind = 'platform_revenue'`)).rejects.toMatchObject({
      constraint: 'ledger_accounts_balance_cached_for_users',
    });
    await expect(q(`UPDATE ledger_accounts SET balance_cents = NULL WHERE user_id = $1`, [user.user.id])).rejects.toMatchObject({
      constraint: 'ledger_accounts_balance_cached_for_users',
    });
  });

  it('when an entry is updated or deleted, then it is refused (the ledger is append-only)', async () => {
    await expect(q(`UPDATE ledger_entries SET amount_cents = amount_cents + 1`)).rejects.toMatchObject({ code: '23514' });
    await expect(q(`DELETE FROM ledger_entries`)).rejects.toMatchObject({ code: '23514' });
  });

  it('when an entry names a document that does not exist, then it is refused and nothing is written', async () => {
    const platform = await systemAccount('platform_revenue');
    const adjustments = await systemAccount('adjustments');
    const before = await count('ledger_entries');
    const missing = (await q(`SELECT coalesce(max(id), 0) + 1000 AS id FROM documents`)).rows[0].id as number;
    await expect(
      q(
        `WITH t AS (INSERT INTO ledger_transactions (kind) VALUES ('admin_credit') RETURNING id)
         INSERT INTO ledger_entries (transaction_id, account_id, amount_cents, kind, document_id)
         SELECT t.id, a, v, 'admin_credit', $3 FROM t, unnest($1::bigint[], $2::bigint[]) AS x(a, v)`,
        [[platform, adjustments], [100, -100], missing],
      ),
    ).rejects.toMatchObject({ code: '23503', constraint: 'ledger_entries_document_id_fkey' });
    expect(await count('ledger_entries')).toBe(before);
    expect(await ledgerInvariants(ctx)).toEqual(CLEAN_LEDGER);
  });

  it('when the schema is inspected, then no index repeats a primary key', async () => {
    const { rows } = await q(
      `SELECT i.indexrelid::regclass::text AS name
         FROM pg_index i
         JOIN pg_index pk ON pk.indrelid = i.indrelid AND pk.indisprimary AND pk.indexrelid <> i.indexrelid
        WHERE i.indkey::text = pk.indkey::text AND i.indpred IS NULL
          AND i.indrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)`,
    );
    expect(rows).toEqual([]);
  });
});
