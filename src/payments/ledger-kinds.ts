// The kinds of ledger entries and transactions: the one list. What counts as withdrawable
// earnings, the wallet page's labels, and which accounts an entry kind may touch (checked by
// checkPosting) all derive from ENTRY_KINDS; migration 0079's CHECK constraints hold the same
// names (ledger-kinds.test.ts compares them).

/** Which accounts an entry of a kind may post to: users' wallet/debt, system accounts, or both. */
type Side = 'user' | 'system' | 'both';

interface EntryKindFacts {
  side: Side;
  /** The wallet page's words; null for kinds only system accounts carry. */
  label: string | null;
  /** Part of earned money (withdrawable once settled): shares, their reversals, payouts and returned payouts. */
  earning: boolean;
}

export const ENTRY_KINDS = {
  topup: { side: 'both', label: '充值', earning: false },
  purchase: { side: 'user', label: '购买文档', earning: false },
  sale: { side: 'user', label: '文档销售收入', earning: true },
  referral: { side: 'user', label: '推荐收入', earning: true },
  refund: { side: 'user', label: '退款', earning: false },
  sale_reversal: { side: 'user', label: '销售收入冲回（退款）', earning: true },
  referral_reversal: { side: 'user', label: '推荐收入冲回（退款）', earning: true },
  admin_credit: { side: 'both', label: '平台补偿', earning: false },
  payout: { side: 'both', label: '提现', earning: true },
  payout_return: { side: 'both', label: '提现退回', earning: true },
  vip_purchase: { side: 'user', label: '开通会员', earning: false },
  vip_refund: { side: 'user', label: '会员退款（未使用天数）', earning: false },
  platform_fee: { side: 'system', label: null, earning: false },
  platform_fee_reversal: { side: 'system', label: null, earning: false },
  payout_transfer: { side: 'system', label: null, earning: false },
  vip_fee: { side: 'system', label: null, earning: false },
  vip_fee_refund: { side: 'system', label: null, earning: false },
  vip_download_payout: { side: 'system', label: null, earning: false },
  coupon_download_payout: { side: 'system', label: null, earning: false },
  sponsored_payout_reversal: { side: 'system', label: null, earning: false },
} as const satisfies Record<string, EntryKindFacts>;

export type EntryKind = keyof typeof ENTRY_KINDS;

/** What caused a ledger transaction (ledger_transactions.kind). */
export const TRANSACTION_KINDS = [
  'topup',
  'purchase',
  'refund',
  'admin_credit',
  'payout_request',
  'payout_approve',
  'payout_reject',
  'vip_purchase',
  'vip_refund',
  'vip_download',
  'coupon_download',
] as const;

export type TransactionKind = (typeof TRANSACTION_KINDS)[number];

const kinds = Object.keys(ENTRY_KINDS) as EntryKind[];

/** Entry kinds that make up earned money on a user's accounts (payouts.repo.ts sums them). */
export const EARNING_ENTRY_KINDS: readonly EntryKind[] = kinds.filter((k) => ENTRY_KINDS[k].earning);

/** The wallet page's words for each kind a user's entries carry. */
export const ENTRY_KIND_LABELS: Readonly<Record<string, string>> = Object.fromEntries(
  kinds.flatMap((k) => (ENTRY_KINDS[k].label === null ? [] : [[k, ENTRY_KINDS[k].label]])),
);

/** May an entry of `kind` post to a user's account (true) or a system account (false)? */
export function entryKindFits(kind: EntryKind, userAccount: boolean): boolean {
  const side: Side = ENTRY_KINDS[kind].side;
  return side === 'both' || side === (userAccount ? 'user' : 'system');
}
