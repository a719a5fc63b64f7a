/** A rule's matches as matchers: the base options first, then each `-m` module in rule order, as the kernel tests them. */
import type { Match } from '../../../model/match';
import type { Rule } from '../../../model/ruleset';
import type { Family } from '../../../model/values';
import { addrtypeMatcher } from './addrtype';
import { baseMatchers, iprangeMatcher } from './base';
import { conntrackMatchers, stateMatcher } from './conntrack';
import type { Matcher, MatchContext } from './decision';
import { hostStateMatcher } from './host-state';
import { markMatcher } from './marks';
import { icmpMatcher, multiportMatcher, tcpUdpMatcher } from './ports';
import { pkttypeMatcher, rpfilterMatcher } from './route-checks';
import { setMatcher } from './set';
import { statisticMatcher } from './statistic';

export type { Decision, Matcher, MatchContext, Uncertain } from './decision';

function moduleMatchers(m: Match, ctx: MatchContext, family: Family, where: string): Matcher[] {
  switch (m.module) {
    case 'tcp':
    case 'udp':
    case 'sctp':
      return [tcpUdpMatcher(m)];
    case 'multiport':
      return [multiportMatcher(m)];
    case 'icmp':
    case 'icmp6':
      return [icmpMatcher(m)];
    case 'addrtype':
      return [addrtypeMatcher(m, ctx)];
    case 'conntrack':
      return conntrackMatchers(m);
    case 'state':
      return [stateMatcher(m)];
    case 'mark':
    case 'connmark':
      return [markMatcher(m)];
    case 'statistic':
      return [statisticMatcher(m, where)];
    case 'set':
      return [setMatcher(m, ctx)];
    case 'iprange':
      return [iprangeMatcher(m)];
    case 'pkttype':
      return [pkttypeMatcher(m, ctx)];
    case 'rpfilter':
      return [rpfilterMatcher(m, ctx)];
    case 'comment':
      return [];
    default:
      return [hostStateMatcher(m, family, where)];
  }
}

export function ruleMatchers(rule: Rule, ctx: MatchContext, family: Family, where: string): Matcher[] {
  return [...baseMatchers(rule, where), ...rule.matches.flatMap((m) => moduleMatchers(m, ctx, family, where))];
}
