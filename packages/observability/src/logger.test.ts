import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createLogger, isoTime, loggerOptions } from './logger';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(loggerOptions({ service: 'test', level: 'info' }), {
    write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  return { logger, lines };
}

describe('logger', () => {
  it("writes pino's ISO time, current to the millisecond", () => {
    vi.useFakeTimers({ now: new Date('2026-03-01T10:00:00.123Z'), toFake: ['Date'] });
    try {
      const { logger, lines } = capture();
      logger.info('first');
      expect(isoTime()).toBe(pino.stdTimeFunctions.isoTime());
      vi.setSystemTime(new Date('2026-03-01T10:00:00.124Z'));
      logger.info('second');
      expect(isoTime()).toBe(pino.stdTimeFunctions.isoTime());
      expect(lines.map((line) => line.time)).toEqual(['2026-03-01T10:00:00.123Z', '2026-03-01T10:00:00.124Z']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('never writes secrets, tokens, passwords or card data', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        req: {
          headers: { authorization: 'Bearer abc.def.ghi', cookie: 'shop_board=xyz', 'stripe-signature': 't=1,v1=ff' },
        },
        password: 'hunter22',
        body: { password: 'hunter22', refreshToken: 'rt', card: { number: '4242' } },
        user: { passwordHash: '$argon2id$...', email: 'ada.lovelace@example.com' },
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
    expect(text).toContain('a***@example.com');
    expect(lines[0]).toMatchObject({ service: 'test', level: 'info', msg: 'something happened' });
  });

  it('masks every email address in fields, messages and error text, and leaves package paths alone', () => {
    const { logger, lines } = capture();
    const error = new Error('E11000 duplicate key error dup key: { email: "carol.jones+shop@mail.example.co.uk" }');
    logger.info(
      { to: 'customer@example.com', nested: { list: ['Bob <bob@shop.test>'] }, err: error },
      'sent to dave@x.io',
    );
    logger.info({ at: '/app/node_modules/.pnpm/fastify@5.2.1/x.js', id: '<email.password_reset.1@simple-shop>' }, 'ok');
    logger.info({ url: '/api/products/search?q=erin.smith%40example.org&limit=5' }, 'percent-encoded');
    const text = lines.map((line) => JSON.stringify(line)).join('\n');
    for (const address of [
      'customer@example.com',
      'bob@shop.test',
      'carol.jones+shop@mail.example.co.uk',
      'dave@x.io',
      'erin.smith%40example.org',
    ])
      expect(text).not.toContain(address);
    expect(lines[0]).toMatchObject({
      to: 'c***@example.com',
      msg: 'sent to d***@x.io',
      nested: { list: ['Bob <b***@shop.test>'] },
    });
    expect(text).toContain('c***@mail.example.co.uk');
    expect(lines[1]).toMatchObject({
      at: '/app/node_modules/.pnpm/fastify@5.2.1/x.js',
      id: '<email.password_reset.1@simple-shop>',
    });
    expect(lines[2]).toMatchObject({ url: '/api/products/search?q=e***@example.org&limit=5' });
  });
});

describe('the process logger (asynchronous writes)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shop-logger-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const linesOf = (file: string) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  it("writes a quiet process's lines without waiting for more", async () => {
    const file = join(dir, 'quiet.log');
    const logger = createLogger({ service: 'test', level: 'info' }, file);
    logger.info({ requestId: 'r-1' }, 'request completed');
    await vi.waitFor(() => expect(linesOf(file)).toMatchObject([{ requestId: 'r-1', msg: 'request completed' }]), {
      timeout: 5000,
    });
  });

  it('writes every buffered line, in order, when the process exits right after logging them', () => {
    const file = join(dir, 'exit.log');
    const logger = fileURLToPath(new URL('./logger.ts', import.meta.url));
    const script = [
      `import { openSync } from 'node:fs';`,
      `import { createLogger } from ${JSON.stringify(logger)};`,
      // A descriptor that is already open, like stdout in production.
      `const log = createLogger({ service: 'test', level: 'info' }, openSync(${JSON.stringify(file)}, 'w'));`,
      'for (let i = 0; i < 500; i += 1) log.info({ n: i }, "line");',
      'process.exit(3);',
    ].join('\n');
    let status = 0;
    try {
      execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: 'pipe' });
    } catch (error) {
      status = (error as { status: number }).status;
    }
    expect(status).toBe(3);
    expect(linesOf(file).map((line) => line.n)).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });
});
