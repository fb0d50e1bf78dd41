// Who filed a copyright notice hears of every step (信息网络传播权保护条例 arts. 15–17): the
// takedown, the uploader's counter-notice (its text and evidence in full), the restore or the
// rejection. A signed-in filer gets a notification in the step's transaction; every filer with a
// mail address (the account's, or an email given as `contact`) gets a mail after commit, with
// the notice's tracking link. The one place that decides who is told and where the link points.
import { randomBytes } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { AppDeps } from '../deps.js';
import { notify, type NotificationKind } from '../notifications/notifications.service.js';
import { mailTo } from '../notifications/notice-mail.js';
import type { TicketRow } from './tickets.repo.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** A new tracking token: 256 random bits, base64url (43 characters). */
export const newTrackingToken = (): string => randomBytes(32).toString('base64url');

/** Whether a string could be a tracking token at all (anything else is not looked up). */
export const isTrackingTokenShape = (token: string): boolean => TOKEN.test(token);

/** The page that follows a notice: the token's page for anyone holding it. */
export const trackingPath = (token: string): string => `/support/notices/${token}`;

/** A copyright notice from a right holder (not the uploader's notice ticket, not another category). */
export const isCopyrightNotice = (t: Pick<TicketRow, 'category' | 'noticeForTicketId'>): boolean =>
  t.category === 'copyright' && t.noticeForTicketId === null;

export interface FilerMail {
  to: string;
  greeting: string;
  title: string;
  body: string;
  link: string;
}

/**
 * Tells the reporter of `t` about a step, on the step's transaction: a notification when they are
 * signed in (any category); for a copyright notice also a mail (returned, to send after commit).
 */
export async function tellReporter(
  tx: PoolClient,
  t: TicketRow,
  step: { kind: NotificationKind; title: string; body: string },
): Promise<FilerMail | null> {
  if (t.reporterId !== null) {
    await notify(tx, { userId: t.reporterId, kind: step.kind, title: step.title, body: step.body, link: `/support/tickets/${t.id}` });
  }
  return filerMail(t, step);
}

/** The mail a copyright notice's filer gets about a step; null for other tickets or without an address. */
export function filerMail(t: TicketRow, step: { title: string; body: string }): FilerMail | null {
  if (!isCopyrightNotice(t)) return null;
  const to = t.reporterEmail ?? (t.contact && EMAIL.test(t.contact) ? t.contact : null);
  if (!to) return null; // a phone number: the tracking page and support's call are the way
  const link = t.trackingToken ? trackingPath(t.trackingToken) : `/support/tickets/${t.id}`;
  return { to, greeting: t.reporterName ?? '权利人', title: step.title, body: `${step.body}\n\n投诉编号：#${t.id}（以下链接可随时查看处理进度）`, link };
}

/** Sends the mails of committed steps; a mail that fails is logged and never undoes the step. */
export async function sendFilerMails(deps: Pick<AppDeps, 'mailer' | 'log' | 'config'>, mails: ReadonlyArray<FilerMail | null>): Promise<void> {
  for (const m of mails) if (m) await mailTo(deps, m.to, m.greeting, m);
}
