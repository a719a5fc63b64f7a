/** tcp, udp, sctp, multiport, icmp and icmp6 matches (iptables-extensions(8)). */
import type { IcmpMatch, Icmp6Match, MultiportMatch, Opt, SctpMatch, TcpMatch, UdpMatch } from '../../../model/match';
import type { PortRange } from '../../../model/values';
import type { Packet } from '../packet';
import { type Decision, type Matcher, negate, unknown } from './decision';

const inPortRange = (port: number | undefined, r: PortRange) => port !== undefined && port >= r.from && port <= r.to;

function portTest(p: Packet, side: 'sport' | 'dport', opt: Opt<PortRange> | undefined): boolean {
  return opt === undefined || inPortRange(p[side], opt.value) !== opt.negated;
}

export function tcpUdpMatcher(m: TcpMatch | UdpMatch | SctpMatch): Matcher {
  return (p) => {
    if (p.proto !== m.module) return false;
    if (!portTest(p, 'sport', m.sport) || !portTest(p, 'dport', m.dport)) return false;
    if (m.module === 'tcp') {
      if (m.tcpFlags) {
        const { mask, compare } = m.tcpFlags.value;
        const set = (names: readonly string[]) => new Set(names.includes('ALL') ? ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR'] : names.filter((n) => n !== 'NONE'));
        const maskSet = set(mask);
        const want = set(compare);
        const ok = [...maskSet].every((f) => p.tcpFlags.includes(f) === want.has(f));
        if (ok === m.tcpFlags.negated) return false;
      }
      if (m.tcpOption) return negate(unknown(`the TCP header carries option ${m.tcpOption.value}`), m.tcpOption.negated);
    }
    if (m.module === 'sctp' && m.chunkTypes) return negate(unknown('the SCTP chunk types match'), m.chunkTypes.negated);
    return true;
  };
}

export function multiportMatcher(m: MultiportMatch): Matcher {
  const inList = (port: number | undefined, list: readonly PortRange[]) => list.some((r) => inPortRange(port, r));
  return (p) => {
    if (m.sports && inList(p.sport, m.sports.value) === m.sports.negated) return false;
    if (m.dports && inList(p.dport, m.dports.value) === m.dports.negated) return false;
    if (m.ports && (inList(p.sport, m.ports.value) || inList(p.dport, m.ports.value)) === m.ports.negated) return false;
    return true;
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
