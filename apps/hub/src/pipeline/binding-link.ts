import type { InboundMessage } from '@switchboard/core';
import type { InstallationRecord, Stores } from '@switchboard/db';

export interface BindingLinkOptions {
  /** Base of the link sent to chat users; the token is appended as `?token=`. */
  linkBaseUrl: string;
  /** Queues a reply through the outbound worker (durable, retried, idempotent). */
  reply(
    installation: InstallationRecord,
    message: InboundMessage,
    text: string,
    idempotencyKey: string,
  ): Promise<void>;
}

export type BindingLinkOutcome = 'link_sent' | 'hint_sent' | 'throttled';

/**
 * Offers an unbound sender a way to bind. The link is sent only in a direct chat: whoever
 * redeems a token binds the sender to *their* account, so a link posted in a group could be
 * redeemed by a bystander. In groups the sender is asked to write to the bot directly instead.
 */
export async function offerBindingLink(
  stores: Pick<Stores, 'bindingTokens'>,
  installation: InstallationRecord,
  message: InboundMessage,
  eventId: string,
  options: BindingLinkOptions,
): Promise<BindingLinkOutcome> {
  if (message.source.chatType !== 'direct') {
    await options.reply(
      installation,
      message,
      'I do not know who you are yet. Send me a direct message with /link to connect your account.',
      `bind-hint:${eventId}`,
    );
    return 'hint_sent';
  }
  const issued = await stores.bindingTokens.issue({
    installationId: installation.id,
    channelType: installation.channelType,
    channelUserId: message.source.sender.id,
  });
  if (issued.status === 'throttled') return 'throttled';
  const url = new URL(options.linkBaseUrl);
  url.searchParams.set('token', issued.token);
  await options.reply(
    installation,
    message,
    `To connect your account, open ${url.toString()} while signed in (valid for 15 minutes, single use).`,
    `bind-link:${eventId}`,
  );
  return 'link_sent';
}
