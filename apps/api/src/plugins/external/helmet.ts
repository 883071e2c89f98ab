import helmet from '@fastify/helmet';
import fp from 'fastify-plugin';

/** Security headers. The CSP allows the self-hosted Swagger UI at /docs and nothing else. */
export default fp(
  async (app) => {
    await app.register(helmet, {
      global: true,
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:', 'validator.swagger.io'],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          // TLS is terminated in front of the API; upgrading would break /docs on plain-HTTP dev setups.
          upgradeInsecureRequests: null,
        },
      },
    });
  },
  { name: 'helmet' },
);
