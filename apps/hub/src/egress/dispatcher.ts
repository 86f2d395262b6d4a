import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector, type Dispatcher, fetch as undiciFetch } from 'undici';
import { bareHost } from './address.js';
import type { EgressPolicy } from './policy.js';

/** How a name becomes addresses: the system resolver (`dns.lookup`, so /etc/hosts counts too). */
export type NameResolver = (
  hostname: string,
  options: LookupAllOptions,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

const systemResolver: NameResolver = (hostname, options, callback) => dnsLookup(hostname, options, callback);

/**
 * A lookup that resolves the name and refuses the connection when any resolved address is not
 * allowed. The check runs on the address the socket actually connects to, so a name that
 * resolves to a public address at validation time and to 127.0.0.1 later (DNS rebinding) is
 * still refused. `resolve` is the system resolver unless a test stands in for DNS.
 */
export function guardedLookup(policy: EgressPolicy, resolve: NameResolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      for (const entry of addresses) {
        const verdict = policy.checkAddress(hostname, entry.address);
        if (!verdict.ok) return callback(verdict.error as NodeJS.ErrnoException, '', 0);
      }
      if ((options as { all?: boolean }).all) {
        return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      }
      const first = addresses[0];
      if (!first) return callback(new Error(`no address for ${hostname}`) as NodeJS.ErrnoException, '', 0);
      return callback(null, first.address, first.family);
    });
  };
}

/**
 * An undici connector that opens only connections the policy allows: names through
 * `guardedLookup`, IP literals judged directly. Every dispatcher of outbound calls uses it.
 */
export function guardedConnector(policy: EgressPolicy, resolve?: NameResolver): buildConnector.connector {
  const connectWithLookup = buildConnector({
    lookup: guardedLookup(policy, resolve),
  } as buildConnector.BuildOptions);
  return (options, callback) => {
    // Node connects to IP literals without a lookup: judge them here.
    const host = bareHost(options.hostname);
    if (isIP(host) !== 0) {
      const verdict = policy.checkAddress(host, host);
      if (!verdict.ok) {
        callback(verdict.error, null);
        return;
      }
    }
    connectWithLookup(options, callback);
  };
}

/** An undici dispatcher whose every connection is checked against the policy. */
export function guardedDispatcher(policy: EgressPolicy): Dispatcher {
  return new Agent({ connect: guardedConnector(policy) });
}

/** `fetch` whose connections follow the egress policy (no redirects are followed by callers). */
export function egressFetch(policy: EgressPolicy): typeof globalThis.fetch {
  const dispatcher = guardedDispatcher(policy);
  return ((input: Parameters<typeof undiciFetch>[0], init?: Parameters<typeof undiciFetch>[1]) =>
    undiciFetch(input, { ...init, dispatcher })) as unknown as typeof globalThis.fetch;
}

/** The policy's refusal behind a failed fetch, if that is why it failed. */
export function egressRefusal(error: unknown): Error | undefined {
  for (let cause: unknown = error, depth = 0; cause && depth < 5; depth++) {
    if ((cause as { code?: unknown }).code === 'egress_refused') return cause as Error;
    cause = (cause as { cause?: unknown }).cause;
  }
  return undefined;
}
