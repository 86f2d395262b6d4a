import type { InboundMessage } from '@switchboard/core';
import type { ClaimedInboxRow, InstallationRecord, Stores } from '@switchboard/db';
import { postToAgent } from '../delivery/agent-webhook.js';
import type { ProcessEventDeps } from './process-event.js';

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
  const { stores, circuits } = deps;
  const agent = await deps.agents.endpoint(installation.workspaceId, installation.agentId);
  const admission = circuits.admit(installation.agentId);
  if (admission.kind === 'wait') {
    const health = circuits.health(installation.agentId);
    return {
      ok: false,
      error: `agent circuit open (last error: ${health.lastError ?? 'unknown'})`,
      retryBudgetMs: agent.retryBudgetMs,
      circuitWaitMs: admission.retryInMs,
    };
  }
  const chatKey = row.conversationKey ?? message.source.chatId;
  const sessionId = await stores.bindings.sessionFor(installation.id, chatKey);
  const { raw: _raw, ...withoutRaw } = message;
  const result = await postToAgent({
    url: agent.deliveryUrl,
    secret: agent.secret,
    timeoutMs: deps.delivery.timeoutMs,
    ...(deps.delivery.fetch ? { fetch: deps.delivery.fetch } : {}),
    body: {
      type: 'message',
      id: row.deliveryId,
      installationId: installation.id,
      workspaceId: installation.workspaceId,
      channelType: installation.channelType,
      message: withoutRaw,
      user,
      ...(sessionId ? { session: { id: sessionId } } : {}),
    },
  });
  if (!result.ok) {
    // A refusal of our own is not the agent being down: it does not move the agent's circuit.
    if (result.permanent) return { ok: false, error: result.error, retryBudgetMs: 0, permanent: true };
    circuits.failed(installation.agentId, result.error);
    return { ok: false, error: result.error, retryBudgetMs: agent.retryBudgetMs };
  }
  circuits.succeeded(installation.agentId);
  // The agent is back: what waited out its outage is due now, not at the end of its backoff.
  if (admission.probe) await stores.inbox.dueNowForAgent(installation.agentId);
  if (result.sessionId && result.sessionId !== sessionId) {
    await bindSession(stores, installation, chatKey, result.sessionId);
  }
  return { ok: true };
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
