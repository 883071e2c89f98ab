import { createLogger } from '@simple-shop/observability';
import { testConfig } from '@simple-shop/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { describe, expect, it } from 'vitest';
import { createDependencies } from '../../deps';
import dependencyMetrics from './dependency-metrics';
import httpMetrics from './http-metrics';

/** The plugin on real MongoDB and Redis connections (as app.ts would register it, after http-metrics). */
async function appWith(overrides: Record<string, string> = {}): Promise<FastifyInstance> {
  const config = testConfig(overrides);
  const deps = await createDependencies(config, createLogger({ service: 'api', level: 'silent' }));
  const app = Fastify();
  app.decorate('deps', deps);
  await app.register(fp(async () => {}, { name: 'deps' }));
  await app.register(httpMetrics);
  await app.register(dependencyMetrics);
  app.addHook('onClose', async () => deps.close());
  await app.ready();
  return app;
}

const gauge = (text: string, dependency: string) =>
  Number(new RegExp(`^dependency_up\\{[^}]*dependency="${dependency}"[^}]*\\} (\\d+)$`, 'm').exec(text)?.[1]);

describe('dependency_up', () => {
  it('is 1 for MongoDB and Redis when both answer, with the service label', async () => {
    const app = await appWith();
    try {
      const text = await app.metricsRegistry.metrics();
      expect(text).toMatch(/# TYPE dependency_up gauge/);
      expect(gauge(text, 'mongodb')).toBe(1);
      expect(gauge(text, 'redis')).toBe(1);
      expect(text).toMatch(/dependency_up\{[^}]*service="api"/);
    } finally {
      await app.close();
    }
  });

  it('is 0 for Redis when it is unreachable, and MongoDB stays 1', async () => {
    const app = await appWith({ REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      const text = await app.metricsRegistry.metrics();
      expect(gauge(text, 'redis')).toBe(0);
      expect(gauge(text, 'mongodb')).toBe(1);
    } finally {
      await app.close();
    }
  });
});
