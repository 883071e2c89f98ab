import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loggerOptions } from './logger';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(loggerOptions({ service: 'test', level: 'info' }), {
    write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  return { logger, lines };
}

describe('logger', () => {
  it('never writes secrets, tokens, passwords or card data', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        req: {
          headers: { authorization: 'Bearer abc.def.ghi', cookie: 'shop_board=xyz', 'stripe-signature': 't=1,v1=ff' },
        },
        password: 'hunter22',
        body: { password: 'hunter22', refreshToken: 'rt', card: { number: '4242' } },
        user: { passwordHash: '$argon2id$...', email: 'a@b.c' },
        secret: 'sk_live_x',
      },
      'something happened',
    );
    const text = JSON.stringify(lines[0]);
    for (const leaked of [
      'abc.def.ghi',
      'shop_board=xyz',
      't=1,v1=ff',
      'hunter22',
      '"rt"',
      '4242',
      '$argon2id$',
      'sk_live_x',
    ]) {
      expect(text).not.toContain(leaked);
    }
    expect(text).toContain('a@b.c');
    expect(lines[0]).toMatchObject({ service: 'test', level: 'info', msg: 'something happened' });
  });
});
