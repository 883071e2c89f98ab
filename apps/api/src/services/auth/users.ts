import { normaliseEmail, ObjectId, type Role, type UserDoc } from '@simple-shop/db';
import type { Collection } from 'mongodb';
import { HttpError } from '../../lib/http-error';
import { passwordPolicyViolation, type PasswordHasher } from './passwords';

/** What the API shows of a user (never the hash). */
export interface PublicUser {
  id: string;
  email: string;
  name: string;
  role: Role;
}

export const EMAIL_MAX_LENGTH = 254;
export const NAME_MAX_LENGTH = 100;

// Shared with the seed and make-admin scripts, hence in the db package.
export { normaliseEmail };

export function toPublicUser(user: UserDoc): PublicUser {
  return { id: user._id.toHexString(), email: user.email, name: user.name, role: user.role };
}

/** A 400 in the same shape as a schema failure, for rules a JSON schema cannot express. */
export function validationError(path: string, message: string): HttpError {
  return new HttpError(400, 'VALIDATION_ERROR', `Invalid request: ${path} ${message}`, [{ path, message }]);
}

export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}

export interface CreateUserInput {
  email: string;
  password: string;
  name: string;
  role?: Role;
}

/**
 * Creates a user after the checks the schema cannot do (email length after trimming, name
 * trimmed, the password policy in bytes and against the email). Used by registration and by
 * seed/admin scripts. Throws `HttpError` 400 `VALIDATION_ERROR` or 409 `EMAIL_TAKEN`; nothing is
 * hashed or written when a check fails.
 */
export async function createUser(
  deps: { users: Collection<UserDoc>; hasher: Pick<PasswordHasher, 'hash'> },
  input: CreateUserInput,
  now: Date = new Date(),
): Promise<UserDoc> {
  const email = normaliseEmail(input.email);
  if (email.length === 0 || email.length > EMAIL_MAX_LENGTH)
    throw validationError('body/email', `must be 1 to ${EMAIL_MAX_LENGTH} characters`);
  const name = input.name.trim();
  if (name.length === 0 || name.length > NAME_MAX_LENGTH)
    throw validationError('body/name', `must be 1 to ${NAME_MAX_LENGTH} characters`);
  const problem = passwordPolicyViolation(input.password, email);
  if (problem) throw validationError('body/password', problem);

  // Cheap check first so a duplicate costs no hashing; the unique index still decides races.
  if (await deps.users.findOne({ email })) throw emailTaken();
  const passwordHash = await deps.hasher.hash(input.password);
  const user: UserDoc = {
    _id: new ObjectId(),
    email,
    name,
    role: input.role ?? 'customer',
    passwordHash,
    passwordChangedAt: now,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await deps.users.insertOne(user);
  } catch (error) {
    if (isDuplicateKeyError(error)) throw emailTaken();
    throw error;
  }
  return user;
}

function emailTaken(): HttpError {
  return new HttpError(409, 'EMAIL_TAKEN', 'An account with this email already exists');
}

export async function findUserById(users: Collection<UserDoc>, id: string): Promise<UserDoc | null> {
  if (!ObjectId.isValid(id) || id.length !== 24) return null;
  return users.findOne({ _id: new ObjectId(id) });
}
