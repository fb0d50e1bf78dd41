// "我的文库": the reader's uploads (any status), purchases, favorites, balance, earnings and
// tickets, each from its own feature's service. This feature composes documents, payments and
// support, so none of them imports another for it.
import type { Actor, AppDeps } from '../deps.js';
import { formatYuan } from '../../public/js/format.js';
import { listMyDocuments } from '../documents/documents.service.js';
import { listFavorites } from '../documents/favorites.service.js';
import { listRecentViews } from '../documents/recent-views.service.js';
import { ymd } from '../documents/pages/format.js';
import { docCard } from '../documents/pages/view-models.js';
import { getEarnings, listMyPurchases } from '../payments/earnings.service.js';
import { getWallet } from '../payments/wallet.service.js';
import { getMyTicketSummaries } from '../support/desk.service.js';

type Deps = Pick<AppDeps, 'db' | 'views' | 'jobs' | 'config' | 'clock'>;

export async function buildMePage(deps: Deps, actor: Actor) {
  const [uploads, purchases, favorites, wallet, earnings, tickets, recent] = await Promise.all([
    listMyDocuments(deps, actor, { limit: 100 }),
    listMyPurchases(deps, actor.userId, 100),
    listFavorites(deps, actor, 100),
    getWallet(deps, actor.userId, { limit: 1 }),
    getEarnings(deps, actor.userId),
    getMyTicketSummaries(deps, actor),
    listRecentViews(deps, actor, 12),
  ]);
  const earningRows = earnings.items.map((e) => ({
    documentId: e.documentId,
    title: e.title,
    sales: String(e.sales),
    amount: formatYuan(e.earnedCents - e.refundedCents),
  }));
  if (earnings.referralCents !== 0) {
    earningRows.push({ documentId: 0, title: '分享推荐收益（全部文档）', sales: '—', amount: formatYuan(earnings.referralCents) });
  }
  return {
    balance: formatYuan(wallet.balanceCents),
    earningsTotal: formatYuan(earnings.totalCents),
    uploads: uploads.items.map((d) => docCard(d)),
    purchases: purchases.items.map(({ purchase, document }) => {
      const refunded = purchase.status === 'refunded';
      const gone = document.status === 'taken_down';
      return {
        documentId: document.id,
        title: document.title,
        price: formatYuan(purchase.priceCents),
        date: ymd(purchase.createdAt),
        refunded,
        canDownload: !refunded && !gone,
        unavailableReason: refunded ? '已退款' : gone ? '文档已下架' : '',
      };
    }),
    favorites: favorites.items.map((d) => docCard(d)),
    recent: recent.map((d) => docCard(d)),
    earnings: earningRows,
    tickets,
  };
}
