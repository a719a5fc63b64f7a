import { CONNTRACK_PROTOCOLS } from '../../src/model/protocols';

/** Layer-4 protocol names conntrack prints, and their numbers, as records for the decoders' lookups. */
export const L4_NUMBERS: Readonly<Record<string, number>> = Object.fromEntries(CONNTRACK_PROTOCOLS);

export const L4_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(L4_NUMBERS).map(([n, v]) => [v, n]),
);

/** The reply type of an icmp query the kernel expects (echo 8 → 0, v6 echo 128 → 129, ...). */
export function icmpReplyType(proto: string, type: number): number {
  const pairs: Record<number, number> =
    proto === 'icmpv6' ? { 128: 129, 129: 128 } : { 8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 17: 18, 18: 17 };
  return pairs[type] ?? type;
}
