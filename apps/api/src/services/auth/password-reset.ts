import { emailJobId } from '@simple-shop/queue';
import { ObjectId, recordEmail, type Collections, type UserDoc } from '@simple-shop/db';
import type { EmailPayload, TypedQueue } from '@simple-shop/queue';
import type { FastifyBaseLogger } from 'fastify';
import { HttpError } from '../../lib/http-error';
import type { PasswordHasher } from './passwords';
import { passwordPolicyViolation } from './passwords';
import { revokeAllForUser } from './refresh-tokens';
import { generateOpaqueToken, hashToken } from './tokens';
import { validationError } from './users';

export const RESET_TOKEN_TTL_MS = 30 * 60 * 1000;

type Ctx = Pick<Collections, 'users' | 'refreshTokens' | 'passwordResetTokens' | 'emailOutbox'>;

export function resetUrlFor(publicAppUrl: string, token: string): string {
  return `${publicAppUrl.replace(/\/+$/, '')}/reset-password?token=${encodeURIComponent(token)}`;
}

/**
 * Issues a single-use reset token (stored hashed, valid 30 minutes), writes the email to the
 * outbox and queues it for the worker. The raw token exists only in the outbox document (the
 * worker needs it to send the link) and in the email: it is never logged.
 */
export async function startPasswordReset(
  ctx: { collections: Ctx; emails: TypedQueue<EmailPayload>; publicAppUrl: string },
  user: UserDoc,
  correlationId: string,
  now: Date = new Date(),
): Promise<{ outboxId: string }> {
  const token = generateOpaqueToken();
  const tokenId = new ObjectId();
  await ctx.collections.passwordResetTokens.insertOne({
    _id: tokenId,
    userId: user._id,
    tokenHash: hashToken(token),
    expiresAt: new Date(now.getTime() + RESET_TOKEN_TTL_MS),
    createdAt: now,
  });
  const outboxId = await recordEmail(ctx.collections, {
    kind: 'password_reset',
    subjectId: tokenId.toHexString(),
    to: user.email,
    subject: 'Reset your password',
    data: { name: user.name, resetUrl: resetUrlFor(ctx.publicAppUrl, token) },
  });
  await ctx.emails.add('send', { outboxId, correlationId }, { jobId: emailJobId(outboxId) });
  return { outboxId };
}

function invalidResetToken(): HttpError {
  return new HttpError(400, 'INVALID_RESET_TOKEN', 'The reset link is invalid, expired or already used');
}

/**
 * Sets a new password with a reset token. The token is spent by a guarded update, so it works
 * once even under concurrent use; the policy is checked first so a rejected password does not
 * burn the token. Afterwards every session of the user is revoked (a reset usually means the
 * old password may be known to someone else) and other outstanding reset tokens are spent.
 */
export async function completePasswordReset(
  ctx: { collections: Ctx; hasher: PasswordHasher; log: FastifyBaseLogger },
  token: string,
  password: string,
  now: Date = new Date(),
): Promise<{ endedSessions: string[] }> {
  const { collections } = ctx;
  const tokenHash = hashToken(token);
  const found = await collections.passwordResetTokens.findOne({ tokenHash });
  if (!found || found.usedAt || found.expiresAt.getTime() <= now.getTime()) throw invalidResetToken();
  const user = await collections.users.findOne({ _id: found.userId });
  if (!user) throw invalidResetToken();
  const problem = passwordPolicyViolation(password, user.email);
  if (problem) throw validationError('body/password', problem);
  const passwordHash = await ctx.hasher.hash(password);

  // Guarded single-document update: of concurrent resets with one token exactly one gets here.
  const spent = await collections.passwordResetTokens.updateOne(
    { _id: found._id, tokenHash, usedAt: { $exists: false }, expiresAt: { $gt: now } },
    { $set: { usedAt: now } },
  );
  if (spent.modifiedCount !== 1) throw invalidResetToken();

  await collections.users.updateOne(
    { _id: user._id },
    { $set: { passwordHash, passwordChangedAt: now, updatedAt: now } },
  );
  const revoked = await revokeAllForUser(collections, user._id, 'password-reset', now);
  await collections.passwordResetTokens.updateMany(
    { userId: user._id, usedAt: { $exists: false } },
    { $set: { usedAt: now } },
  );
  ctx.log.info(
    { event: 'password_reset', userId: user._id.toHexString(), revokedSessions: revoked.familyIds.length },
    'password reset; all sessions revoked',
  );
  return { endedSessions: revoked.familyIds };
}
