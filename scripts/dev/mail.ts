/**
 * `pnpm dev`: MailDev as the SMTP server the worker sends to (SMTP 1025) with a web inbox (1080),
 * unless SMTP_URL is set in the environment. Both listen on 127.0.0.1 only. STARTTLS is not
 * offered, so nodemailer talks plain SMTP to it without certificate trouble.
 */
import { MailDev } from 'maildev';

export interface DevMail {
  /** Variables for the API and the worker (empty when the environment configures SMTP). */
  env: Record<string, string>;
  banner: string[];
  stop(): Promise<void>;
}

export async function startDevMail(): Promise<DevMail> {
  if (process.env.SMTP_URL) {
    return {
      env: {},
      banner: ['Email:            SMTP_URL from the environment (no local inbox started)'],
      stop: async () => {},
    };
  }
  const smtpPort = Number(process.env.MAILDEV_SMTP_PORT ?? 1025);
  const webPort = Number(process.env.MAILDEV_WEB_PORT ?? 1080);
  const maildev = new MailDev({
    smtp: smtpPort,
    ip: '127.0.0.1',
    web: webPort,
    webIp: '127.0.0.1',
    hideExtensions: ['STARTTLS'],
    maxEmails: 500,
    silent: true,
  });
  try {
    await maildev.start();
  } catch (error) {
    // Most likely a MailDev from an earlier run still listens there: send to it anyway.
    console.warn(
      `[dev] MailDev did not start (${(error as Error).message}); sending to smtp://127.0.0.1:${smtpPort} anyway`,
    );
    return {
      env: { SMTP_URL: `smtp://127.0.0.1:${smtpPort}` },
      banner: [`Email inbox:      http://127.0.0.1:${webPort} (not started here; SMTP 127.0.0.1:${smtpPort})`],
      stop: async () => {},
    };
  }
  return {
    env: { SMTP_URL: `smtp://127.0.0.1:${smtpPort}` },
    banner: [`Email inbox:      http://127.0.0.1:${webPort}  (MailDev; SMTP 127.0.0.1:${smtpPort})`],
    stop: () => maildev.stop(),
  };
}
