import { z } from 'zod';
import { egressRefusal } from '../egress/index.js';
import type { AgentPools } from './agent-pools.js';
import type { AgentDeliveryBody } from './delivery-body.js';
import { AGENT_RESPONSE_LIMIT_BYTES, type CappedBody, readCapped } from './read-capped.js';
import { DELIVERY_HEADER, SIGNATURE_HEADER, signBody } from './signature.js';

export type { AgentDeliveryBody } from './delivery-body.js';

export interface AgentDeliveryRequest {
  url: string;
  /** Null for an agent registered before secrets were required: nothing is sent unsigned. */
  secret: string | null;
  body: AgentDeliveryBody;
  timeoutMs: number;
  /**
   * How the POST travels: the hub's keep-alive pools (`pools`, one per origin; `agentKey` names
   * the agent, normally its id, so a move to another origin closes the old pool), else `fetch` (an
   * injected transport), else the global fetch.
   */
  pools?: AgentPools;
  agentKey?: string;
  fetch?: typeof globalThis.fetch;
}

export type AgentDeliveryResult =
  | { ok: true; status: number; sessionId?: string }
  | {
      ok: false;
      status?: number;
      error: string;
      /**
       * Retrying cannot help until an operator acts (the egress policy refuses the address, the
       * agent has no secret): dead-letter at once instead of retrying for the whole budget.
       */
      permanent?: true;
    };

// An agent may answer with the session it keeps for this conversation; anything else is ignored.
const agentAnswerSchema = z.object({ sessionId: z.string().min(1).max(256).optional() }).loose();

/** One signed POST to the agent. 2xx is delivered; anything else, or a timeout, is a failure to retry. */
export async function postToAgent(request: AgentDeliveryRequest): Promise<AgentDeliveryResult> {
  if (!request.secret) {
    return {
      ok: false,
      error: 'agent has no delivery secret (rotate one: POST …/agents/:id/delivery-secret)',
      permanent: true,
    };
  }
  const payload = JSON.stringify(request.body);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    [DELIVERY_HEADER]: request.body.id,
  };
  headers[SIGNATURE_HEADER] = signBody(request.secret, payload);
  let answer: { status: number; body: CappedBody };
  try {
    answer = await send(request, headers, payload);
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    const refused = egressRefusal(error);
    return {
      ok: false,
      error: timedOut
        ? `agent did not answer within ${request.timeoutMs} ms`
        : refused
          ? `egress refused: ${refused.message}`
          : 'agent unreachable',
      ...(refused ? { permanent: true as const } : {}),
    };
  }
  const { status, body } = answer;
  if (!body.ok) return { ok: false, status, error: `agent ${body.error}` };
  const text = body.text;
  if (status < 200 || status > 299) {
    return { ok: false, status, error: `agent answered HTTP ${status}` };
  }
  let sessionId: string | undefined;
  try {
    const parsed = agentAnswerSchema.safeParse(text === '' ? {} : JSON.parse(text));
    if (parsed.success) sessionId = parsed.data.sessionId;
  } catch {
    // A 2xx with a non-JSON body is still a delivery.
  }
  return { ok: true, status, ...(sessionId ? { sessionId } : {}) };
}

/** The POST without following redirects; rejects when no answer came (timeouts are `TimeoutError`). */
async function send(
  request: AgentDeliveryRequest,
  headers: Record<string, string>,
  payload: string,
): Promise<{ status: number; body: CappedBody }> {
  if (request.pools) {
    return request.pools.post(
      {
        agentKey: request.agentKey ?? request.url,
        url: request.url,
        headers,
        payload,
        timeoutMs: request.timeoutMs,
      },
      AGENT_RESPONSE_LIMIT_BYTES,
    );
  }
  const response = await (request.fetch ?? globalThis.fetch)(request.url, {
    method: 'POST',
    headers,
    body: payload,
    signal: AbortSignal.timeout(request.timeoutMs),
    redirect: 'manual',
  });
  return { status: response.status, body: await readCapped(response, AGENT_RESPONSE_LIMIT_BYTES) };
}
