import { argon2id, hash, needsRehash, verify } from 'argon2';

/**
 * Password hashing (argon2id) and the password policy. Reusable outside the API (seed and admin
 * scripts): nothing here depends on Fastify.
 */

export interface Argon2Params {
  /** KiB; OWASP minimum 19 MiB (19456). */
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

/** The cost parameters from the shared config (`ARGON2_*`). */
export function argon2ParamsFromConfig(config: {
  ARGON2_MEMORY_KIB: number;
  ARGON2_TIME_COST: number;
  ARGON2_PARALLELISM: number;
}): Argon2Params {
  return {
    memoryCost: config.ARGON2_MEMORY_KIB,
    timeCost: config.ARGON2_TIME_COST,
    parallelism: config.ARGON2_PARALLELISM,
  };
}

export const PASSWORD_MIN_CHARS = 8;
/** Checked in UTF-8 bytes before anything is hashed (argon2's cost is per byte of input). */
export const PASSWORD_MAX_BYTES = 128;

/**
 * The password policy: 8 characters to 128 UTF-8 bytes, and not the account's own email
 * (compared case-insensitively, ignoring surrounding spaces). Returns the problem, or null.
 */
export function passwordPolicyViolation(password: string, email?: string): string | null {
  if ([...password].length < PASSWORD_MIN_CHARS) return `must be at least ${PASSWORD_MIN_CHARS} characters`;
  if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES)
    return `must be at most ${PASSWORD_MAX_BYTES} bytes (UTF-8)`;
  if (email !== undefined && password.trim().toLowerCase() === email.trim().toLowerCase())
    return 'must not be the email address';
  return null;
}

export async function hashPassword(password: string, params: Argon2Params): Promise<string> {
  return hash(password, { type: argon2id, ...params });
}

export interface PasswordHasher {
  readonly params: Argon2Params;
  hash(password: string): Promise<string>;
  /** False (never a throw) for a wrong password or an unparsable hash. */
  verify(passwordHash: string, password: string): Promise<boolean>;
  /**
   * Spends the same time as `verify` against a real hash and always returns false: used when
   * the account does not exist, so that a login cannot tell unknown emails by its timing.
   */
  verifyDummy(password: string): Promise<false>;
  /** True when a stored hash was made with other parameters than the configured ones. */
  needsRehash(passwordHash: string): boolean;
}

/** The argon2 work a hasher does: a hash, a verification against an account's hash, or against the dummy. */
export type Argon2Operation = 'hash' | 'verify' | 'verify_dummy';

/** Told of every argon2 operation the hasher ran, once argon2 has run it (for a metric). */
export interface PasswordHasherObserver {
  ran(operation: Argon2Operation): void;
}

/**
 * A hasher bound to the configured cost. The dummy hash is computed once, here, with the same
 * parameters as real hashes (so an unknown-email login costs a full verification too). The
 * observer hears of each verification after argon2 has run it: counting them proves the cost of a
 * login is the same whether or not the account exists, without timing anything.
 */
export async function createPasswordHasher(
  params: Argon2Params,
  observer?: PasswordHasherObserver,
): Promise<PasswordHasher> {
  const dummyHash = await hashPassword(`dummy-${Math.random()}-${Date.now()}`, params);
  const safeVerify = async (passwordHash: string, password: string): Promise<boolean> => {
    try {
      return await verify(passwordHash, password);
    } catch {
      return false;
    } finally {
      observer?.ran(passwordHash === dummyHash ? 'verify_dummy' : 'verify');
    }
  };
  return {
    params,
    hash: async (password) => {
      try {
        return await hashPassword(password, params);
      } finally {
        observer?.ran('hash');
      }
    },
    verify: safeVerify,
    verifyDummy: async (password) => {
      await safeVerify(dummyHash, password);
      return false;
    },
    needsRehash: (passwordHash) => {
      try {
        return needsRehash(passwordHash, params);
      } catch {
        return true;
      }
    },
  };
}
