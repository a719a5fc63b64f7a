/** addrtype: the routing type of the source or destination address (xt_addrtype, via the node's local table). */
import type { AddrtypeMatch } from '../../../model/match';
import type { Family } from '../../../model/values';
import { MASKED_IN_DUMP } from './address-test';
import { type Decision, type Matcher, type MatchContext, negate, unknown } from './decision';

/** IPv6 types read from the address's bits; the others come from the route lookup. */
const BY_BITS = new Set(['UNICAST', 'MULTICAST', 'UNSPEC']);

/**
 * Whether an address with these types has one of `wanted`. IPv4 (match_type): any of them. IPv6
 * (match_type6): every wanted type of its bits, and then, if any route type is wanted, one of those.
 */
export function addrtypeHolds(family: Family, types: ReadonlySet<string>, wanted: readonly string[]): boolean {
  switch (family) {
    case 'ipv4':
      return wanted.some((t) => types.has(t));
    case 'ipv6': {
      if (wanted.some((t) => BY_BITS.has(t) && !types.has(t))) return false;
      const routed = wanted.filter((t) => !BY_BITS.has(t));
      return routed.length === 0 || routed.some((t) => types.has(t));
    }
  }
}

export function addrtypeMatcher(m: AddrtypeMatch, ctx: MatchContext): Matcher {
  return (p) => {
    const dev = m.limitIfaceIn ? p.in : m.limitIfaceOut ? p.out : undefined;
    if ((m.limitIfaceIn || m.limitIfaceOut) && dev === undefined)
      return unknown('the address type test limited to the unknown interface holds');
    let open: Decision = true;
    for (const [opt, ip] of [
      [m.srcType, p.src],
      [m.dstType, p.dst],
    ] as const) {
      if (!opt) continue;
      if (ip.unknown) {
        open = negate(unknown(`${ip.unknown.text} ${MASKED_IN_DUMP} is a ${opt.value.join(',')} address`), opt.negated);
        continue;
      }
      const types = ctx.network.addrTypes(ip, dev || undefined);
      if (addrtypeHolds(p.family, types, opt.value) === opt.negated) return false;
    }
    return open;
  };
}
