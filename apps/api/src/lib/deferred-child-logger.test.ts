import { loggerOptions } from '@simple-shop/observability';
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { DeferredChildLogger, deferredChildLoggerFactory } from './deferred-child-logger';

function capture(level = 'info') {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(loggerOptions({ service: 'test', level }), {
    write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  return { logger, lines, child: vi.spyOn(logger, 'child') };
}

describe('DeferredChildLogger', () => {
  it('makes no child while nothing is written at an enabled level', () => {
    const { logger, lines, child } = capture('info');
    const log = deferredChildLoggerFactory(logger as FastifyBaseLogger, { requestId: 'r-1' }, {});
    expect(log).toBeInstanceOf(DeferredChildLogger);
    log.debug({ req: { url: '/x' } }, 'incoming request');
    log.trace('nothing');
    log.silent('nothing');
    expect(log.level).toBe('info');
    expect(child).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
  });

  it('writes through one child with the bindings and the redaction, made at the first line', () => {
    const { logger, lines, child } = capture('info');
    const log = deferredChildLoggerFactory(logger as FastifyBaseLogger, { requestId: 'r-2' }, {});
    log.error({ err: new Error('boom'), headers: { authorization: 'Bearer secret-token' } }, 'request failed');
    log.warn('second line');
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines.map((line) => [line.level, line.requestId, line.msg])).toEqual([
      ['error', 'r-2', 'request failed'],
      ['warn', 'r-2', 'second line'],
    ]);
    expect(JSON.stringify(lines[0])).not.toContain('secret-token');
  });

  it('writes debug lines when the parent does, and follows a level change', () => {
    const { logger, lines } = capture('debug');
    const log = deferredChildLoggerFactory(logger as FastifyBaseLogger, { requestId: 'r-3' }, {});
    log.debug('shown');
    log.level = 'warn';
    log.info('hidden');
    expect(lines.map((line) => [line.msg, line.requestId])).toEqual([['shown', 'r-3']]);
    expect(logger.level).toBe('debug');
  });

  it('gives a route with its own level an ordinary child at once', () => {
    const { logger, child } = capture('info');
    const log = deferredChildLoggerFactory(logger as FastifyBaseLogger, { requestId: 'r-4' }, { level: 'debug' });
    expect(log).not.toBeInstanceOf(DeferredChildLogger);
    expect(child).toHaveBeenCalledTimes(1);
    expect(log.level).toBe('debug');
  });
});
