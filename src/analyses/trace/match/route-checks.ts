/** Matches answered by the node's routes: pkttype (what the destination address is) and rpfilter (reverse path). */
import type { PkttypeMatch, RpfilterMatch } from '../../../model/match';
import { type Matcher, type MatchContext, unknown } from './decision';

export function pkttypeMatcher(m: PkttypeMatch, ctx: MatchContext): Matcher {
  if (!m.pktType) return () => true;
  const { value, negated } = m.pktType;
  return (p) => {
    const type = ctx.network.addrType(p.dst);
    const kind = type === 'BROADCAST' ? 'broadcast' : type === 'MULTICAST' ? 'multicast' : 'unicast';
    return (kind === value) !== negated;
  };
}

/**
 * rpfilter (raw/mangle PREROUTING): the route back to the source leaves by the interface the packet came
 * in on (`--loose`: any route back will do); `--accept-local` lets local sources pass.
 */
export function rpfilterMatcher(m: RpfilterMatch, ctx: MatchContext): Matcher {
  return (p) => {
    if (p.in === undefined || !ctx.network.knowsInterfaces) return unknown('the reverse-path check passes');
    let pass: boolean;
    if (ctx.network.isLocal(p.src)) pass = m.acceptLocal === true || p.in === 'lo';
    else {
      const back = ctx.network.route(p.src);
      pass = back !== undefined && back.type === 'unicast' && (m.loose === true || back.dev === p.in);
    }
    return pass !== (m.invert === true);
  };
}
