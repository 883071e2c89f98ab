import { randomUUID } from 'node:crypto';
import { ObjectId } from '@simple-shop/db';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOARD_COOKIE } from '../../../plugins/external/bull-board';
import { BOARD_SESSION_TTL_SECONDS } from '../../../services/auth/board-tokens';
import { buildTestApp } from '../../../app.test-support';

/**
 * Attacks on board tokens (security review finding 1): a board token used as an API bearer token,
 * a board token renewing itself, a board session outliving the access token that opened it, a
 * demoted admin still getting board sessions, and a revocation that expires before the board token.
 */
async function insertAdmin(app: FastifyInstance): Promise<string> {
  const id = new ObjectId();
  const now = new Date();
  await app.deps.database.collections.users.insertOne({
    _id: id,
    email: `board-admin-${id.toHexString()}@example.test`,
    name: 'Board admin',
    role: 'admin',
    passwordHash: '$argon2id$unused-in-this-test',
    createdAt: now,
    updatedAt: now,
  });
  return id.toHexString();
}

const accessToken = (app: FastifyInstance, sub: string, expiresInSeconds?: number) =>
  app.jwt.sign({ sub, role: 'admin', sid: randomUUID() }, expiresInSeconds ? { expiresIn: expiresInSeconds } : {});

async function openBoardSession(app: FastifyInstance, token: string) {
  return app.inject({ method: 'POST', url: '/api/admin/board-session', headers: { authorization: `Bearer ${token}` } });
}

function boardTokenOf(res: Awaited<ReturnType<typeof openBoardSession>>): string {
  expect(res.statusCode).toBe(204);
  const cookie = res.cookies.find((c) => c.name === BOARD_COOKIE);
  expect(cookie).toBeDefined();
  return cookie!.value;
}

describe('board tokens', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildTestApp({ ACCESS_TOKEN_TTL_SECONDS: '60' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('have their own audience and open no API route (the board guard accepts them)', async () => {
    const board = boardTokenOf(await openBoardSession(app, accessToken(app, await insertAdmin(app))));
    const payload = app.jwt.decode<{ aud: string }>(board)!;
    expect(payload.aud).toBe(`${app.deps.config.JWT_AUDIENCE}:board`);
    const asBearer = await app.inject({
      method: 'GET',
      url: '/api/admin/users',
      headers: { authorization: `Bearer ${board}` },
    });
    expect(asBearer.statusCode).toBe(401);
    expect(asBearer.json().error.code).toBe('UNAUTHORIZED');
    const onBoard = await app.inject({
      method: 'GET',
      url: '/admin/queues/api/queues',
      cookies: { [BOARD_COOKIE]: board },
    });
    expect(onBoard.statusCode).toBe(200);
  });

  it('cannot mint another board token', async () => {
    const board = boardTokenOf(await openBoardSession(app, accessToken(app, await insertAdmin(app))));
    const renewed = await openBoardSession(app, board);
    expect(renewed.statusCode).toBe(401);
    expect(renewed.headers['set-cookie']).toBeUndefined();
  });

  it('never outlive the access token that created them', async () => {
    const parent = accessToken(app, await insertAdmin(app), 120);
    const parentExp = app.jwt.decode<{ exp: number }>(parent)!.exp;
    const res = await openBoardSession(app, parent);
    const board = app.jwt.decode<{ exp: number }>(boardTokenOf(res))!;
    expect(board.exp).toBeLessThanOrEqual(parentExp);
    const maxAge = Number(/Max-Age=(\d+)/.exec(String(res.headers['set-cookie']))?.[1]);
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(120);
  });

  it('are issued only while the database still says admin', async () => {
    const sub = await insertAdmin(app);
    const token = accessToken(app, sub);
    boardTokenOf(await openBoardSession(app, token));
    await app.deps.database.collections.users.updateOne({ _id: new ObjectId(sub) }, { $set: { role: 'customer' } });
    const demoted = await openBoardSession(app, token);
    expect(demoted.statusCode).toBe(403);
    expect(demoted.headers['set-cookie']).toBeUndefined();
  });

  it('stay revoked for as long as a board token lives, even with a shorter access-token lifetime', async () => {
    const sub = await insertAdmin(app);
    const sid = randomUUID();
    const board = boardTokenOf(
      await openBoardSession(app, app.jwt.sign({ sub, role: 'admin', sid }, { expiresIn: 900 })),
    );
    await app.sessionRevocations.revoke([sid], app.log);
    const cookies = { [BOARD_COOKIE]: board };
    expect((await app.inject({ method: 'GET', url: '/admin/queues/api/queues', cookies })).statusCode).toBe(401);
    const ttl = await app.deps.redis.ttl(`${app.deps.config.REDIS_KEY_PREFIX}:auth:revoked:${sid}`);
    const boardExp = app.jwt.decode<{ exp: number }>(board)!.exp;
    expect(ttl).toBeGreaterThanOrEqual(BOARD_SESSION_TTL_SECONDS);
    expect(Date.now() / 1000 + ttl).toBeGreaterThanOrEqual(boardExp);
  });
});
