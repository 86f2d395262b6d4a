import type { Agent } from '../agent.js';

export type FetchHandler = (request: Request) => Promise<Response>;

/**
 * For runtimes and frameworks built on the Fetch API (Hono, Next.js route handlers, Bun, Deno):
 * `export const POST = agent.fetchHandler()`.
 */
export function fetchHandler(agent: Agent): FetchHandler {
  return async (request) => {
    if (request.method !== 'POST') {
      return Response.json(
        { error: { code: 'method_not_allowed', message: 'POST a delivery' } },
        { status: 405, headers: { allow: 'POST' } },
      );
    }
    const declared = Number(request.headers.get('content-length') ?? '0');
    if (declared > agent.maxBodyBytes) return tooLarge(agent.maxBodyBytes);
    const body = new Uint8Array(await request.arrayBuffer());
    if (body.byteLength > agent.maxBodyBytes) return tooLarge(agent.maxBodyBytes);
    const response = await agent.handle({ headers: request.headers, body });
    return Response.json(response.body, { status: response.status });
  };
}

function tooLarge(limit: number): Response {
  return Response.json(
    { error: { code: 'body_too_large', message: `the body exceeds ${limit} bytes` } },
    { status: 413 },
  );
}
