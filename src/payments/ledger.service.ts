// Posting balanced ledger transactions. Callers pass the transaction client they opened with
// withTransaction; nothing here begins or commits.
//
// Rules:
// - Every posting is a set of entries summing to zero, written in one statement together with
//   the ledger transaction row and the cached balances, after the caller has locked the user
//   accounts involved (lockUserAccounts: ascending id order, so no deadlock cycles).
// - System accounts (platform revenue, provider clearing, adjustments) keep no cached balance, so
//   postings never queue on them; their balance is the sum of their entries.
// - A user has a wallet (never below zero) and a debt account (never above zero). Money a user
//   receives (top-ups, sales, referral shares, refunds, admin credits) first settles any debt,
//   the rest goes to the wallet; so a user never holds money while owing, and spending from the
//   wallet can never take the shown balance (wallet + debt) below zero.
// - Money taken back from a user by a refund comes out of the wallet down to zero; the rest
//   becomes debt.
import type { PoolClient } from 'pg';
import { isCheckViolation } from '../db/pg-errors.js';
import { AppError } from '../errors.js';
import { entryKindFits, type EntryKind, type TransactionKind } from './ledger-kinds.js';
import { insertPosting, lockUserAccountRows, type AccountRow, type EntryInput, type PostingRow } from './ledger.repo.js';

export type { EntryInput } from './ledger.repo.js';

export interface PostingInput {
  kind: TransactionKind;
  reference: string | null;
  note?: string | null;
  entries: EntryInput[];
}

export interface UserAccounts {
  userId: number;
  wallet: AccountRow;
  debt: AccountRow;
}

export const insufficientFunds = () => new AppError('insufficient_funds', '余额不足，请先充值 (insufficient funds)');

/**
 * Writes one balanced ledger transaction and updates the cached balances, in the caller's
 * database transaction, in one statement. `locked` are the user accounts the caller locked with
 * lockUserAccounts; every user account in the entries must be among them.
 * Throws insufficient_funds when a wallet would go below zero.
 */
export async function postTransaction(
  tx: PoolClient,
  locked: ReadonlyMap<number, UserAccounts>,
  input: PostingInput,
): Promise<{ transactionId: number; balances: Map<number, number> }> {
  const { posting, entries } = checkPosting(locked, input);
  return mapOverdraft(async () => {
    const { transactionId, balances } = await insertPosting(tx, posting, entries);
    return { transactionId, balances: new Map(balances.map((r) => [r.id, r.balanceCents])) };
  });
}

/**
 * The checks every posting passes before it is written: integer cents, at least two non-zero
 * entries summing to zero, every user account locked first, each entry's kind one its account may
 * carry (ledger-kinds.ts). Returns what postingCtes takes.
 */
export function checkPosting(locked: ReadonlyMap<number, UserAccounts>, input: PostingInput): { posting: PostingRow; entries: EntryInput[] } {
  const entries = input.entries.filter((e) => e.amountCents !== 0);
  if (entries.length < 2) throw new Error(`ledger transaction ${input.kind} needs at least two entries`);
  const lockedIds = new Set([...locked.values()].flatMap((a) => [a.wallet.id, a.debt.id]));
  let sum = 0;
  for (const e of entries) {
    if (!Number.isSafeInteger(e.amountCents)) throw new Error(`ledger amount ${e.amountCents} is not integer cents`);
    if ('accountId' in e && !lockedIds.has(e.accountId)) throw new Error(`ledger account ${e.accountId} was not locked first`);
    if (!entryKindFits(e.kind, 'accountId' in e)) throw new Error(`ledger entry kind ${e.kind} does not belong on a ${'accountId' in e ? 'user' : 'system'} account`);
    sum += e.amountCents;
  }
  if (sum !== 0) throw new Error(`ledger transaction ${input.kind} does not balance (sum ${sum})`);
  return { posting: { kind: input.kind, reference: input.reference, note: input.note ?? null }, entries };
}

/** Runs a statement that posts, turning a wallet overdraft into insufficient_funds. */
export async function mapOverdraft<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
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
export function creditUser(acc: UserAccounts, amount: number, kind: EntryKind, documentId: number | null = null): EntryInput[] {
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
export function debitUserIntoDebt(acc: UserAccounts, amount: number, kind: EntryKind, documentId: number | null = null): EntryInput[] {
  if (amount <= 0) return [];
  const fromWallet = Math.min(amount, Math.max(0, acc.wallet.balanceCents));
  const entries: EntryInput[] = [];
  if (fromWallet > 0) entries.push({ accountId: acc.wallet.id, amountCents: -fromWallet, kind, documentId });
  if (amount - fromWallet > 0) entries.push({ accountId: acc.debt.id, amountCents: -(amount - fromWallet), kind, documentId });
  acc.wallet = { ...acc.wallet, balanceCents: acc.wallet.balanceCents - fromWallet };
  acc.debt = { ...acc.debt, balanceCents: acc.debt.balanceCents - (amount - fromWallet) };
  return entries;
}
