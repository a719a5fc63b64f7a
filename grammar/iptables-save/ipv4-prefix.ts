/**
 * `-s`/`-d` in the one spelling kube-proxy and most firewalls write, `A.B.C.D` or `A.B.C.D/N`, read without
 * regular expressions or objects: codecs.ts parseAddressMask's fast path, for most addresses of any dump. Any
 * other spelling (leading zeros, dotted masks, IPv6, masked addresses) is undefined, for ipaddr.js to read there.
 */
import { canonicalIpv4Value, ipv4Text } from '../shared/address';
import type { AddressMask } from '../../src/model/values';

const SLASH = 47;

/** The address on [from, to) of `text`, its network address when the prefix is shorter than 32. */
export function ipv4PrefixIn(text: string, from: number, to: number): AddressMask | undefined {
  let slash = from;
  while (slash < to && text.charCodeAt(slash) !== SLASH) slash++;
  const value = canonicalIpv4Value(text, from, slash);
  if (value < 0) return undefined;
  const prefix = slash === to ? 32 : prefixIn(text, slash + 1, to);
  if (prefix < 0) return undefined;
  if (prefix === 32) return { family: 'ipv4', address: text.slice(from, slash), prefix };
  const network = prefix === 0 ? 0 : (value & (0xffffffff << (32 - prefix))) >>> 0;
  return { family: 'ipv4', address: ipv4Text(network), prefix };
}

/** A prefix length 0-32 of one or two digits, the second only after 1, 2 or 3 (`/08` is not one); else -1. */
function prefixIn(text: string, from: number, to: number): number {
  const a = text.charCodeAt(from) - 48;
  if (to - from === 1) return a >= 0 && a <= 9 ? a : -1;
  const b = text.charCodeAt(from + 1) - 48;
  if (to - from !== 2 || a < 1 || a > 3 || b < 0 || b > 9) return -1;
  const prefix = a * 10 + b;
  return prefix <= 32 ? prefix : -1;
}
