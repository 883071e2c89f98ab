import type { Logger } from '@simple-shop/observability';
import nodemailer, { type Transporter } from 'nodemailer';

export interface OutgoingEmail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Deterministic (`<outboxId@simple-shop>`), so a retried send carries the same Message-ID. */
  messageId: string;
}

export interface Mailer {
  /** `smtp` sends for real; `log` only logs that it would have (SMTP_URL unset). */
  readonly mode: 'smtp' | 'log';
  send(email: OutgoingEmail, meta: { kind: string; outboxId: string; log?: Logger }): Promise<{ messageId: string }>;
  close(): void;
}

/**
 * The email transport. With SMTP_URL: nodemailer over SMTP. Without it: nodemailer's JSON
 * transport, which builds the message but sends nothing; a log line records kind, recipient and
 * outbox ID — never the body, which may hold a reset link.
 */
export function createMailer(config: { SMTP_URL?: string | undefined }, logger: Logger): Mailer {
  const smtpUrl = config.SMTP_URL?.trim();
  const transporter: Transporter = smtpUrl
    ? nodemailer.createTransport(withTimeouts(smtpUrl))
    : nodemailer.createTransport({ jsonTransport: true });
  const mode = smtpUrl ? 'smtp' : 'log';
  if (mode === 'log') logger.warn('SMTP_URL is not set: emails are logged (without their content), not sent');
  return {
    mode,
    async send(email, meta) {
      const info = (await transporter.sendMail(email)) as { messageId?: string };
      const messageId = info.messageId ?? email.messageId;
      (meta.log ?? logger).info(
        { kind: meta.kind, to: email.to, outboxId: meta.outboxId, messageId, transport: mode },
        mode === 'smtp' ? 'email sent' : 'email logged, not sent (no SMTP_URL)',
      );
      return { messageId };
    },
    close: () => transporter.close(),
  };
}

/**
 * Bounded SMTP timeouts (nodemailer reads options from the URL's query; ones already there win):
 * a hung SMTP conversation must fail and be retried, not hold the email's claim until the job's
 * lock is lost (nodemailer's socket default is 10 minutes).
 */
function withTimeouts(smtpUrl: string): string {
  const url = new URL(smtpUrl);
  const defaults = { connectionTimeout: '10000', greetingTimeout: '10000', socketTimeout: '30000' };
  for (const [key, value] of Object.entries(defaults)) if (!url.searchParams.has(key)) url.searchParams.set(key, value);
  return url.toString();
}
