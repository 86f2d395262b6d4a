import type { FastifyPluginAsync } from 'fastify';
import type { ConsoleDeps } from '../routing.js';

export const installationPages: FastifyPluginAsync<ConsoleDeps> = async () => {};
