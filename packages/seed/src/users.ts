/**
 * Demo accounts: one admin and one customer, upserted by normalised email. An existing account is
 * left as it is (its password is not reset), so re-running the seed never locks anyone out.
 */
import { normaliseEmail, type Database, type Role } from '@simple-shop/db';
import argon2 from 'argon2';

/** Development defaults, documented in the README; override with SEED_ADMIN_PASSWORD / SEED_CUSTOMER_PASSWORD. */
export const DEFAULT_ADMIN_PASSWORD = 'admin-demo-pass';
export const DEFAULT_CUSTOMER_PASSWORD = 'customer-demo-pass';

export interface DemoAccount {
  email: string;
  name: string;
  role: Role;
  password: string;
}

export function demoAccounts(env: NodeJS.ProcessEnv = process.env): DemoAccount[] {
  return [
    {
      email: 'admin@example.com',
      name: 'Demo Admin',
      role: 'admin',
      password: env.SEED_ADMIN_PASSWORD || DEFAULT_ADMIN_PASSWORD,
    },
    {
      email: 'customer@example.com',
      name: 'Demo Customer',
      role: 'customer',
      password: env.SEED_CUSTOMER_PASSWORD || DEFAULT_CUSTOMER_PASSWORD,
    },
  ];
}

/** argon2id at OWASP's minimum cost (the API's defaults: ARGON2_MEMORY_KIB=19456, t=2, p=1). */
export async function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
}

export async function seedUsers(
  database: Database,
  accounts: DemoAccount[],
  now = new Date(),
): Promise<{ created: string[]; existing: string[] }> {
  const created: string[] = [];
  const existing: string[] = [];
  for (const account of accounts) {
    const email = normaliseEmail(account.email);
    if (await database.collections.users.findOne({ email })) {
      existing.push(email);
      continue;
    }
    const passwordHash = await hashPassword(account.password);
    // Upsert with $setOnInsert: a concurrent seed (or registration) of the same email wins cleanly.
    const result = await database.collections.users.updateOne(
      { email },
      {
        $setOnInsert: {
          email,
          name: account.name,
          role: account.role,
          passwordHash,
          createdAt: now,
          updatedAt: now,
        },
      },
      { upsert: true },
    );
    (result.upsertedCount === 1 ? created : existing).push(email);
  }
  return { created, existing };
}
