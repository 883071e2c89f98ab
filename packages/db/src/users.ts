import type { Collection } from 'mongodb';
import type { UserDoc } from './documents';

/** The one normal form of an email address: trimmed and lower-cased (the unique index is on it). */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * Gives a user the admin role (`pnpm make-admin <email>`). Returns what happened so the caller
 * can say it; the role takes effect with the user's next access token (at most 15 minutes).
 * Lives here rather than in the API so the script and the API share it without importing an app.
 */
export async function promoteToAdmin(
  users: Collection<UserDoc>,
  rawEmail: string,
  now: Date = new Date(),
): Promise<'promoted' | 'already-admin' | 'not-found'> {
  const email = normaliseEmail(rawEmail);
  const user = await users.findOne({ email });
  if (!user) return 'not-found';
  if (user.role === 'admin') return 'already-admin';
  await users.updateOne({ _id: user._id }, { $set: { role: 'admin', updatedAt: now } });
  return 'promoted';
}
