/** addrtype: the routing type of the source or destination address (xt_addrtype, via the node's local table). */
import type { AddrtypeMatch } from '../../../model/match';
import { MASKED_IN_DUMP } from './address-test';
import { type Decision, type Matcher, type MatchContext, negate, unknown } from './decision';

export function addrtypeMatcher(m: AddrtypeMatch, ctx: MatchContext): Matcher {
  return (p) => {
    const dev = m.limitIfaceIn ? p.in : m.limitIfaceOut ? p.out : undefined;
    if ((m.limitIfaceIn || m.limitIfaceOut) && dev === undefined) return unknown('the address type test limited to the unknown interface holds');
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
      const type = ctx.network.addrType(ip, dev || undefined);
      if (opt.value.includes(type) === opt.negated) return false;
    }
    return open;
  };
}
