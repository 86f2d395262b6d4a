import { describe, expect, it } from 'vitest';
import {
  type Capabilities,
  Capability,
  type Channel,
  capabilities,
  checkDeclaredCapabilities,
} from '../src/index.js';

function channel(caps: Capabilities, members: Partial<Channel> = {}): Channel {
  return {
    type: 'fake',
    capabilities: () => caps,
    connect: async () => {},
    disconnect: async () => {},
    send: async () => ({ platformMessageId: 'x' }),
    ...members,
  };
}

const webhook = { verify: () => ({ ok: true as const }), parse: () => ({ events: [] }) };
const update = async () => ({ platformMessageId: 'x' });
const fetchProfile = async () => ({ canonicalId: 'u', emailVerified: false, isGuest: false });
const accounts = { createAccount: async () => ({ status: 'already_exists' as const }) };

describe('checkDeclaredCapabilities', () => {
  it('reports nothing for an honest channel', () => {
    const honest = channel(
      capabilities(
        Capability.Text,
        Capability.Webhook,
        Capability.Edit,
        Capability.AutoProvision,
        Capability.AccountProvisioning,
      ),
      { webhook, update, fetchProfile, accounts },
    );
    expect(checkDeclaredCapabilities(honest)).toEqual([]);
    expect(checkDeclaredCapabilities(channel(Capability.Text))).toEqual([]);
  });

  it('reports declared capabilities whose members are missing', () => {
    const liar = channel(
      capabilities(
        Capability.Webhook,
        Capability.Edit,
        Capability.AutoProvision,
        Capability.AccountProvisioning,
      ),
    );
    expect(checkDeclaredCapabilities(liar)).toEqual([
      'declares Webhook but does not implement webhook',
      'declares Edit but does not implement update',
      'declares AutoProvision but does not implement fetchProfile',
      'declares AccountProvisioning but does not implement accounts',
    ]);
  });

  it('reports implemented members whose capabilities are not declared', () => {
    expect(
      checkDeclaredCapabilities(channel(Capability.Text, { webhook, update, fetchProfile, accounts })),
    ).toEqual([
      'implements webhook but does not declare Webhook',
      'implements update but does not declare Edit',
      'implements fetchProfile but does not declare AutoProvision',
      'implements accounts but does not declare AccountProvisioning',
    ]);
  });

  it('lets a Media channel omit downloadMedia, but not the other way round', () => {
    const downloadMedia = async () => ({ bytes: new Uint8Array() });
    expect(checkDeclaredCapabilities(channel(capabilities(Capability.Text, Capability.Media)))).toEqual([]);
    expect(
      checkDeclaredCapabilities(channel(capabilities(Capability.Text, Capability.Media), { downloadMedia })),
    ).toEqual([]);
    expect(checkDeclaredCapabilities(channel(Capability.Text, { downloadMedia }))).toEqual([
      'implements downloadMedia but does not declare Media',
    ]);
  });
});
