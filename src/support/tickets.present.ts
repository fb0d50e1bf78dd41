// Shapes ticket rows into the contract's Ticket, and the words pages show for them.
import type { Ticket, TicketCategory, TicketStatus } from './support.schemas.js';
import type { MessageRow, TicketRow } from './tickets.repo.js';
import { formatDateTime } from '../../public/js/format.js';

export function presentTicket(t: TicketRow, messages: readonly MessageRow[]): Ticket {
  return {
    id: t.id,
    category: t.category,
    status: t.status,
    subject: t.subject,
    documentId: t.documentId,
    purchaseId: t.purchaseId,
    createdAt: t.createdAt.toISOString(),
    messages: messages
      .filter((m) => m.ticketId === t.id)
      .map((m) => ({ author: m.author, body: m.body, createdAt: m.createdAt.toISOString() })),
    resolution: t.resolutionAction ? { action: t.resolutionAction, note: t.resolutionNote ?? '' } : null,
  };
}

export const STATUS_WORDS: Record<TicketStatus, string> = {
  open: '待处理',
  in_review: '处理中',
  resolved: '已解决',
  rejected: '已驳回',
};

export const CATEGORY_WORDS: Record<TicketCategory, string> = {
  copyright: '版权投诉',
  mismatch: '内容与标题不符',
  download_failed: '付费后下载失败',
  refund: '申请退款',
  appeal: '审核申诉',
  other: '其他问题',
};

export const ACTION_WORDS: Record<string, string> = {
  refund: '已退款',
  takedown: '已下架',
  reject: '已驳回',
  none: '已处理',
  restore: '已恢复',
};

/** The audit log's actions in words; an action without words shows as 其他操作, never its code. */
export const AUDIT_WORDS: Record<string, string> = {
  'ticket.refund': '工单处理：退款',
  'ticket.takedown': '工单处理：下架文档',
  'ticket.reject': '工单处理：驳回',
  'ticket.none': '工单处理：处理完成',
  'ticket.restore': '工单处理：恢复文档',
  'ticket.counter_notice': '工单处理：反通知',
  'ticket.reply': '回复工单',
  'ticket.status': '变更工单状态',
  'document.restore': '恢复文档',
  'document.takedown_near_copy': '下架相近副本',
  'payout.request': '申请提现',
  'payout.approve': '提现审核：打款',
  'payout.reject': '提现审核：驳回',
  'vip_plan.create': '新增会员套餐',
  'vip_plan.update': '修改会员套餐',
  'vip_plan.retire': '停售会员套餐',
  'vip_plan.restore': '恢复销售会员套餐',
  'coupon_batch.issue': '发放下载券',
  'document.review_approve': '文档审核：通过',
  'document.review_reject': '文档审核：驳回',
  'document.review_requeue': '文档审核：重新提交审核',
};

/** What an audit entry's target is called and where it is seen, by target type (default: a document). */
export const AUDIT_TARGETS: Record<string, { label: string; href: (id: number) => string }> = {
  ticket: { label: '工单', href: (id) => `/admin/tickets/${id}` },
  document: { label: '文档', href: (id) => `/doc/${id}` },
  payout: { label: '提现', href: () => '/admin/payouts' },
  vip_plan: { label: '会员套餐', href: () => '/admin/vip' },
  coupon_batch: { label: '下载券批次', href: (id) => `/admin/coupons/${id}` },
};

export const EVENT_WORDS: Record<string, string> = {
  created: '提交工单',
  status: '状态变更',
  message: '回复',
  refund: '退款',
  takedown: '下架',
  reject: '驳回',
  none: '处理完成',
  restore: '恢复文档',
  counter_notice: '反通知',
};

// Pages get `it.formatTime` from the renderer (TIMEZONE); this one serves lists built in services.
export const formatTime = (d: Date | string | null, timeZone = 'Asia/Shanghai') => formatDateTime(d, timeZone);

/** The site's badge colours reused for ticket statuses. */
export const STATUS_BADGE: Record<TicketStatus, string> = {
  open: 'status-failed',
  in_review: 'status-processing',
  resolved: 'status-ready',
  rejected: 'status-taken_down',
};
