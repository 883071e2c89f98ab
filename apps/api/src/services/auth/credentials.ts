import type { UserDoc } from '@simple-shop/db';
import type { Collection } from 'mongodb';
import type { PasswordHasher } from './passwords';

/**
 * Checks an email and password. An unknown email costs one full argon2 verification too (against the
 * hasher's dummy hash), so the answer time does not tell which emails have accounts. When the configured
 * cost changed since the stored hash was made, the hash is upgraded while the password is at hand.
 * Returns the user, or null for any mismatch.
 */
export async function verifyCredentials(
  deps: { users: Collection<UserDoc>; hasher: PasswordHasher },
  email: string,
  password: string,
): Promise<UserDoc | null> {
  const { users, hasher } = deps;
  const user = await users.findOne({ email });
  const valid = user ? await hasher.verify(user.passwordHash, password) : await hasher.verifyDummy(password);
  if (!user || !valid) return null;
  if (hasher.needsRehash(user.passwordHash)) {
    const passwordHash = await hasher.hash(password);
    // Guarded on the old hash: a password changed meanwhile is not overwritten.
    await users.updateOne(
      { _id: user._id, passwordHash: user.passwordHash },
      { $set: { passwordHash, updatedAt: new Date() } },
    );
  }
  return user;
}
