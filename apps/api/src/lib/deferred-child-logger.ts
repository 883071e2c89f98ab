import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, LevelWithSilentOrString } from 'pino';

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** A Fastify logger that can also tell whether a level is written (pino's loggers can). */
type ParentLogger = FastifyBaseLogger & { isLevelEnabled(level: string): boolean };

const canTellLevels = (logger: FastifyBaseLogger): logger is ParentLogger =>
  typeof (logger as Partial<ParentLogger>).isLevelEnabled === 'function';

/**
 * The request logger of a route that rarely logs through it: `parent.child(bindings, options)`, made
 * the first time a line at an enabled level is written (or a child or a level change is asked for).
 *
 * A pino child serialises its bindings when it is made, and with the shop's redaction paths that
 * means running the redaction over the request id: on a cached catalog read, whose one line is
 * written by the log controller without this logger, that was a visible share of the CPU and of
 * the garbage per request. Lines written through it are the child's own, redaction included.
 */
export class DeferredChildLogger implements FastifyBaseLogger {
  private made: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: ParentLogger,
    private readonly bindings: Bindings,
  ) {}

  private get logger(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings));
  }

  private write(level: Level, args: unknown[]): void {
    if (this.made === undefined && !this.parent.isLevelEnabled(level)) return;
    const logger = this.logger;
    (logger[level] as (...line: unknown[]) => void).apply(logger, args);
  }

  get level(): LevelWithSilentOrString {
    return (this.made ?? this.parent).level;
  }

  set level(level: LevelWithSilentOrString) {
    this.logger.level = level;
  }

  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger.child(bindings, options);
  }
}

/**
 * For `setChildLoggerFactory` (encapsulated: the routes of one plugin). A route with its own log level
 * or serializers, or a logger that cannot tell its levels, gets the ordinary child at once.
 */
export const deferredChildLoggerFactory = (
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger =>
  options.level === undefined && options.serializers === undefined && canTellLevels(logger)
    ? new DeferredChildLogger(logger, bindings)
    : logger.child(bindings, options);
