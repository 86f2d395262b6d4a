import type { FastifyPluginAsync } from 'fastify';
import type { ConsoleDeps } from '../routing.js';

export const auditPages: FastifyPluginAsync<ConsoleDeps> = async () => {};
