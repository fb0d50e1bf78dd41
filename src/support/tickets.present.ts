// Shapes ticket rows into the contract's Ticket, and the words pages show for them.
import type { Ticket, TicketCategory, TicketStatus } from './support.schemas.js';
import type { MessageRow, TicketRow } from './tickets.repo.js';

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
  other: '其他问题',
};

export const ACTION_WORDS: Record<string, string> = {
  refund: '已退款',
  takedown: '已下架',
  reject: '已驳回',
  none: '已处理',
  restore: '已恢复',
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

const TIME = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false,
});
/** Beijing time for pages, e.g. 2026/11/27 22:30. */
export const formatTime = (d: Date | string | null) => (d ? TIME.format(new Date(d)) : '');

/** The site's badge colours reused for ticket statuses. */
export const STATUS_BADGE: Record<TicketStatus, string> = {
  open: 'status-failed',
  in_review: 'status-processing',
  resolved: 'status-ready',
  rejected: 'status-taken_down',
};
