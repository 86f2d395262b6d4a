import type { FastifyPluginAsync } from 'fastify';

/**
 * Where binding links point by default. The hub has no web sign-in, so the page explains how to
 * redeem the token with an API token; operators with their own web app point SWITCHBOARD_LINK_URL
 * there instead. The token is never echoed into logs (request logs carry the route, not the URL).
 */
export const linkPageRoutes: FastifyPluginAsync = async (app) => {
  app.get('/link', { schema: { hide: true } }, async (_request, reply) => {
    return reply
      .header('content-type', 'text/plain; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .send(
        'Connect your chat account to Switchboard\n\n' +
          'Redeem the token from this link as yourself, with your Switchboard API token:\n\n' +
          '  curl -X POST -H "Authorization: Bearer <your sb_ token>" -H "content-type: application/json" \\\n' +
          '       -d \'{"token":"<the token parameter of this link>"}\' <hub>/api/v1/binding-tokens/redeem\n',
      );
  });
};
