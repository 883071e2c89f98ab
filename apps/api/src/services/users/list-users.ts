import type { UserDoc } from '@simple-shop/db';
import type { Static } from '@sinclair/typebox';
import type { Collection } from 'mongodb';
import { afterTimeCursor, encodeTimeCursor } from '../../lib/cursor';
import type { AdminUser, AdminUsersPage } from '../../schemas/users';

/** What an admin sees of a user: never the password hash or any token. */
export function toAdminUser(user: UserDoc): Static<typeof AdminUser> {
  return {
    id: user._id.toHexString(),
    email: user.email,
    name: user.name,
    role: user.role,
    createdAt: user.createdAt.toISOString(),
  };
}

/**
 * One page of users, newest first on (createdAt, _id) with the API's keyset cursor (lib/cursor.ts):
 * a page never repeats or skips a user when users are added while an admin pages.
 */
export async function listUsers(
  users: Collection<UserDoc>,
  page: { limit: number; cursor?: string | undefined },
): Promise<Static<typeof AdminUsersPage>> {
  const docs = await users
    .find(afterTimeCursor(page.cursor))
    .sort({ createdAt: -1, _id: -1 })
    .limit(page.limit + 1)
    .toArray();
  const items = docs.slice(0, page.limit);
  const last = items.at(-1);
  return {
    items: items.map(toAdminUser),
    nextCursor: docs.length > page.limit && last ? encodeTimeCursor(last.createdAt, last._id) : null,
  };
}
