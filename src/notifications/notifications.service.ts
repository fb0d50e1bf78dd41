// Notifications: written by the event's own transaction (notify), read and marked read by their user.
import type { Queryable } from '../db/pool.js';
import type { Actor, AppDeps } from '../deps.js';
import { encodeIdCursor, decodeIdCursor } from '../documents/cursor.js';
import { countUnreadOfUser, insertNotification, listNotificationsOfUser, markAllRead, markKindsRead, markReadByIds, type NotificationRow } from './notifications.repo.js';

/** The kinds of the contract; other features may add their own (e.g. a VIP reminder). */
export type KnownNotificationKind =
  | 'sale'
  | 'ticket_reply'
  | 'ticket_resolved'
  | 'document_ready'
  | 'document_failed'
  | 'document_taken_down'
  | 'document_restored'
  | 'review_approved'
  | 'review_rejected'
  | 'payout_approved'
  | 'payout_rejected';
export type NotificationKind = KnownNotificationKind | (string & {});

/**
 * Routine news: what the uploader expects and needs no action (a conversion done, a review passed).
 * They are grouped on /notifications and left out of the header's count, so sales, takedowns,
 * refunds, payouts, failures and support replies stand out. Every other kind, a new one included,
 * counts as important.
 */
export const ROUTINE_KINDS: readonly KnownNotificationKind[] = ['document_ready', 'review_approved'];

export const isRoutine = (kind: string): boolean => (ROUTINE_KINDS as readonly string[]).includes(kind);

export interface NotifyInput {
  userId: number;
  kind: NotificationKind;
  title: string;
  body: string;
  link: string | null;
}

/**
 * Records a notification on the client of the transaction that makes the event happen, so the
 * two commit or roll back together (a sale notification exists exactly when the sale does).
 */
export async function notify(client: Queryable, input: NotifyInput): Promise<{ id: number }> {
  const row = await insertNotification(client, {
    userId: input.userId,
    kind: input.kind,
    title: input.title.slice(0, 200),
    body: input.body.slice(0, 2000),
    link: input.link,
  });
  return { id: row.id };
}

export function presentNotification(n: NotificationRow) {
  return {
    id: n.id,
    kind: n.kind,
    title: n.title,
    body: n.body,
    link: n.link,
    createdAt: n.createdAt.toISOString(),
    readAt: n.readAt ? n.readAt.toISOString() : null,
    /** Grouped and left out of the bell's count (ROUTINE_KINDS). */
    routine: isRoutine(n.kind),
  };
}

/**
 * A page of the reader's notifications, newest first. `group` narrows it to the important or the
 * routine ones (absent: all, as the contract lists them). `unread` counts all unread,
 * `unreadImportant` those the bell shows.
 */
export async function listNotifications(
  deps: Pick<AppDeps, 'db'>,
  actor: Actor,
  query: { limit: number; cursor?: string | undefined; group?: 'important' | 'routine' | undefined },
) {
  const beforeId = query.cursor ? decodeIdCursor(query.cursor) : null;
  const routine = query.group === undefined ? null : query.group === 'routine';
  const [rows, unread] = await Promise.all([
    listNotificationsOfUser(deps.db.pool, actor.userId, query.limit + 1, beforeId, { routine, routineKinds: ROUTINE_KINDS }),
    countUnreadOfUser(deps.db.pool, actor.userId, ROUTINE_KINDS),
  ]);
  const page = rows.slice(0, query.limit);
  const nextCursor = rows.length > query.limit ? encodeIdCursor(page[page.length - 1]!.id) : null;
  return { items: page.map(presentNotification), unread: unread.all, unreadImportant: unread.important, nextCursor };
}

/** The bell's number: the unread important notifications, one indexed count per logged-in page. */
export async function unreadCount(deps: Pick<AppDeps, 'db'>, userId: number): Promise<number> {
  return (await countUnreadOfUser(deps.db.pool, userId, ROUTINE_KINDS)).important;
}

export async function markNotificationsRead(
  deps: Pick<AppDeps, 'db' | 'clock'>,
  actor: Actor,
  input: { ids: number[] } | { all: true } | { group: 'routine' },
): Promise<void> {
  if ('all' in input) await markAllRead(deps.db.pool, actor.userId, deps.clock.now());
  else if ('group' in input) await markKindsRead(deps.db.pool, actor.userId, ROUTINE_KINDS, deps.clock.now());
  else if (input.ids.length > 0) await markReadByIds(deps.db.pool, actor.userId, input.ids, deps.clock.now());
}
