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
