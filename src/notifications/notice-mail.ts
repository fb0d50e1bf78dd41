// Mail for the notices that matter (payout decided, document taken down, review rejected). Sent
// after the event's transaction committed: the stored notification is the record; a mail that
// cannot be sent is logged and never undoes the event.
import type { AppDeps } from '../deps.js';
import { findUserById } from '../auth/users.repo.js';

export async function mailNotice(deps: Pick<AppDeps, 'db' | 'mailer' | 'log' | 'config'>, userId: number, notice: { title: string; body: string; link: string | null }): Promise<void> {
  try {
    const user = await findUserById(deps.db.pool, userId);
    if (!user) return;
    const link = notice.link ? `\n\n${deps.config.site.name}：${notice.link}` : '';
    await deps.mailer.send({ to: user.email, subject: notice.title, text: `${user.displayName}，您好：\n\n${notice.body}${link}` });
  } catch (err) {
    deps.log.warn({ err, userId }, 'notice mail not sent');
  }
}
