/**
 * What the kernel calls an IPv6 address by its bits alone (__ipv6_addr_type, net/ipv6/addrconf_core.c):
 * unicast, multicast, unspecified or v4-mapped, and its scope. xt_addrtype and source address selection
 * both start from it.
 */
import { type Ip, type Prefix, parsePrefix } from '../../model/address';

export type Ipv6Kind = 'unicast' | 'multicast' | 'any' | 'mapped';

/** IPV6_ADDR_SCOPE_*: the larger, the wider. */
const SCOPE = { node: 0x1, link: 0x2, site: 0x5, global: 0xe } as const;

export interface Ipv6Type {
  readonly kind: Ipv6Kind;
  /** __ipv6_addr_src_scope; -1 (invalid) for the unspecified address. */
  readonly scope: number;
  /** Loopback, v4-mapped and v4-compatible addresses are never avoided as deprecated (ipv6_saddr_preferred). */
  readonly alwaysPreferred: boolean;
}

const word = (ip: Ip, i: number) => Number((ip.value >> BigInt(96 - 32 * i)) & 0xffffffffn);

export function ipv6Type(ip: Ip): Ipv6Type {
  const w0 = word(ip, 0);
  const top3 = w0 >>> 29;
  // Everything outside 000/3 and 111/3 is global unicast.
  if (top3 !== 0 && top3 !== 7) return { kind: 'unicast', scope: SCOPE.global, alwaysPreferred: false };
  if (w0 >>> 24 === 0xff) return { kind: 'multicast', scope: (w0 >>> 16) & 0xf, alwaysPreferred: false };
  if (w0 >>> 22 === 0xfe80 >>> 6) return { kind: 'unicast', scope: SCOPE.link, alwaysPreferred: false };
  if (w0 >>> 22 === 0xfec0 >>> 6) return { kind: 'unicast', scope: SCOPE.site, alwaysPreferred: false };
  if (w0 >>> 25 === 0xfc00 >>> 9) return { kind: 'unicast', scope: SCOPE.global, alwaysPreferred: false };
  if (w0 === 0 && word(ip, 1) === 0) {
    const w2 = word(ip, 2);
    const w3 = word(ip, 3);
    if (w2 === 0) {
      if (w3 === 0) return { kind: 'any', scope: -1, alwaysPreferred: false };
      // ::1 is link scope to the kernel (addr-select 3.4); other ::/96 addresses are v4-compatible.
      return { kind: 'unicast', scope: w3 === 1 ? SCOPE.link : SCOPE.global, alwaysPreferred: true };
    }
    if (w2 === 0xffff) return { kind: 'mapped', scope: SCOPE.global, alwaysPreferred: true };
  }
  return { kind: 'unicast', scope: SCOPE.global, alwaysPreferred: false };
}

/**
 * Every edge of ipv6Type's kind: across a stretch of addresses none of these prefixes cuts, the kind is the
 * same (stale classes IPv6 addresses by such stretches).
 */
export const IPV6_KIND_PREFIXES: readonly Prefix[] = ['::/128', '::ffff:0:0/96', 'ff00::/8'].map(
  (p) => parsePrefix(p)!,
);
