import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../../../schemas/error';
import { AdminUsersPage, AdminUsersQuery } from '../../../schemas/users';
import { listUsers } from '../../../services/users/list-users';

/** GET /api/admin/users: every user, newest first (the admin guard is the folder's, see index.ts). */
const users: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/',
    {
      schema: {
        tags: ['admin'],
        summary: 'List users, newest first',
        security: [{ bearerAuth: [] }],
        querystring: AdminUsersQuery,
        response: { 200: AdminUsersPage, ...errorResponses },
      },
    },
    async (request) => listUsers(app.deps.database.collections.users, request.query),
  );
};

export default users;
