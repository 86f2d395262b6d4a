import { describe, expect, it } from 'vitest';
import { feishuCommandText, feishuNamespaceRules, feishuSenderIdentities } from '../src/identity.js';

describe('Feishu identities', () => {
  const source = {
    channelType: 'feishu',
    installationId: 'i',
    chatId: 'oc_1',
    chatType: 'direct' as const,
    appId: 'cli_a1b2c3d4e5f60718',
    sender: { id: 'ou_a', unionId: 'on_a', isBot: false, isExternal: false },
  };

  it('stands a sender for their union id and their open id in this app', () => {
    expect(feishuSenderIdentities(source)).toEqual([
      { namespace: 'feishu_union', identifier: 'on_a' },
      { namespace: 'feishu_open', identifier: 'cli_a1b2c3d4e5f60718:ou_a' },
    ]);
    expect(feishuSenderIdentities({ ...source, sender: { ...source.sender, unionId: undefined } })).toEqual([
      { namespace: 'feishu_open', identifier: 'cli_a1b2c3d4e5f60718:ou_a' },
    ]);
  });

  it('keeps ids as they are and refuses malformed ones', () => {
    const [union, open] = feishuNamespaceRules;
    expect(union?.normalize('on_AbC', {})).toBe('on_AbC');
    expect(union?.normalize('on a', {})).toBeNull();
    expect(open?.normalize('cli_x:ou_y', {})).toBe('cli_x:ou_y');
    expect(open?.normalize('ou_y', {})).toBeNull();
    expect(open?.usernameHint?.('cli_x:ou_y')).toBe('ou_y');
  });

  it('reads /link typed after a mention of the bot', () => {
    const message = { text: '@Bot /link', mentions: [{ id: 'ou_bot', name: 'Bot' }] } as never;
    expect(feishuCommandText(message)).toBe('/link');
    expect(feishuCommandText({ text: '@_user_1 /link', mentions: [] } as never)).toBe('/link');
  });
});
