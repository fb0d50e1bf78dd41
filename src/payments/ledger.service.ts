// Posting balanced ledger transactions. Callers pass the transaction client they opened with
// withTransaction; nothing here begins or commits.
//
// Rules:
// - Every posting is a set of entries summing to zero, written in one statement together with
//   the cached balances, after locking the user accounts involved in ascending id order. The one
//   system account a posting touches (platform revenue, provider clearing, adjustments) is locked
//   by that statement itself, last, so the busiest row is held only from the posting to the commit;
//   callers therefore post as the last statement of their transaction.
// - A user has a wallet (never below zero) and a debt account (never above zero). Money a user
//   receives (top-ups, sales, referral shares, refunds, admin credits) first settles any debt,
//   the rest goes to the wallet; so a user never holds money while owing, and spending from the
//   wallet can never take the shown balance (wallet + debt) below zero.
// - Money taken back from a user by a refund comes out of the wallet down to zero; the rest
//   becomes debt.
import type { PoolClient } from 'pg';
import { isCheckViolation } from '../db/pg-errors.js';
import { AppError } from '../errors.js';
import { insertEntriesAndBalances, insertLedgerTransaction, lockUserAccountRows, lockUserOwnedAccounts, type AccountRow, type EntryInput } from './ledger.repo.js';

export type { EntryInput } from './ledger.repo.js';

export interface PostingInput {
  kind: string;
  reference: string | null;
  note?: string | null;
  entries: EntryInput[];
  /** A transaction row opened earlier with openLedgerTransaction (so other rows could point at it). */
  transactionId?: number;
}

/** Opens the ledger transaction row ahead of its entries, for rows that must reference it. */
export function openLedgerTransaction(tx: PoolClient, input: { kind: string; reference: string | null; note?: string | null }): Promise<number> {
  return insertLedgerTransaction(tx, { kind: input.kind, reference: input.reference, note: input.note ?? null });
}

export interface UserAccounts {
  userId: number;
  wallet: AccountRow;
  debt: AccountRow;
}

export const insufficientFunds = () => new AppError('insufficient_funds', '余额不足，请先充值 (insufficient funds)');

/**
 * Writes one balanced ledger transaction and updates the cached balances, in the caller's
 * database transaction. Throws insufficient_funds when a wallet would go below zero.
 */
export async function postTransaction(
  tx: PoolClient,
  input: PostingInput,
): Promise<{ transactionId: number; balances: Map<number, number> }> {
  const entries = input.entries.filter((e) => e.amountCents !== 0);
  if (entries.length < 2) throw new Error(`ledger transaction ${input.kind} needs at least two entries`);
  let sum = 0;
  const deltas = new Map<number, number>();
  for (const e of entries) {
    if (!Number.isSafeInteger(e.amountCents)) throw new Error(`ledger amount ${e.amountCents} is not integer cents`);
    sum += e.amountCents;
    deltas.set(e.accountId, (deltas.get(e.accountId) ?? 0) + e.amountCents);
  }
  if (sum !== 0) throw new Error(`ledger transaction ${input.kind} does not balance (sum ${sum})`);

  // Normally already held (lockUserAccounts); taking them again in order is cheap and keeps
  // this function safe on its own.
  await lockUserOwnedAccounts(tx, [...deltas.keys()]);
  const transactionId = input.transactionId ?? (await openLedgerTransaction(tx, input));
  try {
    const balances = await insertEntriesAndBalances(tx, transactionId, entries);
    return { transactionId, balances: new Map(balances.map((r) => [r.id, r.balanceCents])) };
  } catch (err) {
    if (isCheckViolation(err, 'ledger_accounts_wallet_nonnegative')) throw insufficientFunds();
    throw err;
  }
}

/** Locks the wallet and debt accounts of the given users (ascending id) and returns them with balances. */
export async function lockUserAccounts(tx: PoolClient, userIds: readonly number[]): Promise<Map<number, UserAccounts>> {
  const unique = [...new Set(userIds)];
  const locked = await lockUserAccountRows(tx, unique);
  const byUser = new Map<number, UserAccounts>();
  for (const userId of unique) {
    const wallet = locked.find((a) => a.userId === userId && a.kind === 'wallet');
    const debt = locked.find((a) => a.userId === userId && a.kind === 'debt');
    if (!wallet || !debt) throw new Error(`user ${userId} has no ledger accounts`);
    byUser.set(userId, { userId, wallet, debt });
  }
  return byUser;
}

/** Entries paying `amount` to a user: settle debt first, the rest to the wallet. */
export function creditUser(acc: UserAccounts, amount: number, kind: string, documentId: number | null = null): EntryInput[] {
  if (amount <= 0) return [];
  const toDebt = Math.min(amount, -acc.debt.balanceCents);
  const entries: EntryInput[] = [];
  if (toDebt > 0) entries.push({ accountId: acc.debt.id, amountCents: toDebt, kind, documentId });
  if (amount - toDebt > 0) entries.push({ accountId: acc.wallet.id, amountCents: amount - toDebt, kind, documentId });
  // Keep the in-memory view current so several credits in one posting see each other.
  acc.debt = { ...acc.debt, balanceCents: acc.debt.balanceCents + toDebt };
  acc.wallet = { ...acc.wallet, balanceCents: acc.wallet.balanceCents + amount - toDebt };
  return entries;
}

/** Entries taking `amount` back from a user: the wallet down to zero, the rest as debt. */
export function debitUserIntoDebt(acc: UserAccounts, amount: number, kind: string, documentId: number | null = null): EntryInput[] {
  if (amount <= 0) return [];
  const fromWallet = Math.min(amount, Math.max(0, acc.wallet.balanceCents));
  const entries: EntryInput[] = [];
  if (fromWallet > 0) entries.push({ accountId: acc.wallet.id, amountCents: -fromWallet, kind, documentId });
  if (amount - fromWallet > 0) entries.push({ accountId: acc.debt.id, amountCents: -(amount - fromWallet), kind, documentId });
  acc.wallet = { ...acc.wallet, balanceCents: acc.wallet.balanceCents - fromWallet };
  acc.debt = { ...acc.debt, balanceCents: acc.debt.balanceCents - (amount - fromWallet) };
  return entries;
}
