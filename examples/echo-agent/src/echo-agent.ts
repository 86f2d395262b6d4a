import { type Agent, type AgentOptions, createAgent } from '@switchboard/agent';

/**
 * The smallest useful agent: every text message comes back as the same text, in the same chat
 * and thread. Other messages (an image, a sticker) get a short note instead.
 */
export function createEchoAgent(options: AgentOptions): Agent {
  const agent = createAgent(options);
  agent.message(async ({ message, reply }) => {
    const text = message.text?.trim();
    await reply(text ? text : `(received a ${message.msgType} message)`);
  });
  return agent;
}
