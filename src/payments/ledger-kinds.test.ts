// Ledger kinds are one list (ledger-kinds.ts): the database's CHECK constraints hold the same
// names, a posting with another kind is refused by the database, and checkPosting refuses a kind
// on the wrong side (a platform fee on a user's wallet).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { withTransaction } from '../db/transaction.js';
import { EARNING_ENTRY_KINDS, ENTRY_KINDS, ENTRY_KIND_LABELS, TRANSACTION_KINDS } from './ledger-kinds.js';
import { checkPosting, lockUserAccounts } from './ledger.service.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => ctx.close());

const q = (sql: string, params: unknown[] = []) => ctx.deps.db.pool.query(sql, params);
/** The quoted names a CHECK (kind IN (...)) constraint allows. */
const checkedKinds = async (constraint: string) => {
  const { rows } = await q(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = $1`, [constraint]);
  return [...String(rows[0]!.def).matchAll(/'([a-z_]+)'/g)].map((m) => m[1]).sort();
};

describe('ledger kinds', () => {
  it('when the schema is read, then the CHECK constraints allow exactly the kinds of ledger-kinds.ts', async () => {
    expect(await checkedKinds('ledger_entries_kind_check')).toEqual(Object.keys(ENTRY_KINDS).sort());
    expect(await checkedKinds('ledger_transactions_kind_check')).toEqual([...TRANSACTION_KINDS].sort());
  });

  it('when a statement posts a kind outside the list, then the database refuses it and nothing is written', async () => {
    const before = (await q(`SELECT count(*)::int AS n FROM ledger_entries`)).rows[0].n as number;
    const ids = (await q(`SELECT id FROM ledger_accounts WHERE user_id IS NULL AND kind IN ('platform_revenue', 'adjustments') ORDER BY kind`)).rows.map((r) => r.id as number);
    await expect(
      q(`WITH t AS (INSERT INTO ledger_transactions (kind) VALUES ('admin_credit') RETURNING id)
         INSERT INTO ledger_entries (transaction_id, account_id, amount_cents, kind)
         SELECT t.id, a, v, 'sales' FROM t, unnest($1::bigint[], $2::bigint[]) AS x(a, v)`, [ids, [100, -100]]),
    ).rejects.toMatchObject({ code: '23514', constraint: 'ledger_entries_kind_check' });
    await expect(q(`INSERT INTO ledger_transactions (kind) VALUES ('gift')`)).rejects.toMatchObject({ constraint: 'ledger_transactions_kind_check' });
    expect((await q(`SELECT count(*)::int AS n FROM ledger_entries`)).rows[0].n).toBe(before);
  });

  it('when a posting puts a system kind on a user wallet, then checkPosting refuses it before anything is written', async () => {
    const user = await registerUser(ctx);
    await withTransaction(ctx.deps.db.pool, async (tx) => {
      const locked = await lockUserAccounts(tx, [user.user.id]);
      const wallet = locked.get(user.user.id)!.wallet.id;
      expect(() =>
        checkPosting(locked, {
          kind: 'admin_credit',
          reference: null,
          entries: [
            { systemAccount: 'adjustments', amountCents: -5, kind: 'admin_credit' },
            { accountId: wallet, amountCents: 5, kind: 'platform_fee' },
          ],
        }),
      ).toThrow(/platform_fee does not belong on a user account/);
    });
  });

  it('when earnings and labels are derived, then earnings are the shares, their reversals and payouts, and every user-side kind has a label', () => {
    expect([...EARNING_ENTRY_KINDS].sort()).toEqual(['payout', 'payout_return', 'referral', 'referral_reversal', 'sale', 'sale_reversal']);
    const userKinds = Object.entries(ENTRY_KINDS).filter(([, k]) => k.side !== 'system').map(([name]) => name);
    expect(Object.keys(ENTRY_KIND_LABELS).sort()).toEqual(userKinds.sort());
  });
});
