import type { FastifyPluginAsync, FastifyPluginOptions } from 'fastify';

/**
 * Marks a plugin so its hooks and decorators apply to the context it is registered in (what the
 * `fastify-plugin` package does, without the dependency). Use only for plugins whose whole point
 * is to affect their siblings, e.g. auth decorators or metrics hooks.
 */
export function unencapsulated<Options extends FastifyPluginOptions>(
  name: string,
  plugin: FastifyPluginAsync<Options>,
): FastifyPluginAsync<Options> {
  return Object.assign(plugin, {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: name,
  });
}
