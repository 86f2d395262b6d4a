import { describe, expect, it } from 'vitest';
import {
  Capability,
  capabilities,
  capabilityNames,
  has,
  parseCapabilityNames,
  UnknownCapabilityError,
} from '../src/index.js';

describe('capabilities', () => {
  it('assigns one distinct bit to each capability', () => {
    const flags = Object.values(Capability);
    expect(flags).toHaveLength(11);
    expect(new Set(flags).size).toBe(11);
    expect(Capability.Text).toBe(1);
    expect(Capability.AccountProvisioning).toBe(1 << 10);
  });

  it('combines flags and tests membership', () => {
    const caps = capabilities(Capability.Text, Capability.Webhook);
    expect(has(caps, Capability.Text)).toBe(true);
    expect(has(caps, Capability.Edit)).toBe(false);
    expect(has(caps, capabilities(Capability.Text, Capability.Edit))).toBe(false);
    expect(has(caps, 0)).toBe(false);
    expect(capabilities()).toBe(0);
  });

  it('names capabilities in lower snake case, in bit order', () => {
    expect(capabilityNames(capabilities(Capability.Webhook, Capability.Text))).toEqual(['text', 'webhook']);
    expect(capabilityNames(capabilities(Capability.LongConnection, Capability.AccountProvisioning))).toEqual([
      'long_connection',
      'account_provisioning',
    ]);
  });

  it('parses names back into the same bits', () => {
    const all = capabilities(...Object.values(Capability));
    expect(parseCapabilityNames(capabilityNames(all))).toBe(all);
    expect(parseCapabilityNames([])).toBe(0);
  });

  it('rejects unknown capability names, naming them', () => {
    expect(() => parseCapabilityNames(['text', 'telepathy'])).toThrow(UnknownCapabilityError);
    expect(() => parseCapabilityNames(['Text'])).toThrow(/unknown capabilities: Text/);
  });
});
