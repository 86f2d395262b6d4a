import type { InboundMessage } from '@switchboard/core';
import type { ClaimedInboxRow, InstallationRecord, Stores } from '@switchboard/db';
import { postToAgent } from '../agent-delivery/agent-webhook.js';
import type { AgentDeliveryBody, DeliveryPayload } from '../agent-delivery/delivery-body.js';
import type { ProcessEventDeps } from './process-deps.js';

export type DeliveryOutcome =
  | { ok: true }
  | {
      ok: false;
      error: string;
      /** The agent's own budget, when it has one. */
      retryBudgetMs: number | null;
      /** The agent's circuit is open: nothing was sent; come back after this long. */
      circuitWaitMs?: number;
      /** Retrying cannot help until an operator acts (see `AgentDeliveryResult`). */
      permanent?: true;
    };

/**
 * Sends one message to the installation's agent with the chat's session (if the agent named one
 * before), and remembers the session the agent answers with.
 */
export async function deliverToAgent(
  row: ClaimedInboxRow,
  installation: InstallationRecord,
  message: InboundMessage,
  user: { id: string; username: string },
  deps: Pick<ProcessEventDeps, 'stores' | 'delivery' | 'agents' | 'circuits'>,
): Promise<DeliveryOutcome> {
  const chatKey = row.conversationKey ?? message.source.chatId;
  const sessionId = await deps.stores.bindings.sessionFor(installation.id, chatKey);
  const { raw: _raw, ...withoutRaw } = message;
  const { outcome, sessionId: answered } = await post(
    row,
    installation,
    { type: 'message', message: withoutRaw, user, ...(sessionId ? { session: { id: sessionId } } : {}) },
    deps,
  );
  if (outcome.ok && answered && answered !== sessionId) {
    await bindSession(deps.stores, installation, chatKey, answered);
  }
  return outcome;
}

/**
 * Sends an event of another kind (`status`, `membership`, ...): `body` holds its `type` and its
 * payload under the key named by the type (see docs/api.md); the envelope fields are added here.
 */
export async function deliverEventToAgent(
  row: ClaimedInboxRow,
  installation: InstallationRecord,
  body: Exclude<DeliveryPayload, { type: 'message' }>,
  deps: Pick<ProcessEventDeps, 'stores' | 'delivery' | 'agents' | 'circuits'>,
): Promise<DeliveryOutcome> {
  return (await post(row, installation, body, deps)).outcome;
}

/** One signed POST through the agent's circuit; the envelope (id, installation, ...) is added here. */
async function post(
  row: ClaimedInboxRow,
  installation: InstallationRecord,
  payload: DeliveryPayload,
  deps: Pick<ProcessEventDeps, 'stores' | 'delivery' | 'agents' | 'circuits'>,
): Promise<{ outcome: DeliveryOutcome; sessionId?: string }> {
  const { stores, circuits } = deps;
  const { agentId } = installation;
  // Only account-provisioner installations have no agent, and they record no messages.
  if (agentId === null) {
    return {
      outcome: { ok: false, error: 'the installation has no agent', retryBudgetMs: 0, permanent: true },
    };
  }
  const agent = await deps.agents.endpoint(installation.workspaceId, agentId);
  const admission = circuits.admit(agentId);
  if (admission.kind === 'wait') {
    const health = circuits.health(agentId);
    return {
      outcome: {
        ok: false,
        error: `agent circuit open (last error: ${health.lastError ?? 'unknown'})`,
        retryBudgetMs: agent.retryBudgetMs,
        circuitWaitMs: admission.retryInMs,
      },
    };
  }
  const body: AgentDeliveryBody = {
    id: row.deliveryId,
    installationId: installation.id,
    workspaceId: installation.workspaceId,
    channelType: installation.channelType,
    ...payload,
  };
  const result = await postToAgent({
    url: agent.deliveryUrl,
    secret: agent.secret,
    timeoutMs: deps.delivery.timeoutMs,
    ...(deps.delivery.pools ? { pools: deps.delivery.pools, agentKey: agentId } : {}),
    ...(deps.delivery.fetch ? { fetch: deps.delivery.fetch } : {}),
    body,
  });
  if (!result.ok) {
    // A refusal of our own is not the agent being down: it does not move the agent's circuit.
    if (result.permanent) {
      return { outcome: { ok: false, error: result.error, retryBudgetMs: 0, permanent: true } };
    }
    circuits.failed(agentId, result.error);
    return { outcome: { ok: false, error: result.error, retryBudgetMs: agent.retryBudgetMs } };
  }
  circuits.succeeded(agentId);
  // The agent is back: what waited out its outage is due now, not at the end of its backoff.
  if (admission.probe) await stores.inbox.dueNowForAgent(agentId);
  return { outcome: { ok: true }, ...(result.sessionId ? { sessionId: result.sessionId } : {}) };
}

function bindSession(
  stores: Pick<Stores, 'bindings'>,
  installation: InstallationRecord,
  channelChatId: string,
  sessionId: string,
): Promise<void> {
  return stores.bindings.bindSession({
    installationId: installation.id,
    channelType: installation.channelType,
    channelChatId,
    sessionId,
  });
}
