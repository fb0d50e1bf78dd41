// Outgoing mail. Services depend on the Mailer interface (in AppDeps); the entry point picks
// SMTP (SMTP_URL) or the log/outbox mailer, and tests receive mail on a real SMTP socket.
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { OutboxMailer } from './outbox-mailer.js';
import { SmtpMailer } from './smtp-mailer.js';

export interface Mail {
  to: string;
  subject: string;
  /** Plain text only: no HTML, so nothing in a mail can be a script or a tracking image. */
  text: string;
}

export interface Mailer {
  /** Resolves once the server accepted the mail (SMTP) or it was recorded (outbox); rejects otherwise. */
  send(mail: Mail): Promise<void>;
  /** The mails kept for the development outbox page, newest first (empty for SMTP). */
  recent(): readonly SentMail[];
  close(): void;
}

export interface SentMail extends Mail {
  sentAt: Date;
}

export function createMailer(config: Pick<Config, 'smtpUrl' | 'site' | 'env'>, log: Logger): Mailer {
  if (config.smtpUrl) return new SmtpMailer(config.smtpUrl, `"${config.site.name}" <${config.site.support.email}>`);
  return new OutboxMailer(log, { logBodies: config.env !== 'production' });
}
