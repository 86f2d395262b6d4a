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
  const { agentId } = installation;
  // Only account-provisioner installations have no agent, and they record no messages.
  if (agentId === null) return { ok: false, error: 'the installation has no agent', retryBudgetMs: null };
  const agent = await deps.agents.endpoint(installation.workspaceId, agentId);
  const admission = circuits.admit(agentId);
  if (admission.kind === 'wait') {
    const health = circuits.health(agentId);
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
    circuits.failed(agentId, result.error);
    return { ok: false, error: result.error, retryBudgetMs: agent.retryBudgetMs };
  }
  circuits.succeeded(agentId);
  // The agent is back: what waited out its outage is due now, not at the end of its backoff.
  if (admission.probe) await stores.inbox.dueNowForAgent(agentId);
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
