/**
 * The trace lab in either family. The lab's plan is written once, in IPv4 (test/helpers/trace-lab.ts,
 * test/generators/trace-ruleset.ts); an IPv6 lab uses the same plan with every address carried over by
 * `v6Of`: a.b.c.d → <prefix of a.b>:c::d, the octets' decimal digits kept as hex digits so they read alike
 * (192.168.50.1 → 2001:db8:168:50::1, 10.244.1.11 → fd00:10:244:1::11), /16 → /48, /24 → /64, /32 → /128.
 */
import ipaddr from 'ipaddr.js';
import type { Family } from '../../src/model/values';

const PREFIXES: Readonly<Record<string, string>> = {
  '10.244': 'fd00:10:244',
  '10.96': 'fd00:10:96',
  '10.99': 'fd00:10:99',
  '192.168': '2001:db8:168',
  '203.0': '2001:db8:203',
  '198.51': '2001:db8:198',
};

/** An address or prefix of the IPv4 plan in the IPv6 lab. */
export function v6Of(v4: string): string {
  const [address, length] = v4.split('/');
  if (address!.startsWith('127.')) return length === undefined ? '::1' : '::1/128';
  const [a, b, c, d] = address!.split('.');
  const prefix = PREFIXES[`${a}.${b}`];
  if (prefix === undefined) throw new Error(`${v4} is not in the lab's plan`);
  // RFC 5952 text, as conntrack and the kernel's tools print it (fd00:10:96::10, not fd00:10:96:0::10).
  const ip = ipaddr.IPv6.parse(`${prefix}:${c}::${d}`).toRFC5952String();
  if (length === undefined) return ip;
  const n = Number(length);
  return `${ip}/${n <= 16 ? n + 32 : n <= 24 ? n + 40 : n + 96}`;
}

export interface LabFamily {
  readonly family: Family;
  /** An address or prefix of the IPv4 plan, in this family. */
  readonly at: (v4: string) => string;
  /** A host route's length: /32 or /128. */
  readonly host: string;
  readonly restore: string;
  readonly save: string;
  /** nft's name for the family's tables. */
  readonly nft: 'ip' | 'ip6';
  /** `ip -4` or `ip -6`. */
  readonly ipFlag: '-4' | '-6';
  /** The sysctl keys a support bundle of the node would hold for this family. */
  readonly sysctls: readonly string[];
  /** The prefix of the lab's namespace names. */
  readonly namespaces: string;
}

/** NFWALK_LAB_NETNS: a prefix for the namespace names, so that parallel sessions on one host can tell theirs apart. */
const NETNS_PREFIX = process.env['NFWALK_LAB_NETNS'] ?? '';

export const LAB_V4: LabFamily = {
  family: 'ipv4',
  at: (v4) => v4,
  host: '/32',
  restore: 'iptables-restore',
  save: 'iptables-save',
  nft: 'ip',
  ipFlag: '-4',
  sysctls: [
    'net.ipv4.ip_forward',
    'net.ipv4.conf.all.rp_filter',
    'net.ipv4.conf.all.route_localnet',
    'net.ipv4.conf.all.accept_local',
  ],
  namespaces: `${NETNS_PREFIX}nfw-`,
};

export const LAB_V6: LabFamily = {
  family: 'ipv6',
  at: v6Of,
  host: '/128',
  restore: 'ip6tables-restore',
  save: 'ip6tables-save',
  nft: 'ip6',
  ipFlag: '-6',
  sysctls: ['net.ipv6.conf.all.forwarding', 'net.ipv6.conf.all.accept_dad'],
  namespaces: `${NETNS_PREFIX}nfwalk-v6-`,
};
