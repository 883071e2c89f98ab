import { ObjectId, type Collections, type RefreshTokenDoc, type UserDoc } from '@simple-shop/db';
import type { FastifyBaseLogger } from 'fastify';
import { generateFamilyId, generateOpaqueToken, hashToken } from './tokens';

/**
 * Refresh tokens: opaque, stored as SHA-256, one *family* per login. Every refresh spends the
 * presented token (`usedAt`) and issues the next one in the same family. Presenting a spent token
 * again means two parties hold it (one of them stole it), so the whole family is revoked and a
 * security event is logged: the thief and the victim both have to log in again.
 */

type Ctx = Pick<Collections, 'refreshTokens' | 'users'>;

export interface IssuedRefreshToken {
  token: string;
  doc: RefreshTokenDoc;
}

export async function issueRefreshToken(
  ctx: Ctx,
  input: { userId: ObjectId; familyId?: string; parentId?: ObjectId; ttlDays: number },
  now: Date = new Date(),
): Promise<IssuedRefreshToken> {
  const token = generateOpaqueToken();
  const doc: RefreshTokenDoc = {
    _id: new ObjectId(),
    userId: input.userId,
    familyId: input.familyId ?? generateFamilyId(),
    tokenHash: hashToken(token),
    expiresAt: new Date(now.getTime() + input.ttlDays * 86_400_000),
    createdAt: now,
    ...(input.parentId ? { parentId: input.parentId } : {}),
  };
  await ctx.refreshTokens.insertOne(doc);
  return { token, doc };
}

export function findRefreshToken(ctx: Ctx, token: string): Promise<RefreshTokenDoc | null> {
  return ctx.refreshTokens.findOne({ tokenHash: hashToken(token) });
}

/** Revokes every not-yet-revoked token of a family; returns how many were revoked. */
export async function revokeFamily(ctx: Ctx, familyId: string, reason: string, now: Date = new Date()) {
  const result = await ctx.refreshTokens.updateMany(
    { familyId, revokedAt: { $exists: false } },
    { $set: { revokedAt: now, revokedReason: reason } },
  );
  return result.modifiedCount;
}

/**
 * Revokes every session of a user (password reset). Returns the logins (families) it ended, so
 * their access tokens can be ended too, and how many refresh tokens it revoked.
 */
export async function revokeAllForUser(
  ctx: Ctx,
  userId: ObjectId,
  reason: string,
  now: Date = new Date(),
): Promise<{ familyIds: string[]; revokedTokens: number }> {
  const live = { userId, revokedAt: { $exists: false } };
  const familyIds = (await ctx.refreshTokens.distinct('familyId', live)).map(String);
  const result = await ctx.refreshTokens.updateMany(live, { $set: { revokedAt: now, revokedReason: reason } });
  return { familyIds, revokedTokens: result.modifiedCount };
}

export type RotateResult =
  | { ok: true; user: UserDoc; issued: IssuedRefreshToken }
  | { ok: false; reason: 'revoked' | 'expired' | 'reused' | 'user-gone' };

async function reuseDetected(
  ctx: Ctx,
  presented: RefreshTokenDoc,
  log: FastifyBaseLogger,
  now: Date,
): Promise<RotateResult> {
  const revoked = await revokeFamily(ctx, presented.familyId, 'reuse-detected', now);
  // A security event: operators alert on it. Never log the token or its hash.
  log.warn(
    {
      event: 'refresh_token_reuse',
      userId: presented.userId.toHexString(),
      familyId: presented.familyId,
      tokenId: presented._id.toHexString(),
      revokedTokens: revoked,
    },
    'refresh token reuse detected: token family revoked',
  );
  return { ok: false, reason: 'reused' };
}

/**
 * Spends `presented` and issues its successor. Race-safe: the spend is one guarded single-document
 * update (not used, not revoked, not expired), so of two concurrent refreshes with the
 * same token exactly one wins; the loser is treated as reuse and revokes the family.
 */
export async function rotateRefreshToken(
  ctx: Ctx,
  presented: RefreshTokenDoc,
  options: { ttlDays: number; log: FastifyBaseLogger },
  now: Date = new Date(),
): Promise<RotateResult> {
  if (presented.usedAt) return reuseDetected(ctx, presented, options.log, now);
  if (presented.revokedAt) return { ok: false, reason: 'revoked' };
  if (presented.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired' };

  // A guarded single-document update (not findOneAndUpdate: on the offline MongoDB stand-in only
  // updateOne is atomic under concurrency; on a real server both are, and this is equally good).
  const claimed = await ctx.refreshTokens.updateOne(
    {
      _id: presented._id,
      tokenHash: presented.tokenHash,
      usedAt: { $exists: false },
      revokedAt: { $exists: false },
      expiresAt: { $gt: now },
    },
    { $set: { usedAt: now } },
  );
  if (claimed.modifiedCount !== 1) {
    const current = await ctx.refreshTokens.findOne({ _id: presented._id });
    // Lost the race to a concurrent refresh with the same token: that is reuse.
    if (current?.usedAt) return reuseDetected(ctx, presented, options.log, now);
    if (current?.revokedAt) return { ok: false, reason: 'revoked' };
    return { ok: false, reason: 'expired' };
  }

  const user = await ctx.users.findOne({ _id: presented.userId });
  if (!user) {
    await revokeFamily(ctx, presented.familyId, 'user-gone', now);
    return { ok: false, reason: 'user-gone' };
  }
  const issued = await issueRefreshToken(
    ctx,
    { userId: user._id, familyId: presented.familyId, parentId: presented._id, ttlDays: options.ttlDays },
    now,
  );
  // If the family was revoked between our spend and our insert (a concurrent reuse), the revocation
  // may have missed the new token: revoke it too, so a revoked family stays revoked.
  const after = await ctx.refreshTokens.findOne({ _id: presented._id });
  if (after?.revokedAt) await revokeFamily(ctx, presented.familyId, after.revokedReason ?? 'reuse-detected', now);
  return { ok: true, user, issued };
}
