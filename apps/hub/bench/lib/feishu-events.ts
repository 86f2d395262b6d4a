/** The Feishu app of the long-connection run: one self-built app of one tenant, over the fake. */
export const FS_APP_ID = 'cli_be0c000000000001';
export const FS_APP_SECRET = 'bench-feishu-app-secret-0001';
export const FS_TENANT = 'tenant_bench_0001';
export const FS_BOT = 'ou_benchbot000000000000000000001';
/** Distinct senders (each bound to the workspace owner), so events spread over people. */
export const FS_SENDERS = 32;

export function feishuSender(lane: number): string {
  return `ou_bench${String(lane).padStart(24, '0')}`;
}

/**
 * The n-th event of a run: an `im.message.receive_v1` v2 envelope as Feishu pushes it over the
 * long connection, with ids unique across runs (`prefix`). Chats take turns, so with fewer pushes
 * in flight than chats one chat's events are never in flight together (the agent checks order
 * on the `load <prefix> <n>` text, as for the Slack runs).
 */
export function feishuBenchEvent(prefix: string, n: number, conversations: number): Record<string, unknown> {
  const sender = feishuSender(n % FS_SENDERS);
  return {
    schema: '2.0',
    header: {
      event_id: `ev_bench_${prefix}_${n}`,
      event_type: 'im.message.receive_v1',
      create_time: String(Date.now()),
      token: '',
      app_id: FS_APP_ID,
      tenant_key: FS_TENANT,
    },
    event: {
      sender: {
        sender_id: { open_id: sender, union_id: `on_${sender.slice(3)}` },
        sender_type: 'user',
        tenant_key: FS_TENANT,
      },
      message: {
        message_id: `om_bench_${prefix}_${n}`,
        chat_id: `oc_bench_${n % conversations}`,
        chat_type: 'p2p',
        message_type: 'text',
        content: JSON.stringify({ text: `load ${prefix} ${n}` }),
        create_time: String(Date.now()),
        mentions: [],
      },
    },
  };
}
