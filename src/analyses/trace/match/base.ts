/** The rule's own options: `-s`, `-d`, `-i`, `-o`, `-p`, `-f` (iptables(8) PARAMETERS). */
import type { IprangeMatch } from '../../../model/match';
import type { Rule } from '../../../model/ruleset';
import { inPrefix, inRange, parseIp, prefixOfMask } from '../address';
import type { Packet } from '../packet';
import { type Matcher, negate, unknown } from './decision';

const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = {
  icmp: 1, igmp: 2, tcp: 6, udp: 17, dccp: 33, gre: 47, esp: 50, ah: 51, 'ipv6-icmp': 58, icmpv6: 58, sctp: 132, udplite: 136,
};

export function protocolNumber(name: string): number | undefined {
  return /^\d+$/.test(name) ? Number(name) : PROTOCOL_NUMBERS[name];
}

/** `-i eth+`: a trailing `+` matches every name with that prefix, as xt_iface does. */
export function interfaceMatches(pattern: string, name: string): boolean {
  return pattern.endsWith('+') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

function iface(pattern: string, negated: boolean, side: 'in' | 'out'): Matcher {
  const statement = side === 'in' ? `the packet arrives on ${pattern}` : `the packet leaves by ${pattern}`;
  return (p) => {
    const name = p[side];
    return negate(name === undefined ? unknown(statement) : interfaceMatches(pattern, name), negated);
  };
}

export function baseMatchers(rule: Rule): Matcher[] {
  const out: Matcher[] = [];
  if (rule.protocol) {
    const { value, negated } = rule.protocol;
    const number = protocolNumber(value);
    out.push((p) => negate(number === undefined ? p.proto === value : p.protoNumber === number, negated));
  }
  if (rule.source) {
    const prefix = prefixOfMask(rule.source.value);
    const negated = rule.source.negated;
    out.push((p) => inPrefix(p.src, prefix) !== negated);
  }
  if (rule.destination) {
    const prefix = prefixOfMask(rule.destination.value);
    const negated = rule.destination.negated;
    out.push((p) => inPrefix(p.dst, prefix) !== negated);
  }
  if (rule.inInterface) out.push(iface(rule.inInterface.value, rule.inInterface.negated, 'in'));
  if (rule.outInterface) out.push(iface(rule.outInterface.value, rule.outInterface.negated, 'out'));
  // The probe is never a second or later fragment.
  if (rule.fragment) out.push(() => rule.fragment?.negated === true);
  return out;
}

/** iprange: inclusive source/destination address ranges. */
export function iprangeMatcher(m: IprangeMatch): Matcher {
  const tests = (
    [
      ['src', m.srcRange],
      ['dst', m.dstRange],
    ] as const
  ).flatMap(([side, opt]) => {
    if (!opt) return [];
    const from = parseIp(opt.value.from);
    const to = parseIp(opt.value.to);
    if (!from || !to) throw new Error(`iprange ${opt.value.from}-${opt.value.to} in the model does not parse`);
    return [(p: Packet) => inRange(p[side], from, to) !== opt.negated];
  });
  return (p) => tests.every((t) => t(p));
}
