import { BlockList, isIP } from 'node:net';
import { SwitchboardError } from '@switchboard/core';
import { type AddressClass, bareHost, classifyAddress } from './address.js';

/** An outbound connection the egress policy refuses; `code` is `egress_refused`. */
export class EgressRefusedError extends SwitchboardError {
  constructor(
    readonly host: string,
    readonly addressClass: Exclude<AddressClass, 'public'> | 'invalid_url',
  ) {
    super(
      'egress_refused',
      addressClass === 'invalid_url'
        ? 'not an http(s) URL'
        : `outbound connections to ${addressClass.replace('_', '-')} addresses are refused (host ${host}); ` +
            'allow it with SWITCHBOARD_EGRESS_ALLOW',
    );
  }
}

export type EgressVerdict = { ok: true } | { ok: false; error: EgressRefusedError };

const LOCAL_NAMES = /^(localhost|localhost\.localdomain|ip6-localhost|ip6-loopback)$|\.localhost$/i;

/**
 * Where the hub may connect to on behalf of a workspace (agent delivery URLs, platform API base
 * URLs). By default only public addresses: loopback, private, link-local, cloud metadata and
 * other special ranges are refused, because an admin of one workspace must not reach the hub's
 * own network. The operator opens specific hosts or ranges with an allow-list (host names, IPs
 * or CIDRs); tests and local development set it explicitly.
 */
export class EgressPolicy {
  readonly #hosts = new Set<string>();
  readonly #ranges = new BlockList();
  readonly #allowAll: boolean;

  constructor(options: { allow?: readonly string[] } = {}) {
    let allowAll = false;
    for (const raw of options.allow ?? []) {
      const entry = raw.trim().toLowerCase();
      if (entry === '') continue;
      if (entry === '*') {
        allowAll = true;
        continue;
      }
      const [address = '', prefix] = entry.split('/');
      const bare = bareHost(address);
      const family = isIP(bare);
      if (family === 0) {
        this.#hosts.add(entry);
      } else if (prefix === undefined) {
        this.#ranges.addAddress(bare, family === 4 ? 'ipv4' : 'ipv6');
      } else {
        const bits = Number(prefix);
        if (!Number.isInteger(bits)) throw new Error(`SWITCHBOARD_EGRESS_ALLOW: bad CIDR "${raw}"`);
        this.#ranges.addSubnet(bare, bits, family === 4 ? 'ipv4' : 'ipv6');
      }
    }
    this.#allowAll = allowAll;
  }

  /** From `SWITCHBOARD_EGRESS_ALLOW` (comma-separated host names, IPs and CIDRs; `*` opens all). */
  static fromEnv(env: Record<string, string | undefined> = process.env): EgressPolicy {
    return new EgressPolicy({ allow: (env.SWITCHBOARD_EGRESS_ALLOW ?? '').split(',') });
  }

  /** May the hub connect to `address` (an IP) that `host` resolved to? */
  checkAddress(host: string, address: string): EgressVerdict {
    if (this.#allowAll || this.#hosts.has(bareHost(host).toLowerCase())) return { ok: true };
    const bare = bareHost(address);
    const kind = classifyAddress(bare);
    if (kind === undefined || kind === 'public') return { ok: true };
    if (this.#ranges.check(bare, isIP(bare) === 4 ? 'ipv4' : 'ipv6')) return { ok: true };
    return { ok: false, error: new EgressRefusedError(host, kind) };
  }

  /**
   * Checks a URL as written (config validation): IP literals and local names are judged now; other
   * host names are judged on every connection, after DNS (see `guardedDispatcher`).
   */
  checkUrl(url: string): EgressVerdict {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return { ok: false, error: new EgressRefusedError(url.slice(0, 100), 'invalid_url') };
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      return { ok: false, error: new EgressRefusedError(parsed.host, 'invalid_url') };
    }
    const host = bareHost(parsed.hostname).toLowerCase();
    if (LOCAL_NAMES.test(host)) {
      return this.#allowAll || this.#hosts.has(host)
        ? { ok: true }
        : { ok: false, error: new EgressRefusedError(host, 'loopback') };
    }
    return isIP(host) === 0 ? { ok: true } : this.checkAddress(host, host);
  }
}
