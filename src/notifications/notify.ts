// Tells a user something, in the caller's transaction (so a notice exists exactly when what it
// announces was committed).
import type { Queryable } from '../db/pool.js';
import { insertNotification } from './notifications.repo.js';

/** Writes one notification for the user; returns its id. */
export async function notify(
  client: Queryable,
  userId: number,
  kind: string,
  message: { title: string; body?: string; link?: string | null },
): Promise<number> {
  return insertNotification(client, { userId, kind, title: message.title, body: message.body ?? '', link: message.link ?? null });
}
