import type { FastifyPluginAsync } from 'fastify';
import type { ConsoleDeps } from '../routing.js';

export const tokenPages: FastifyPluginAsync<ConsoleDeps> = async () => {};
