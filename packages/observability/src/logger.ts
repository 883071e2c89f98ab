import { pino, type Logger, type LoggerOptions } from 'pino';

/**
 * Paths that must never reach a log line. Pino's redaction works on known paths, so this list
 * covers both request objects (headers) and the shapes our own code logs (bodies, jobs, users).
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["stripe-signature"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["stripe-signature"]',
  'password',
  'newPassword',
  'passwordHash',
  'token',
  'tokenHash',
  'accessToken',
  'refreshToken',
  'secret',
  'apiKey',
  'card',
  '*.password',
  '*.newPassword',
  '*.passwordHash',
  '*.token',
  '*.tokenHash',
  '*.accessToken',
  '*.refreshToken',
  '*.secret',
  '*.apiKey',
  '*.card',
];

/**
 * An email address anywhere in a log line: the local part (its first character kept) and the domain. The
 * domain must end in a letters-only label, so package paths such as `fastify@5.2.1` are left alone. The
 * `@` may be percent-encoded (`%40`, a URL's query string as request lines log it).
 */
const EMAIL_IN_TEXT = /([A-Za-z0-9_%+-])[A-Za-z0-9._%+-]*(?:@|%40)((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,})\b/g;

/** `customer@example.com` → `c***@example.com`: enough to tell domains and typos apart, not to contact anyone. */
export function maskEmails(text: string): string {
  // Runs on every line: most have no address, and two substring scans cost far less than the pattern.
  return text.includes('@') || text.includes('%40') ? text.replace(EMAIL_IN_TEXT, '$1***@$2') : text;
}

export interface LoggerSettings {
  service: string;
  level: string;
  /** Extra fields on every line (e.g. instance id). */
  base?: Record<string, unknown>;
}

export function loggerOptions(settings: LoggerSettings): LoggerOptions {
  return {
    level: settings.level,
    base: { service: settings.service, pid: process.pid, ...settings.base },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Customers' addresses are personal data: masked in the finished line, so no field, message or error
    // text (a duplicate-key error quotes the email) can carry one out, whoever logs it.
    hooks: { streamWrite: maskEmails },
    formatters: {
      level: (label) => ({ level: label }),
    },
  };
}

/**
 * Asynchronous stdout: a log line does not block the request that writes it (pino flushes what is
 * buffered when the process exits normally; a SIGKILL can lose the last lines, as with any buffer).
 */
export function createLogger(settings: LoggerSettings): Logger {
  return pino(loggerOptions(settings), pino.destination({ dest: 1, sync: false }));
}

export type { Logger } from 'pino';
