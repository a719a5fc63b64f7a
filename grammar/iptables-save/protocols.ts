/**
 * `-p` values. iptables-save prints a name from the saving host's protocol table (1.8.9 `ipv6-icmp`,
 * 1.6.0 on Synology `icmpv6`), so names are kept as written; numbers become the common name.
 */
import { lookup } from '../shared/lookup';

const BY_NUMBER: Readonly<Record<string, string>> = {
  '1': 'icmp',
  '2': 'igmp',
  '4': 'ipencap',
  '6': 'tcp',
  '17': 'udp',
  '33': 'dccp',
  '41': 'ipv6',
  '47': 'gre',
  '50': 'esp',
  '51': 'ah',
  '58': 'ipv6-icmp',
  '89': 'ospf',
  '103': 'pim',
  '112': 'vrrp',
  '132': 'sctp',
  '135': 'mh',
  '136': 'udplite',
};

/** Returns null for `all`/`0`, which iptables-save leaves out. */
export function canonicalProtocol(text: string): string | null {
  const t = text.toLowerCase();
  if (t === 'all' || t === '0') return null;
  return lookup(BY_NUMBER, t) ?? t;
}
