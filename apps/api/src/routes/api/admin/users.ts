import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ObjectId, type UserDoc } from '@simple-shop/db';
import type { Filter } from 'mongodb';
import { HttpError } from '../../../lib/http-error';
import { errorResponses } from '../../../schemas/error';
import { AdminUsersPage, AdminUsersQuery } from '../../../schemas/users';

/**
 * Keyset pagination, newest first on (createdAt, _id): the cursor is the position of the last
 * item of the page, so a page never repeats or skips a user when users are added meanwhile.
 */
function encodeCursor(user: UserDoc): string {
  return Buffer.from(`${user.createdAt.getTime()}.${user._id.toHexString()}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: ObjectId } {
  const match = /^(\d{1,15})\.([0-9a-f]{24})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new HttpError(400, 'INVALID_CURSOR', 'The cursor is not one this API returned');
  return { createdAt: new Date(Number(match[1])), id: new ObjectId(match[2]) };
}

/** /api/admin/users (admin role only). */
const users: FastifyPluginAsyncTypebox = async (app) => {
  const { collections } = app.deps.database;

  app.get(
    '/',
    {
      onRequest: app.requireAdmin,
      schema: {
        tags: ['admin'],
        summary: 'List users, newest first',
        security: [{ bearerAuth: [] }],
        querystring: AdminUsersQuery,
        response: { 200: AdminUsersPage, ...errorResponses },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      let filter: Filter<UserDoc> = {};
      if (cursor) {
        const after = decodeCursor(cursor);
        filter = {
          $or: [{ createdAt: { $lt: after.createdAt } }, { createdAt: after.createdAt, _id: { $lt: after.id } }],
        };
      }
      const docs = await collections.users
        .find(filter)
        .sort({ createdAt: -1, _id: -1 })
        .limit(limit + 1)
        .toArray();
      const page = docs.slice(0, limit);
      const last = page.at(-1);
      return {
        items: page.map((user) => ({
          id: user._id.toHexString(),
          email: user.email,
          name: user.name,
          role: user.role,
          createdAt: user.createdAt.toISOString(),
        })),
        nextCursor: docs.length > limit && last ? encodeCursor(last) : null,
      };
    },
  );
};

export default users;
