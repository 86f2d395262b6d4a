import { describe, expect, it } from 'vitest';
import slackPlugin, { slackCommandText, slackNamespaceRules, slackSenderIdentities } from '../src/index.js';

const source = {
  channelType: 'slack',
  installationId: 'inst-1',
  tenantKey: 'T0TEAM001',
  chatId: 'D1',
  chatType: 'direct' as const,
  sender: { id: 'U0ADA0001', isBot: false, isExternal: false },
};

describe('Slack identity rules', () => {
  it('contributes the slack namespace: <team>:<user>, upper-cased, named after the user id', () => {
    expect(slackPlugin.namespaces).toEqual([slackNamespaceRules]);
    expect(slackNamespaceRules.normalize('t01abc:u02def', {})).toBe('T01ABC:U02DEF');
    expect(slackNamespaceRules.normalize('U02DEF', {})).toBeNull();
    expect(slackNamespaceRules.usernameHint?.('T01ABC:U02DEF')).toBe('U02DEF');
  });

  it("names a sender in the event's tenant, and nobody when the event names no tenant", () => {
    expect(slackSenderIdentities(source)).toEqual([
      { namespace: 'slack', identifier: 'T0TEAM001:U0ADA0001' },
    ]);
    expect(slackSenderIdentities({ ...source, tenantKey: undefined })).toEqual([]);
  });

  it('reads commands after mentions', () => {
    const message = (text: string) => ({ ...baseMessage, text });
    expect(slackCommandText(message('<@U0BOT0001> /link'))).toBe('/link');
    expect(slackCommandText(message('<@U0BOT0001|bot>  /link '))).toBe('/link');
    expect(slackCommandText({ ...baseMessage, text: undefined })).toBe('');
  });
});

const baseMessage = {
  platformMessageId: '1.2',
  source,
  msgType: 'text' as const,
  media: [],
  mentions: [],
  mentionsBot: true,
  sentAt: '2025-01-01T00:00:00.000Z',
};
