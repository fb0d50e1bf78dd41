// The download buttons' and dialog's words, read off the one sale decision
// (sale-decision.ts), never decided here: the page says what the server will do.
import type { SaleDecision } from './sale-decision.js';
import type { Actor } from '../deps.js';
import { saleDecisionFor } from './downloads.service.js';

export const OWNERSHIP_NOTES = {
  uploader: '这是你上传的文档，下载不收费。',
  admin: '管理员下载不收费。',
  bought: '你已购买此文档，再次下载不再收费。',
} as const;

export interface DownloadWording {
  /** The page's download buttons. */
  button: string;
  /** The phone bar's word where the price would be. */
  short: string;
  /** The preview's end ("剩余 N 页未读"). */
  previewEnd: string;
  /** The dialog's confirm button. */
  confirm: string;
  /** The dialog's and side card's note on what this download costs, if anything but the price. */
  note: string | null;
  /** What the dialog says is charged ("本次支付"). */
  charge: string;
  /** Does confirming spend from the wallet (or a coupon)? Then the dialog checks the balance and offers a coupon. */
  charges: boolean;
  /** The decision's kind, for doc.js. */
  kind: SaleDecision['kind'] | 'unknown';
}

const memberLine = (left: number) => `会员免费下载 · 今日剩余 ${left} 篇`;

/**
 * A bought document says so (a price on the button would suggest a second charge); a member
 * within the day's quota is told the membership pays and how many are left; past the quota, the
 * price again, saying the quota is used up.
 */
export function downloadWording(decision: SaleDecision | null, price: string): DownloadWording {
  const noCharge = (note: string | null, button: string, short: string): DownloadWording => ({
    button, short, previewEnd: button, confirm: '确认下载', note, charge: '不收费', charges: false, kind: decision?.kind ?? 'unknown',
  });
  switch (decision?.kind) {
    case 'bought':
      return noCharge(OWNERSHIP_NOTES.bought, '已购买 · 下载', '已购买');
    case 'own':
      return noCharge(OWNERSHIP_NOTES[decision.reason], '下载文档', '免费下载');
    case 'free':
      return noCharge(null, '下载文档', price);
    case 'member_quota': {
      const line = memberLine(decision.downloadsLeftToday);
      return { button: line, short: '会员免费', previewEnd: line, confirm: line, note: `${line}：本次使用 1 篇会员额度，不扣余额。`, charge: line, charges: false, kind: 'member_quota' };
    }
    default: {
      const usedUp = decision?.kind === 'must_pay' && decision.memberQuotaUsedUp;
      return {
        button: `下载文档（${price}）`,
        short: price,
        previewEnd: `购买并下载（${price}）`,
        confirm: `确认购买并下载（${price}）`,
        note: usedUp ? `今日会员免费下载额度已用完，本次需按价格 ${price} 购买。` : null,
        charge: usedUp ? `${price}（今日会员额度已用完）` : price,
        charges: true,
        kind: decision?.kind ?? 'unknown',
      };
    }
  }
}

/** What the document page says a download costs this reader: the sale decision read into words. */
export async function describeDownload(
  deps: Parameters<typeof saleDecisionFor>[0], actor: Actor | null, documentId: number, price: string,
): Promise<DownloadWording> {
  return downloadWording(await saleDecisionFor(deps, actor, documentId), price);
}
