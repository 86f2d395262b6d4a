import { BlockList, isIP } from 'node:net';

/** Why an address is not a public internet address. */
export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link_local'
  | 'metadata'
  | 'unspecified'
  | 'multicast'
  | 'reserved';

type Range = [
  address: string,
  prefix: number,
  family: 'ipv4' | 'ipv6',
  kind: Exclude<AddressClass, 'public'>,
];

// Order matters: the first matching range names the class (metadata before link-local).
const RANGES: readonly Range[] = [
  ['169.254.169.254', 32, 'ipv4', 'metadata'],
  ['100.100.100.200', 32, 'ipv4', 'metadata'],
  ['fd00:ec2::254', 128, 'ipv6', 'metadata'],
  ['0.0.0.0', 8, 'ipv4', 'unspecified'],
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['10.0.0.0', 8, 'ipv4', 'private'],
  ['172.16.0.0', 12, 'ipv4', 'private'],
  ['192.168.0.0', 16, 'ipv4', 'private'],
  ['100.64.0.0', 10, 'ipv4', 'private'],
  ['169.254.0.0', 16, 'ipv4', 'link_local'],
  ['192.0.0.0', 24, 'ipv4', 'reserved'],
  ['198.18.0.0', 15, 'ipv4', 'reserved'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['240.0.0.0', 4, 'ipv4', 'reserved'],
  ['::', 128, 'ipv6', 'unspecified'],
  ['::1', 128, 'ipv6', 'loopback'],
  ['fc00::', 7, 'ipv6', 'private'],
  ['fe80::', 10, 'ipv6', 'link_local'],
  ['fec0::', 10, 'ipv6', 'reserved'],
  ['ff00::', 8, 'ipv6', 'multicast'],
  ['64:ff9b::', 96, 'ipv6', 'reserved'],
  ['2001:db8::', 32, 'ipv6', 'reserved'],
];

const lists = RANGES.map(([address, prefix, family, kind]) => {
  const list = new BlockList();
  list.addSubnet(address, prefix, family);
  return { list, family, kind };
});

/** The IPv4 address an IPv4-mapped or -compatible IPv6 address carries (`::ffff:10.0.0.1`). */
function embeddedIPv4(ip: string): string | undefined {
  const match = /^(?:0{0,4}:){0,5}(?:ffff:)?(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (match?.[1]) return match[1];
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(ip);
  if (hex?.[1] && hex[2]) {
    const high = Number.parseInt(hex[1], 16);
    const low = Number.parseInt(hex[2], 16);
    return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  }
  return undefined;
}

/** Strips the brackets of an IPv6 URL host (`[::1]`) and a zone id (`fe80::1%eth0`). */
export function bareHost(host: string): string {
  return host.replace(/^\[/, '').replace(/\]$/, '').replace(/%.*$/, '');
}

/** Classifies an IP address; `undefined` when `ip` is not an IP address at all. */
export function classifyAddress(ip: string): AddressClass | undefined {
  const bare = bareHost(ip);
  const family = isIP(bare);
  if (family === 0) return undefined;
  const mapped = family === 6 ? embeddedIPv4(bare) : undefined;
  if (mapped) return classifyAddress(mapped);
  const kind = family === 4 ? 'ipv4' : 'ipv6';
  return lists.find((entry) => entry.family === kind && entry.list.check(bare, kind))?.kind ?? 'public';
}
