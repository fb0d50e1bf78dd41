// Mail for the notices that matter (payout decided, document taken down, review rejected). Sent
// after the event's transaction committed: the stored notification is the record; a mail that
// cannot be sent is logged and never undoes the event.
import type { AppDeps } from '../deps.js';
import { findUserById } from '../auth/users.repo.js';
import { absoluteLink } from '../mail/links.js';

type MailDeps = Pick<AppDeps, 'mailer' | 'log' | 'config'>;

/** Mails `notice` to an address; the link, if any, is made absolute. Failures are logged only. */
export async function mailTo(deps: MailDeps, to: string, greeting: string, notice: { title: string; body: string; link: string | null }): Promise<void> {
  try {
    const link = notice.link ? `\n\n${deps.config.site.name}：${absoluteLink(deps.config, notice.link)}` : '';
    await deps.mailer.send({ to, subject: notice.title, text: `${greeting}，您好：\n\n${notice.body}${link}` });
  } catch (err) {
    deps.log.warn({ err }, 'notice mail not sent');
  }
}

export async function mailNotice(deps: MailDeps & Pick<AppDeps, 'db'>, userId: number, notice: { title: string; body: string; link: string | null }): Promise<void> {
  try {
    const user = await findUserById(deps.db.pool, userId);
    if (!user) return;
    await mailTo(deps, user.email, user.displayName, notice);
  } catch (err) {
    deps.log.warn({ err, userId }, 'notice mail not sent');
  }
}
