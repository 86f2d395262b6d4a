import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Agent } from '../agent.js';
import { answer, readBody } from './node.js';

/** What the middleware needs of Express's request: Node's, plus what body parsers leave on it. */
export interface ExpressLikeRequest extends IncomingMessage {
  body?: unknown;
  rawBody?: unknown;
}

export type ExpressMiddleware = (
  req: ExpressLikeRequest,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/**
 * `app.post('/deliver', agent.express())`. The signature covers the exact bytes, so the
 * middleware reads the body itself, or takes the bytes `express.raw()` (or a `rawBody` field)
 * kept. After `express.json()` the bytes are gone: that is a setup error, passed to `next`.
 */
export function expressMiddleware(agent: Agent): ExpressMiddleware {
  return (req, res, next) => {
    const raw = rawBytes(req);
    if (raw === undefined && req.body !== undefined && !isEmptyParse(req)) {
      next(
        new Error(
          'the Switchboard agent needs the raw body: mount it before express.json(), or use express.raw()',
        ),
      );
      return;
    }
    void answer(agent, req, res, async () => raw ?? readBody(req, agent.maxBodyBytes));
  };
}

function rawBytes(req: ExpressLikeRequest): Uint8Array | string | undefined {
  if (req.rawBody instanceof Uint8Array || typeof req.rawBody === 'string') return req.rawBody;
  if (req.body instanceof Uint8Array) return req.body;
  if (typeof req.body === 'string') return req.body;
  return undefined;
}

// Express 4's body parsers leave `{}` on requests they skipped, without reading the stream.
function isEmptyParse(req: ExpressLikeRequest): boolean {
  return (
    typeof req.body === 'object' &&
    req.body !== null &&
    Object.keys(req.body).length === 0 &&
    !req.readableEnded
  );
}
