import jwt from '@fastify/jwt';
import fp from 'fastify-plugin';

/**
 * Access tokens: HS256 only (the algorithm is pinned, so `alg: none` and key-confusion tokens
 * are refused), with issuer and audience checked on every request, and the login (`sid`) they
 * belong to, so ending a login ends its tokens (plugins/app/authenticate.ts).
 */
export default fp(
  async (app) => {
    const { config } = app.deps;
    await app.register(jwt, {
      secret: config.JWT_SECRET,
      sign: {
        algorithm: 'HS256',
        iss: config.JWT_ISSUER,
        aud: config.JWT_AUDIENCE,
        expiresIn: config.ACCESS_TOKEN_TTL_SECONDS,
      },
      verify: {
        algorithms: ['HS256'],
        allowedIss: config.JWT_ISSUER,
        allowedAud: config.JWT_AUDIENCE,
        // fast-jwt checks exp/iss/aud only when present: require them, so a token without an
        // expiry is refused rather than valid forever.
        requiredClaims: ['sub', 'role', 'sid', 'iss', 'aud', 'exp'],
      },
    });
  },
  { name: 'jwt', dependencies: ['deps'] },
);
