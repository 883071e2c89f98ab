import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';

/**
 * Swagger UI sets style attributes from its scripts, which the plugin's default `style-src 'self'
 * https: <hashes>` blocks (a CSP error in the browser console on every visit). Inline styles are
 * allowed here (hashes would switch 'unsafe-inline' off, so they go); scripts stay hash-pinned.
 * `upgrade-insecure-requests` goes too, as in helmet.ts: TLS ends in front of the API, and on a
 * plain-HTTP development setup it would break the page.
 */
export function relaxSwaggerStyles(header: string): string {
  return header
    .split(';')
    .map((directive) => directive.trim())
    .filter((directive) => directive && directive !== 'upgrade-insecure-requests')
    .map((directive) => (directive.startsWith('style-src ') ? "style-src 'self' 'unsafe-inline'" : directive))
    .join('; ');
}

/** OpenAPI document built from the route schemas; UI at /docs, JSON at /docs/json. */
export default fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Simple Shop API',
          description: 'Storefront, admin and Stripe webhook API. Money is integer minor units plus an ISO currency.',
          version: '0.1.0',
        },
        components: {
          securitySchemes: {
            bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          },
        },
      },
    });
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      staticCSP: true,
      transformStaticCSP: relaxSwaggerStyles,
      uiConfig: { deepLinking: true },
    });
  },
  { name: 'swagger' },
);
