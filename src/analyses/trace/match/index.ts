/**
 * A rule's matches as matchers: the base options first, then each `-m` module in rule order, as the kernel tests
 * them. Every module of the model has an entry here (a module added to `Match` is a compile error until it has
 * one): its matchers, and what of a flow it tests, which stale's flow key asks instead of knowing modules itself.
 */
import type { Match, MatchModule, MatchOf, Opt } from '../../../model/match';
import type { Rule } from '../../../model/ruleset';
import type { AddressRange, Family } from '../../../model/values';
import { addrtypeMatcher } from './addrtype';
import { baseMatchers, iprangeMatcher } from './base';
import { conntrackMatchers, stateMatcher } from './conntrack';
import type { Matcher, MatchContext } from './decision';
import type { SharedMatchers } from './shared';
import { PORT, portMatch } from '../rule-code';
import { hostStateMatcher, ownerMatcher, physdevMatcher, policyMatcher, recentMatcher } from './host-state';
import { markMatcher } from './marks';
import { icmpMatcher, multiportMatcher, tcpUdpMatcher } from './ports';
import { pkttypeMatcher, rpfilterMatcher } from './route-checks';
import { setMatcher } from './set';
import { statisticMatcher } from './statistic';

export type { Decision, Matcher, MatchContext, Uncertain } from './decision';
export { SharedMatchers } from './shared';

/** How a match tests one address of the flow: by a range, by its address type, or in a way that needs all of it. */
export type AddressTest =
  | { readonly whole: true }
  | { readonly addrtype: true }
  | { readonly range: Opt<AddressRange> | undefined };

/** What of a new connection's tuple a match tests beyond protocol and destination port. */
export interface FlowTests {
  readonly sport?: true;
  readonly iface?: true;
  readonly src?: AddressTest;
  readonly dst?: AddressTest;
}

const NOTHING: FlowTests = {};
const WHOLE: AddressTest = { whole: true };
const ADDRTYPE: AddressTest = { addrtype: true };
const BOTH_WHOLE: FlowTests = { src: WHOLE, dst: WHOLE };

type Module = MatchModule;

/**
 * A module's matchers are made either from the match alone, and then shared by every rule of the ruleset that holds
 * the same match object (the reader shares identical sections: 78,783 matches of a 10,000-service dump are 19,860
 * objects), or (`placed`) with the rule's place, which their statements name.
 */
type ModuleMeaning<K extends Module> = (
  | { matchers(m: MatchOf<K>, ctx: MatchContext, family: Family): Matcher[] }
  | {
      placed(m: MatchOf<K>, ctx: MatchContext, family: Family, where: string): Matcher[];
      /** Whether this match's statements name the rule; when not, its matchers are shared as `matchers`' are. */
      namesRule?(m: MatchOf<K>): boolean;
    }
) & { tests(m: MatchOf<K>): FlowTests };

/** Modules without a matcher of their own test host state the dumps do not show (host-state.ts). */
const MODULES: { readonly [K in Module]: ModuleMeaning<K> } = {
  tcp: {
    matchers: (m) => [tcpUdpMatcher(m)],
    tests: (m) => (m.sport ? { sport: true } : NOTHING),
  },
  udp: {
    matchers: (m) => [tcpUdpMatcher(m)],
    tests: (m) => (m.sport ? { sport: true } : NOTHING),
  },
  sctp: {
    matchers: (m) => [tcpUdpMatcher(m)],
    tests: (m) => (m.sport ? { sport: true } : NOTHING),
  },
  icmp: {
    matchers: (m) => [icmpMatcher(m)],
    tests: () => NOTHING,
  },
  icmp6: {
    matchers: (m) => [icmpMatcher(m)],
    tests: () => NOTHING,
  },
  addrtype: {
    matchers: (m, ctx) => [addrtypeMatcher(m, ctx)],
    tests: (m) => ({
      ...(m.srcType ? { src: ADDRTYPE } : {}),
      ...(m.dstType ? { dst: ADDRTYPE } : {}),
      ...(m.limitIfaceIn ? { iface: true } : {}),
    }),
  },
  statistic: {
    placed: (m, _ctx, _family, where) => [statisticMatcher(m, where)],
    // A random draw asks no question: one matcher per probability serves every rule of a kube-proxy ladder.
    namesRule: (m) => m.mode !== 'random',
    tests: () => NOTHING,
  },
  mark: {
    matchers: (m) => [markMatcher(m)],
    tests: () => NOTHING,
  },
  connmark: {
    matchers: (m) => [markMatcher(m)],
    tests: () => NOTHING,
  },
  conntrack: {
    matchers: (m) => conntrackMatchers(m),
    tests: (m) => ({
      ...(m.ctorigsrc || m.ctreplsrc || m.ctrepldst || m.ctorigsrcport || m.ctreplsrcport || m.ctrepldstport
        ? { src: WHOLE }
        : {}),
      ...(m.ctorigdst || m.ctreplsrc || m.ctrepldst ? { dst: WHOLE } : {}),
    }),
  },
  state: {
    matchers: (m) => [stateMatcher(m)],
    tests: () => NOTHING,
  },
  comment: {
    matchers: () => [],
    tests: () => NOTHING,
  },
  multiport: {
    matchers: (m) => [multiportMatcher(m)],
    tests: (m) => (m.sports || m.ports ? { sport: true } : NOTHING),
  },
  set: {
    matchers: (m, ctx) => [setMatcher(m, ctx)],
    tests: (m) => ({
      ...(m.matchSet?.value.directions.includes('src') ? { src: WHOLE } : {}),
      ...(m.matchSet?.value.directions.includes('dst') ? { dst: WHOLE } : {}),
    }),
  },
  recent: {
    matchers: (m, _ctx, family) => [recentMatcher(m, family)],
    tests: () => NOTHING,
  },
  physdev: {
    matchers: (m) => [physdevMatcher(m)],
    tests: () => NOTHING,
  },
  socket: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => BOTH_WHOLE,
  },
  owner: {
    matchers: (m, _ctx, family) => [ownerMatcher(m, family)],
    tests: () => NOTHING,
  },
  iprange: {
    matchers: (m) => [iprangeMatcher(m)],
    tests: (m) => ({ src: { range: m.srcRange }, dst: { range: m.dstRange } }),
  },
  limit: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  hashlimit: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  mac: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  length: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  string: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  pkttype: {
    matchers: (m, ctx) => [pkttypeMatcher(m, ctx)],
    tests: () => NOTHING,
  },
  ttl: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  hl: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  connlimit: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  rpfilter: {
    matchers: (m, ctx) => [rpfilterMatcher(m, ctx)],
    tests: () => BOTH_WHOLE,
  },
  opaque: {
    // xt_comment matches every packet: a comment whose options could not be read (an edited `–comment`) is one still.
    placed: (m, _ctx, family, where) => (m.name === 'comment' ? [] : [hostStateMatcher(m, family, where)]),
    tests: (m) => (m.name === 'comment' ? NOTHING : BOTH_WHOLE),
  },
  u32: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  bpf: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  policy: {
    matchers: (m, _ctx, family) => [policyMatcher(m, family)],
    tests: () => NOTHING,
  },
  ipvs: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  dscp: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  tos: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  helper: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  nfacct: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  cgroup: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  devgroup: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  cpu: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  quota: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  time: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  realm: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  tcpmss: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  dccp: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  esp: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  ah: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  ecn: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  frag: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  rt: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  ipv6header: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  mh: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  hbh: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  dst: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  osf: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  cluster: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  connbytes: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  connlabel: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  ipcomp: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  l2tp: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  condition: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
  geoip: {
    placed: (m, _ctx, family, where) => [hostStateMatcher(m, family, where)],
    tests: () => NOTHING,
  },
};

const meaningOf = (m: Match) => MODULES[m.module] as ModuleMeaning<Module>;

/** What of a flow the match tests (stale's flow key). */
export const flowTestsOf = (m: Match): FlowTests => meaningOf(m).tests(m as never);

/**
 * Adds the rule's matchers to `out` (a chain's, one rule after the other). `where` names the rule in the statements
 * of modules that need it (`placed`), made only for those. `taken`: tests held as numbers (rule-code.ts), left out.
 */
export function ruleMatchers(
  rule: Rule,
  ctx: MatchContext,
  family: Family,
  where: () => string,
  shared: SharedMatchers,
  out: Matcher[],
  taken = 0,
): void {
  baseMatchers(rule, where, shared, out, taken);
  // Held once: a rule may name the same match object twice (the reader shares identical sections).
  let held = (taken & PORT) !== 0 ? portMatch(rule) : undefined;
  for (const m of rule.matches) {
    // Every kube-proxy rule has one: no matchers, and no lookup for them.
    if (m.module === 'comment') continue;
    if (m === held) {
      held = undefined;
      continue;
    }
    const meaning = meaningOf(m);
    const placed = 'placed' in meaning;
    if (placed && (meaning.namesRule?.(m as never) ?? true)) {
      out.push(...meaning.placed(m as never, ctx, family, where()));
      continue;
    }
    let made = shared.byMatch.get(m);
    if (!made)
      shared.byMatch.set(
        m,
        (made = placed ? meaning.placed(m as never, ctx, family, '') : meaning.matchers(m as never, ctx, family)),
      );
    for (const matcher of made) out.push(matcher);
  }
}
