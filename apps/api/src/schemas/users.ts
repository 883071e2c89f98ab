import { Type } from '@sinclair/typebox';
import { Role } from './auth';

export const AdminUsersQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'The `nextCursor` of the previous page' }),
    ),
  },
  { additionalProperties: false },
);

export const AdminUser = Type.Object(
  {
    id: Type.String({ pattern: '^[0-9a-f]{24}$' }),
    email: Type.String(),
    name: Type.String(),
    role: Role,
    createdAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

export const AdminUsersPage = Type.Object(
  {
    items: Type.Array(AdminUser),
    nextCursor: Type.Union([Type.String(), Type.Null()], {
      description: 'Pass as `cursor` for the next page; null on the last page',
    }),
  },
  { additionalProperties: false },
);
