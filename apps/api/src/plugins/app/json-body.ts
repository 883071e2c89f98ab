import fp from 'fastify-plugin';

/**
 * JSON bodies, parsed safely (prototype-poisoning keys rejected) — and an empty body sent with a
 * JSON content type is "no body" rather than a 400, because browsers' fetch wrappers send that
 * for body-less POSTs such as `/api/orders/:id/cancel`.
 */
export default fp(
  async (app) => {
    const strict = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (text.trim() === '') return done(null, undefined);
      return strict(request, text, done);
    });
  },
  { name: 'json-body' },
);
