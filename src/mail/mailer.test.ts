// Which mailer the settings pick, and what the log mailer writes.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config.js';
import { createMailer } from './mailer.js';
import { OutboxMailer } from './outbox-mailer.js';
import { SmtpMailer } from './smtp-mailer.js';

function capturingLogger() {
  const lines: string[] = [];
  const stream = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
  return { log: pino({ level: 'info' }, stream), lines };
}

describe('mailer settings', () => {
  it('when SMTP_URL is not an smtp:// or smtps:// URL, then start-up stops naming the setting', () => {
    expect(() => parseConfig({ SMTP_URL: 'http://mail.example' })).toThrow(/SMTP_URL: must be an smtp:\/\/ or smtps:\/\/ URL/);
    expect(parseConfig({ SMTP_URL: 'smtps://u:p@mail.example:465' }).smtpUrl).toBe('smtps://u:p@mail.example:465');
  });

  it('when SMTP_URL is set, then mail goes through SMTP; unset, to the log and outbox', () => {
    const { log } = capturingLogger();
    const smtp = createMailer(parseConfig({ SMTP_URL: 'smtp://127.0.0.1:2525' }), log);
    expect(smtp).toBeInstanceOf(SmtpMailer);
    smtp.close();
    expect(createMailer(parseConfig({}), log)).toBeInstanceOf(OutboxMailer);
  });

  it('when there is no SMTP server in production, then the log names the recipient but never holds the link', async () => {
    const { log, lines } = capturingLogger();
    const mailer = createMailer(parseConfig({ NODE_ENV: 'production', PUBLIC_URL: 'https://wenku.example.com' }), log);
    await mailer.send({ to: 'a@example.com', subject: '重置密码', text: 'https://wenku.example/reset-password?token=SECRET' });
    expect(lines.join('')).toContain('a@example.com');
    expect(lines.join('')).not.toContain('SECRET');
    const dev = capturingLogger();
    await createMailer(parseConfig({ NODE_ENV: 'development' }), dev.log).send({ to: 'b@example.com', subject: 's', text: 'token=VISIBLE' });
    expect(dev.lines.join('')).toContain('VISIBLE');
  });
});
