import { createHash, randomBytes } from 'node:crypto';

/**
 * Opaque secrets handed to clients (refresh tokens, password-reset tokens): 32 random bytes,
 * base64url (43 characters). Only their SHA-256 is stored, so a database leak yields no usable
 * token; a fast hash is enough because the input has 256 bits of entropy.
 */
export function generateOpaqueToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Random identifier of a refresh-token family (one per login). */
export function generateFamilyId(): string {
  return randomBytes(16).toString('base64url');
}
