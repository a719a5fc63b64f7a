/**
 * `-p` values. iptables-save prints a name from the saving host's protocol table (1.8.9 `ipv6-icmp`,
 * 1.6.0 on Synology `icmpv6`), so names are kept as written; numbers become the common name.
 */
import { protocolNameOf } from '../../src/model/protocols';

/** Returns null for `all`/`0`, which iptables-save leaves out. */
export function canonicalProtocol(text: string): string | null {
  const t = text.toLowerCase();
  if (t === 'all' || t === '0') return null;
  return protocolNameOf(t) ?? t;
}
