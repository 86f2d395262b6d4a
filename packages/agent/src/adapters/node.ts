import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Agent, AgentResponse } from '../agent.js';

export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

class BodyTooLarge extends Error {}

/** `http.createServer(agent.nodeHandler())`, or call it from a route of your own server. */
export function nodeHandler(agent: Agent): NodeHandler {
  return (req, res) => {
    void answer(agent, req, res, () => readBody(req, agent.maxBodyBytes));
  };
}

/** Reads the body (bounded), runs the agent and writes its answer; never rejects. */
export async function answer(
  agent: Agent,
  req: IncomingMessage,
  res: ServerResponse,
  body: () => Promise<Uint8Array | string>,
): Promise<void> {
  if (req.method !== 'POST') {
    write(
      res,
      { status: 405, body: { error: { code: 'method_not_allowed', message: 'POST a delivery' } } },
      {
        allow: 'POST',
      },
    );
    return;
  }
  let response: AgentResponse;
  try {
    response = await agent.handle({ headers: req.headers, body: await body() });
  } catch (error) {
    response =
      error instanceof BodyTooLarge
        ? { status: 413, body: { error: { code: 'body_too_large', message: error.message } } }
        : { status: 500, body: { error: { code: 'internal', message: 'the agent failed' } } };
  }
  write(res, response);
}

export async function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > limit) throw new BodyTooLarge(`the body exceeds ${limit} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function write(res: ServerResponse, response: AgentResponse, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const payload = JSON.stringify(response.body);
  res.writeHead(response.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}
