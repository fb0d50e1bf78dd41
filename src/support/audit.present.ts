// The audit log's details as people read them (/admin/audit-log): each stored key in Chinese, money
// in yuan, statuses and yes/no in words; a key without words keeps its name, never raw JSON.
import { formatDateTime, formatYuan } from '../../public/js/format.js';
import { STATUS_WORDS } from './tickets.present.js';

type Shown = (value: unknown, timezone: string) => string;

const text: Shown = (v) => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v));
const yuan: Shown = (v) => (typeof v === 'number' ? formatYuan(v) : text(v, ''));
const id = (prefix: string): Shown => (v) => (typeof v === 'number' ? `${prefix} #${v}` : text(v, ''));
const ticketStatus: Shown = (v) => (typeof v === 'string' && v in STATUS_WORDS ? STATUS_WORDS[v as keyof typeof STATUS_WORDS] : text(v, ''));
const yesNo: Shown = (v) => (v === true ? '是' : v === false ? '否' : text(v, ''));

/** Stored key → [label, how its value reads]. */
const FIELDS: Record<string, [string, Shown]> = {
  amountCents: ['金额', yuan],
  priceCents: ['价格', yuan],
  maxPriceCents: ['面值上限', yuan],
  note: ['备注', text],
  reason: ['原因', text],
  body: ['内容', text],
  from: ['原状态', ticketStatus],
  to: ['新状态', ticketStatus],
  status: ['原状态', text],
  purchaseId: ['购买记录', id('购买')],
  buyerId: ['买家', id('用户')],
  uploaderId: ['上传者', id('用户')],
  documentId: ['文档', id('文档')],
  of: ['原文档', id('文档')],
  ticketId: ['工单', id('工单')],
  noticeTicketId: ['下架通知', id('工单')],
  copies: ['相近副本', (v) => (Array.isArray(v) ? (v.length ? v.map((x) => `文档 #${text(x, '')}`).join('、') : '无') : text(v, ''))],
  wasAlreadyDown: ['此前已下架', yesNo],
  sha256: ['文件指纹', (v) => (typeof v === 'string' ? `${v.slice(0, 12)}…` : text(v, ''))],
  method: ['收款方式', (v) => ({ alipay: '支付宝', wechat: '微信', bank: '银行卡' } as Record<string, string>)[text(v, '')] ?? text(v, '')],
  reference: ['转账流水号', text],
  planId: ['套餐代码', text],
  name: ['名称', text],
  days: ['天数', text],
  downloadsPerDay: ['每日下载', text],
  quantity: ['数量', text],
  expiresAt: ['有效期至', (v, tz) => (typeof v === 'string' ? formatDateTime(v, tz) : v === null ? '长期有效' : text(v, ''))],
};

const ORDER = Object.keys(FIELDS);
const NESTED: Record<string, string> = { before: '修改前', after: '修改后' };

/** One line per stored detail: `{label, value}`; an object inside (a plan before/after) reads as 「名称：…，天数：…」. */
export function auditDetailLines(details: unknown, timezone: string): { label: string; value: string }[] {
  if (details === null || typeof details !== 'object' || Array.isArray(details)) return details === null || details === undefined ? [] : [{ label: '详情', value: text(details, timezone) }];
  // In the table's order (the database keeps jsonb keys in its own order); unknown keys last.
  const rank = (key: string) => (key in FIELDS ? ORDER.indexOf(key) : key in NESTED ? ORDER.length : ORDER.length + 1);
  return Object.entries(details as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && v !== '')
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([key, value]) => {
      if (key in NESTED && value !== null && typeof value === 'object') {
        const inner = auditDetailLines(value, timezone).map((l) => `${l.label}：${l.value}`).join('，');
        return { label: NESTED[key]!, value: inner };
      }
      const [label, shown] = FIELDS[key] ?? [key, text];
      return { label, value: shown(value, timezone) };
    });
}
