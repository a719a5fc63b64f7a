/** tcp, udp, sctp, multiport, icmp and icmp6 matches (iptables-extensions(8)). */
import type { IcmpMatch, Icmp6Match, MultiportMatch, SctpMatch, TcpMatch, UdpMatch } from '../../../model/match';
import type { PortRange } from '../../../model/values';
import type { Packet } from '../packet';
import { type Decision, type Matcher, negate, unknown } from './decision';

export const inPortRange = (port: number | undefined, r: PortRange) =>
  port !== undefined && port >= r.from && port <= r.to;

/**
 * Whether the source port lies in one of the ranges. After NAT picked a random port the answer is a draw:
 * the share of the random range the ranges cover, asked once per path for the same ranges.
 */
function sourcePortIn(p: Packet, ranges: readonly PortRange[]): Decision {
  const r = p.sportRandom;
  if (!r) return ranges.some((x) => inPortRange(p.sport, x));
  let covered = 0;
  for (const x of ranges) covered += Math.max(0, Math.min(x.to, r.to) - Math.max(x.from, r.from) + 1);
  const text = ranges.map((x) => (x.from === x.to ? `${x.from}` : `${x.from}:${x.to}`)).join(',');
  return {
    question: `the source port NAT picked at random from ${r.from}-${r.to} is in ${text}`,
    pYes: Math.min(1, covered / (r.to - r.from + 1)),
    matchesWhen: true,
  };
}

function both(a: Decision, b: Decision): Decision {
  if (a === false || b === false) return false;
  return a === true ? b : a;
}

export function tcpUdpMatcher(m: TcpMatch | UdpMatch | SctpMatch): Matcher {
  return (p) => {
    if (p.proto !== m.module) return false;
    if (m.dport && inPortRange(p.dport, m.dport.value) === m.dport.negated) return false;
    const sport = m.sport ? negate(sourcePortIn(p, [m.sport.value]), m.sport.negated) : true;
    if (sport === false) return false;
    if (m.module === 'tcp') {
      if (m.tcpFlags) {
        const { mask, compare } = m.tcpFlags.value;
        const set = (names: readonly string[]) =>
          new Set(
            names.includes('ALL')
              ? ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR']
              : names.filter((n) => n !== 'NONE'),
          );
        const maskSet = set(mask);
        const want = set(compare);
        const ok = [...maskSet].every((f) => p.tcpFlags.includes(f) === want.has(f));
        if (ok === m.tcpFlags.negated) return false;
      }
      if (m.tcpOption)
        return both(sport, negate(unknown(`the TCP header carries option ${m.tcpOption.value}`), m.tcpOption.negated));
    }
    if (m.module === 'sctp' && m.chunkTypes)
      return both(sport, negate(unknown('the SCTP chunk types match'), m.chunkTypes.negated));
    return sport;
  };
}

export function multiportMatcher(m: MultiportMatch): Matcher {
  const inList = (port: number | undefined, list: readonly PortRange[]) => list.some((r) => inPortRange(port, r));
  return (p) => {
    if (m.dports && inList(p.dport, m.dports.value) === m.dports.negated) return false;
    let d: Decision = m.sports ? negate(sourcePortIn(p, m.sports.value), m.sports.negated) : true;
    if (m.ports) d = both(d, negate(inList(p.dport, m.ports.value) || sourcePortIn(p, m.ports.value), m.ports.negated));
    return d;
  };
}

export function icmpMatcher(m: IcmpMatch | Icmp6Match): Matcher {
  const opt = m.module === 'icmp' ? m.icmpType : m.icmpv6Type;
  return (p): Decision => {
    if (p.icmpType === undefined) return false;
    if (!opt) return true;
    const t = opt.value;
    const code = p.icmpCode ?? 0;
    const hit = t.type === 'any' || (t.type === p.icmpType && code >= (t.codeFrom ?? 0) && code <= (t.codeTo ?? 255));
    return hit !== opt.negated;
  };
}
