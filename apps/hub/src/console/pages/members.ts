import type { FastifyPluginAsync } from 'fastify';
import type { ConsoleDeps } from '../routing.js';

export const memberPages: FastifyPluginAsync<ConsoleDeps> = async () => {};
