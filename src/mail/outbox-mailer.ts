// Without SMTP_URL: every mail is logged and the last few are kept in memory for the
// development outbox page (/dev/outbox, only with DEV_PAYMENTS), so a reset link can be followed.
import type { Logger } from 'pino';
import type { Mail, Mailer, SentMail } from './mailer.js';

const KEEP = 50;

export class OutboxMailer implements Mailer {
  private readonly mails: SentMail[] = [];

  constructor(
    private readonly log: Logger,
    /** Off in production: a mail's body holds a live link, which must not sit in the log. */
    private readonly options: { logBodies: boolean },
  ) {}

  async send(mail: Mail): Promise<void> {
    this.mails.unshift({ ...mail, sentAt: new Date() });
    this.mails.length = Math.min(this.mails.length, KEEP);
    if (this.options.logBodies) this.log.info({ mail }, 'mail (SMTP_URL is not set: logged, not sent)');
    else this.log.warn({ to: mail.to, subject: mail.subject }, 'SMTP_URL is not set: mail not delivered');
  }

  recent(): readonly SentMail[] {
    return this.mails;
  }

  close(): void {}
}
