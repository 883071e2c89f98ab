import { Type, type Static } from '@sinclair/typebox';

/**
 * Auth requests and responses. Bodies refuse extra fields; responses are the DTOs, so a password
 * hash or token hash can never be serialised. Rules a schema cannot express (email length after
 * trimming, password length in UTF-8 bytes, password ≠ email) are checked in the service and
 * answered with the same `VALIDATION_ERROR` shape.
 */

// The email format of ajv-formats, with surrounding whitespace allowed (it is trimmed, then
// lower-cased, before anything else happens). Written out because `format: email` refuses spaces.
const EMAIL_ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const EMAIL_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?';
export const EMAIL_PATTERN = `^\\s*${EMAIL_ATOM}(?:\\.${EMAIL_ATOM})*@(?:${EMAIL_LABEL}\\.)+${EMAIL_LABEL}\\s*$`;

export const Email = Type.String({
  pattern: EMAIL_PATTERN,
  maxLength: 320,
  description: 'Email address; trimmed and lower-cased. At most 254 characters once trimmed.',
  examples: ['ada@example.com'],
});

/** Characters 8..128 here; the service also enforces at most 128 UTF-8 bytes and password ≠ email. */
export const NewPassword = Type.String({
  minLength: 8,
  maxLength: 128,
  description: '8 characters to 128 UTF-8 bytes; must not be the email address.',
});

/** Any non-empty password up to the policy's maximum (a longer one cannot be right). */
const CurrentPassword = Type.String({ minLength: 1, maxLength: 128 });

export const Name = Type.String({
  minLength: 1,
  maxLength: 100,
  // At least one visible character, no control characters; stored trimmed.
  pattern: '^(?=[\\s\\S]*\\S)[^\\u0000-\\u001F\\u007F]+$',
  examples: ['Ada Lovelace'],
});

const OpaqueToken = Type.String({ minLength: 20, maxLength: 256, pattern: '^[A-Za-z0-9_-]+$' });

export const RegisterBody = Type.Object(
  { email: Email, password: NewPassword, name: Name },
  { additionalProperties: false },
);
export type RegisterBody = Static<typeof RegisterBody>;

export const LoginBody = Type.Object({ email: Email, password: CurrentPassword }, { additionalProperties: false });
export type LoginBody = Static<typeof LoginBody>;

export const RefreshBody = Type.Object({ refreshToken: OpaqueToken }, { additionalProperties: false });
export type RefreshBody = Static<typeof RefreshBody>;

export const LogoutBody = RefreshBody;

export const ForgotPasswordBody = Type.Object({ email: Email }, { additionalProperties: false });

export const ResetPasswordBody = Type.Object(
  { token: OpaqueToken, password: NewPassword },
  { additionalProperties: false },
);

export const Role = Type.Union([Type.Literal('customer'), Type.Literal('admin')]);

export const PublicUser = Type.Object(
  {
    id: Type.String({ pattern: '^[0-9a-f]{24}$' }),
    email: Type.String(),
    name: Type.String(),
    role: Role,
  },
  { additionalProperties: false },
);

export const TokenPair = Type.Object(
  {
    accessToken: Type.String({ description: 'JWT (HS256) for `Authorization: Bearer`' }),
    refreshToken: Type.String({ description: 'Opaque, single use: every refresh returns a new one' }),
    tokenType: Type.Literal('Bearer'),
    expiresIn: Type.Integer({ description: 'Lifetime of the access token in seconds' }),
  },
  { additionalProperties: false },
);

export const AuthSession = Type.Object(
  {
    user: PublicUser,
    accessToken: TokenPair.properties.accessToken,
    refreshToken: TokenPair.properties.refreshToken,
    tokenType: TokenPair.properties.tokenType,
    expiresIn: TokenPair.properties.expiresIn,
  },
  { additionalProperties: false },
);

export const Accepted = Type.Object(
  { status: Type.Literal('accepted') },
  { additionalProperties: false, description: 'The same answer whether or not the account exists' },
);
