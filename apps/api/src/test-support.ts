/**
 * Helpers for the API's own tests: a real app on the per-file database and Redis prefix the
 * harness hands out (no mocks), and tokens signed the way the auth routes sign them.
 */
import type { Role } from '@simple-shop/db';
import { testConfig } from '@simple-shop/testing';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app';

export async function buildTestApp(overrides: Record<string, string> = {}): Promise<FastifyInstance> {
  return buildApp({ config: testConfig(overrides) });
}

export function bearer(app: FastifyInstance, user: { sub: string; role: Role }): { authorization: string } {
  return { authorization: `Bearer ${app.jwt.sign(user)}` };
}
