export interface OutageLogger {
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
  info?(msg: string): void;
}

/**
 * How a Redis-backed cache reports that Redis is unreachable while it serves from MongoDB: one warn
 * when the outage starts, debug lines while it lasts (a busy API would otherwise log every request),
 * and, if `back` is given, one info line when Redis answers again.
 */
export class OutageLog {
  private down = false;

  constructor(
    private readonly log: OutageLogger,
    private readonly messages: { down: string; stillDown: string; back?: string },
  ) {}

  failed(error: unknown, operation: string): void {
    if (!this.down) {
      this.down = true;
      this.log.warn({ err: error, operation }, this.messages.down);
    } else {
      this.log.debug({ err: error, operation }, this.messages.stillDown);
    }
  }

  recovered(): void {
    if (!this.down) return;
    this.down = false;
    if (this.messages.back) this.log.info?.(this.messages.back);
  }
}
