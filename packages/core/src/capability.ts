import { UnknownCapabilityError } from './errors.js';

/**
 * What a channel says it can do. Declaration only: core never degrades behaviour itself; the hub
 * reads these bits to decide, and `checkDeclaredCapabilities` keeps them honest.
 */
export const Capability = {
  Text: 1 << 0,
  /** Sends `OutboundMessage.media`; `Channel.downloadMedia` reads inbound media where the platform needs a call. */
  Media: 1 << 1,
  Threads: 1 << 2,
  Reactions: 1 << 3,
  Cards: 1 << 4,
  Edit: 1 << 5,
  Typing: 1 << 6,
  Webhook: 1 << 7,
  LongConnection: 1 << 8,
  AutoProvision: 1 << 9,
  AccountProvisioning: 1 << 10,
} as const;

export type CapabilityName = keyof typeof Capability;
export type CapabilityFlag = (typeof Capability)[CapabilityName];
/** A bit set of `Capability` flags. */
export type Capabilities = number;

const toSnakeCase = (name: string): string => name.replace(/(?<=[a-z])([A-Z])/g, '_$1').toLowerCase();

const flagsBySnakeName: ReadonlyMap<string, number> = new Map(
  Object.entries(Capability).map(([name, flag]) => [toSnakeCase(name), flag]),
);

export function capabilities(...flags: number[]): Capabilities {
  return flags.reduce((set, flag) => set | flag, 0);
}

/** True when every bit of `flag` is set (so a combined flag asks for all of them). */
export function has(caps: Capabilities, flag: number): boolean {
  return flag !== 0 && (caps & flag) === flag;
}

/** Lower snake names in bit order, e.g. `['text', 'webhook']`; for logs and API responses. */
export function capabilityNames(caps: Capabilities): string[] {
  return [...flagsBySnakeName].filter(([, flag]) => has(caps, flag)).map(([name]) => name);
}

/** Inverse of `capabilityNames`; throws `UnknownCapabilityError` naming every unknown entry. */
export function parseCapabilityNames(names: string[]): Capabilities {
  const unknown = names.filter((name) => !flagsBySnakeName.has(name));
  if (unknown.length > 0) throw new UnknownCapabilityError(unknown, [...flagsBySnakeName.keys()]);
  return capabilities(...names.map((name) => flagsBySnakeName.get(name) ?? 0));
}
