/** The rule's own options: `-s`, `-d`, `-i`, `-o`, `-p`, `-f` (iptables(8) PARAMETERS). */
import type { IprangeMatch } from '../../../model/match';
import { protocolNumber } from '../../../model/protocols';
import type { Rule } from '../../../model/ruleset';
import { inRange, parseIp } from '../../../model/address';
import type { Packet } from '../packet';
import { MASKED_IN_DUMP, addressMatcher } from './address-test';
import { type Decision, type Matcher, negate, unknown } from './decision';

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

export function baseMatchers(rule: Rule, where: string): Matcher[] {
  const out: Matcher[] = [];
  if (rule.protocol) {
    const { value, negated } = rule.protocol;
    const number = protocolNumber(value);
    out.push((p) => negate(number === undefined ? p.proto === value : p.protoNumber === number, negated));
  }
  if (rule.source) out.push(addressMatcher(rule.source.value, rule.source.negated, 'src', where));
  if (rule.destination) out.push(addressMatcher(rule.destination.value, rule.destination.negated, 'dst', where));
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
    const question = `the packet's ${side === 'src' ? 'source' : 'destination'} ${MASKED_IN_DUMP} is in ${opt.value.from}-${opt.value.to}`;
    return [
      (p: Packet): Decision =>
        p[side].unknown ? negate(unknown(question), opt.negated) : inRange(p[side], from, to) !== opt.negated,
    ];
  });
  return (p) => {
    let open: Decision = true;
    for (const t of tests) {
      const d = t(p);
      if (d === false) return false;
      if (d !== true) open = d;
    }
    return open;
  };
}
