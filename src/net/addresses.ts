import { BlockList, isIP } from 'node:net';

/** `::ffff:10.1.2.3` (an IPv4 client on a dual-stack socket) is checked as the IPv4 address it is. */
const IPV4_MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

export interface PeerAddress {
  address: string;
  family: 'ipv4' | 'ipv6';
}

/** The socket's peer as an address BlockList can check; undefined when the socket has none (closed). */
export function peerAddress(remote: string | undefined): PeerAddress | undefined {
  if (!remote) return undefined;
  const unmapped = IPV4_MAPPED.exec(remote)?.[1] ?? remote;
  const version = isIP(unmapped);
  if (version === 0) return undefined;
  return { address: unmapped, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** Addresses and CIDR ranges (`10.0.0.0/8`, `fd00::/8`, `192.0.2.7`) as a set to check peers against. */
export function addressRanges(ranges: readonly string[]): BlockList {
  const list = new BlockList();
  for (const range of ranges) {
    const [address, prefix] = range.split('/') as [string, string | undefined];
    const family = isIP(address) === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return list;
}

export function inRanges(ranges: BlockList, peer: PeerAddress | undefined): boolean {
  return peer !== undefined && ranges.check(peer.address, peer.family);
}

/** Made on first use, with the families written out: isIP() of an IPv6 address first compiles a large pattern, which every command paid at start. */
let loopback: BlockList | undefined;
function loopbackRanges(): BlockList {
  if (!loopback) {
    loopback = new BlockList();
    loopback.addSubnet('127.0.0.0', 8, 'ipv4');
    loopback.addAddress('::1', 'ipv6');
  }
  return loopback;
}

/** Whether a server bound to `host` can be reached only from this machine. */
export function isLoopbackHost(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  return inRanges(loopbackRanges(), peerAddress(host.replace(/^\[|\]$/g, '')));
}
