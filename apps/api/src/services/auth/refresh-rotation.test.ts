import { connectDatabase, ObjectId, type Database } from '@simple-shop/db';
import { testEnv } from '@simple-shop/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  findRefreshToken,
  issueRefreshToken,
  revokeAllForUser,
  revokeFamily,
  rotateRefreshToken,
} from './refresh-tokens';
import { hashToken } from './tokens';

/**
 * Refresh-token rotation called directly against a real MongoDB-protocol server, at fixed times:
 * what each outcome writes (and does not write), and the reuse security event.
 */
let database: Database;
const lines: string[] = [];
const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
const DAY = 86_400_000;
const T0 = new Date('2026-03-01T10:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

beforeAll(async () => {
  const env = testEnv();
  database = await connectDatabase({ uri: env.MONGODB_URI, dbName: env.MONGODB_DB, appName: 'refresh-rotation-test' });
});
afterAll(async () => database?.close());

const ctx = () => database.collections;
async function user(): Promise<ObjectId> {
  const id = new ObjectId();
  await database.collections.users.insertOne({
    _id: id,
    email: `${id.toHexString()}@example.test`,
    name: 'Linus',
    role: 'customer',
    passwordHash: 'x',
    createdAt: T0,
    updatedAt: T0,
  });
  return id;
}
const doc = async (id: ObjectId) => (await database.collections.refreshTokens.findOne({ _id: id }))!;
const family = (familyId: string) =>
  database.collections.refreshTokens.find({ familyId }).sort({ createdAt: 1 }).toArray();

describe('issuing', () => {
  it('stores only the hash, expiring ttlDays after now, in a new family without a parent', async () => {
    const userId = await user();
    const { token, doc: issued } = await issueRefreshToken(ctx(), { userId, ttlDays: 30 }, T0);
    const stored = await doc(issued._id);
    expect(stored).toEqual(issued);
    expect(stored.tokenHash).toBe(hashToken(token));
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(stored.expiresAt).toEqual(at(30 * DAY));
    expect(stored.createdAt).toEqual(T0);
    expect(stored.userId).toEqual(userId);
    expect(stored.familyId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(stored).not.toHaveProperty('parentId');
    expect(await findRefreshToken(ctx(), token)).toEqual(stored);
    expect(await findRefreshToken(ctx(), `${token}x`)).toBeNull();

    const second = await issueRefreshToken(ctx(), { userId, ttlDays: 30 }, T0);
    expect(second.doc.familyId).not.toBe(stored.familyId);
  });
});

describe('rotating', () => {
  it('spends the token at `now` and hands out its successor in the same family, parented, with a fresh lifetime', async () => {
    const userId = await user();
    const { doc: first } = await issueRefreshToken(ctx(), { userId, ttlDays: 30 }, T0);
    const result = await rotateRefreshToken(ctx(), first, { ttlDays: 7, log }, at(DAY));
    if (!result.ok) throw new Error(`rotation refused: ${result.reason}`);
    expect(result.user._id).toEqual(userId);
    expect((await doc(first._id)).usedAt).toEqual(at(DAY));
    expect(await doc(result.issued.doc._id)).toMatchObject({
      familyId: first.familyId,
      parentId: first._id,
      userId,
      expiresAt: at(8 * DAY),
      createdAt: at(DAY),
    });
    expect(await findRefreshToken(ctx(), result.issued.token)).not.toBeNull();
    expect((await family(first.familyId)).some((t) => t.revokedAt)).toBe(false);
  });

  it('a spent token is reuse: the whole family is revoked, the event logged without the token, nothing issued', async () => {
    const userId = await user();
    const { doc: first } = await issueRefreshToken(ctx(), { userId, ttlDays: 30 }, T0);
    const rotated = await rotateRefreshToken(ctx(), first, { ttlDays: 30, log }, at(1000));
    expect(rotated.ok).toBe(true);
    const other = await issueRefreshToken(ctx(), { userId, ttlDays: 30 }, T0);
    lines.length = 0;

    const spent = await doc(first._id);
    expect(await rotateRefreshToken(ctx(), spent, { ttlDays: 30, log }, at(2000))).toEqual({
      ok: false,
      reason: 'reused',
    });
    const tokens = await family(first.familyId);
    expect(tokens).toHaveLength(2);
    for (const t of tokens) expect(t).toMatchObject({ revokedAt: at(2000), revokedReason: 'reuse-detected' });
    expect((await doc(other.doc._id)).revokedAt).toBeUndefined();

    expect(lines).toHaveLength(1);
    const event = JSON.parse(lines[0]!);
    expect(event).toMatchObject({
      level: 40,
      event: 'refresh_token_reuse',
      userId: userId.toHexString(),
      familyId: first.familyId,
      tokenId: first._id.toHexString(),
      revokedTokens: 2,
      msg: 'refresh token reuse detected: token family revoked',
    });
    expect(lines[0]).not.toContain(spent.tokenHash);
  });

  it('refuses a revoked token and an expired one (expiry at exactly now included), writing nothing', async () => {
    const userId = await user();
    const { doc: revoked } = await issueRefreshToken(ctx(), { userId, ttlDays: 1 }, T0);
    expect(await revokeFamily(ctx(), revoked.familyId, 'logout', at(10))).toBe(1);
    const revokedNow = await doc(revoked._id);
    expect(await rotateRefreshToken(ctx(), revokedNow, { ttlDays: 1, log }, at(20))).toEqual({
      ok: false,
      reason: 'revoked',
    });
    expect(await doc(revoked._id)).toEqual(revokedNow);

    const { doc: expiring } = await issueRefreshToken(ctx(), { userId, ttlDays: 1 }, T0);
    expect(await rotateRefreshToken(ctx(), expiring, { ttlDays: 1, log }, at(DAY))).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect(await doc(expiring._id)).toEqual(expiring);
    expect(await family(expiring.familyId)).toHaveLength(1);
    // One millisecond before its end it still rotates.
    expect((await rotateRefreshToken(ctx(), expiring, { ttlDays: 1, log }, at(DAY - 1))).ok).toBe(true);
  });

  it('answers from the stored token when the presented copy is stale: spent → reuse, revoked → revoked, expired → expired', async () => {
    const userId = await user();
    const { doc: raced } = await issueRefreshToken(ctx(), { userId, ttlDays: 30 }, T0);
    await database.collections.refreshTokens.updateOne({ _id: raced._id }, { $set: { usedAt: at(5) } });
    expect(await rotateRefreshToken(ctx(), raced, { ttlDays: 30, log }, at(10))).toEqual({
      ok: false,
      reason: 'reused',
    });
    expect((await doc(raced._id)).revokedReason).toBe('reuse-detected');

    const { doc: revoked } = await issueRefreshToken(ctx(), { userId, ttlDays: 30 }, T0);
    await revokeFamily(ctx(), revoked.familyId, 'logout', at(5));
    expect(await rotateRefreshToken(ctx(), revoked, { ttlDays: 30, log }, at(10))).toEqual({
      ok: false,
      reason: 'revoked',
    });
    expect((await doc(revoked._id)).revokedReason).toBe('logout');

    const { doc: shortened } = await issueRefreshToken(ctx(), { userId, ttlDays: 30 }, T0);
    await database.collections.refreshTokens.updateOne({ _id: shortened._id }, { $set: { expiresAt: at(10) } });
    expect(await rotateRefreshToken(ctx(), shortened, { ttlDays: 30, log }, at(10))).toEqual({
      ok: false,
      reason: 'expired',
    });
    const after = await doc(shortened._id);
    expect(after.usedAt).toBeUndefined();
    expect(after.revokedAt).toBeUndefined();
  });

  it("a deleted user's token is spent and its family revoked as user-gone", async () => {
    const userId = await user();
    const { doc: token } = await issueRefreshToken(ctx(), { userId, ttlDays: 30 }, T0);
    await database.collections.users.deleteOne({ _id: userId });
    expect(await rotateRefreshToken(ctx(), token, { ttlDays: 30, log }, at(10))).toEqual({
      ok: false,
      reason: 'user-gone',
    });
    const tokens = await family(token.familyId);
    expect(tokens).toHaveLength(1);
    expect(tokens[0]).toMatchObject({ revokedAt: at(10), revokedReason: 'user-gone' });
  });

  it('a revocation landing between the spend and the insert still leaves the whole family, the new token too, revoked', async () => {
    // The users read sits between the spend and the insert: a concurrent logout, or a revocation
    // recorded without a reason, ends the family there.
    const cases = [
      { revoke: { revokedAt: at(5), revokedReason: 'logout' }, expected: 'logout' },
      { revoke: { revokedAt: at(5) }, expected: 'reuse-detected' },
    ];
    for (const { revoke, expected } of cases) {
      const userId = await user();
      const { doc: token } = await issueRefreshToken(ctx(), { userId, ttlDays: 30 }, T0);
      const interleaved = {
        refreshTokens: database.collections.refreshTokens,
        users: {
          findOne: async (filter: { _id: ObjectId }) => {
            await database.collections.refreshTokens.updateMany({ familyId: token.familyId }, { $set: revoke });
            return database.collections.users.findOne(filter);
          },
        },
      } as unknown as Parameters<typeof rotateRefreshToken>[0];
      const result = await rotateRefreshToken(interleaved, token, { ttlDays: 30, log }, at(10));
      expect(result.ok).toBe(true);
      const tokens = await family(token.familyId);
      expect(tokens).toHaveLength(2);
      expect(tokens[1]).toMatchObject({ revokedAt: at(10), revokedReason: expected });
      expect(tokens[0]).toMatchObject({ revokedAt: at(5) });
    }
  });

  it('a token removed since it was read (its TTL ran out) is expired, not an error', async () => {
    const userId = await user();
    const { doc: token } = await issueRefreshToken(ctx(), { userId, ttlDays: 30 }, T0);
    await database.collections.refreshTokens.deleteOne({ _id: token._id });
    expect(await rotateRefreshToken(ctx(), token, { ttlDays: 30, log }, at(10))).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect(await family(token.familyId)).toEqual([]);
  });
});

describe('revoking', () => {
  it('revokeFamily revokes only live tokens of that family and counts them', async () => {
    const userId = await user();
    const { doc: a } = await issueRefreshToken(ctx(), { userId, ttlDays: 30 }, T0);
    const b = await issueRefreshToken(ctx(), { userId, familyId: a.familyId, parentId: a._id, ttlDays: 30 }, T0);
    expect(b.doc.parentId).toEqual(a._id);
    const other = await issueRefreshToken(ctx(), { userId, ttlDays: 30 }, T0);
    expect(await revokeFamily(ctx(), a.familyId, 'logout', at(1))).toBe(2);
    expect(await revokeFamily(ctx(), a.familyId, 'again', at(2))).toBe(0);
    expect(await doc(b.doc._id)).toMatchObject({ revokedAt: at(1), revokedReason: 'logout' });
    expect((await doc(other.doc._id)).revokedAt).toBeUndefined();
  });

  it('revokeAllForUser ends every live login of that user only, naming the families it ended', async () => {
    const userId = await user();
    const someoneElse = await user();
    const { doc: one } = await issueRefreshToken(ctx(), { userId, ttlDays: 30 }, T0);
    const { doc: two } = await issueRefreshToken(ctx(), { userId, ttlDays: 30 }, T0);
    await issueRefreshToken(ctx(), { userId, familyId: two.familyId, ttlDays: 30 }, T0);
    const { doc: ended } = await issueRefreshToken(ctx(), { userId, ttlDays: 30 }, T0);
    await revokeFamily(ctx(), ended.familyId, 'logout', at(1));
    const { doc: theirs } = await issueRefreshToken(ctx(), { userId: someoneElse, ttlDays: 30 }, T0);

    const result = await revokeAllForUser(ctx(), userId, 'password-reset', at(2));
    expect(result.revokedTokens).toBe(3);
    expect([...result.familyIds].sort()).toEqual([one.familyId, two.familyId].sort());
    expect(await doc(one._id)).toMatchObject({ revokedAt: at(2), revokedReason: 'password-reset' });
    expect(await doc(ended._id)).toMatchObject({ revokedAt: at(1), revokedReason: 'logout' });
    expect((await doc(theirs._id)).revokedAt).toBeUndefined();
  });
});
