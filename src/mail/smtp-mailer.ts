// Mail through an SMTP server (nodemailer), e.g. smtp://user:pass@mail.example:587 or smtps://….
import nodemailer, { type Transporter } from 'nodemailer';
import type { Mail, Mailer, SentMail } from './mailer.js';

export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(
    url: string,
    private readonly from: string,
  ) {
    // Bounded waits: a slow or dead mail server delays only the background send, never a request.
    this.transport = nodemailer.createTransport(url, { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 } as never);
  }

  async send(mail: Mail): Promise<void> {
    await this.transport.sendMail({ from: this.from, to: mail.to, subject: mail.subject, text: mail.text });
  }

  recent(): readonly SentMail[] {
    return [];
  }

  close(): void {
    this.transport.close();
  }
}
