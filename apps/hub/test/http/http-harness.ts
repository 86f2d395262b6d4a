import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { createHttpServer, type HttpServerOptions } from '../../src/http/server.js';
import { createLogger } from '../../src/logging/logger.js';

/** Everything a logger wrote, as raw lines (for "the secret is absent") and parsed records. */
export interface CapturedLogs {
  destination: Writable;
  text(): string;
  records(): Array<Record<string, unknown>>;
}

export function captureLogs(): CapturedLogs {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return {
    destination,
    text: () => lines.join(''),
    records: () =>
      lines
        .join('')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/**
 * What the tests read from a JSON response: a route's own fields or the error envelope. Loosely
 * typed on purpose; each assertion states the shape it expects.
 */
export interface JsonBody {
  error: { code: string; message: string; details?: unknown };
  [field: string]: unknown;
}

export async function readJson(response: Response): Promise<JsonBody> {
  return (await response.json()) as JsonBody;
}

export interface TestServer {
  app: FastifyInstance;
  url: string;
  logs: CapturedLogs;
  close(): Promise<void>;
}

/** A hub HTTP server with `setup`'s routes, listening on a real ephemeral port. */
export async function startTestServer(
  setup: (app: FastifyInstance) => Promise<void> | void,
  options: Omit<HttpServerOptions, 'logger'> = {},
): Promise<TestServer> {
  const logs = captureLogs();
  const app = createHttpServer({
    ...options,
    logger: createLogger({ level: 'debug', destination: logs.destination }),
  });
  await setup(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('server has no TCP address');
  return { app, url: `http://127.0.0.1:${address.port}`, logs, close: () => app.close() };
}
