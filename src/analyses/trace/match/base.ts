/** The rule's own options: `-s`, `-d`, `-i`, `-o`, `-p`, `-f` (iptables(8) PARAMETERS). */
import type { IprangeMatch, Opt } from '../../../model/match';
import { protocolNumber } from '../../../model/protocols';
import type { Rule } from '../../../model/ruleset';
import { type RuleAddress, isUnknownAddress } from '../../../model/values';
import { inRange, parseIp } from '../../../model/address';
import type { Packet } from '../packet';
import { MASKED_IN_DUMP, addressMatcher } from './address-test';
import { type Decision, type Matcher, negate, unknown } from './decision';
import type { SharedMatchers } from './shared';
import { DESTINATION, PROTOCOL, SOURCE } from '../rule-code';

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

function protocolMatcher(value: string, negated: boolean): Matcher {
  const number = protocolNumber(value);
  return (p) => negate(number === undefined ? p.proto === value : p.protoNumber === number, negated);
}

/** `-s`/`-d`; a fully shown address's matcher names no rule, so rules with the same value share it. */
export function address(
  opt: Opt<RuleAddress>,
  side: 'src' | 'dst',
  where: () => string,
  shared: SharedMatchers,
): Matcher {
  const { value, negated } = opt;
  if (isUnknownAddress(value)) return addressMatcher(value, negated, side, where());
  const byValue = shared.byAddress[side][negated ? 1 : 0];
  let m = byValue.get(value);
  if (!m) byValue.set(value, (m = addressMatcher(value, negated, side, '')));
  return m;
}

/**
 * Adds the rule's base matchers to `out`, but for the tests `taken` names (`PROTOCOL | SOURCE | DESTINATION`), which
 * the caller holds as numbers (rule-code.ts).
 */
export function baseMatchers(rule: Rule, where: () => string, shared: SharedMatchers, out: Matcher[], taken = 0): void {
  // The taken tests first: a rule's fields are loaded from more shapes than a load site keeps apart.
  const protocol = (taken & PROTOCOL) === 0 ? rule.protocol : undefined;
  if (protocol) {
    let m = shared.byProtocol.get(protocol);
    if (!m) shared.byProtocol.set(protocol, (m = protocolMatcher(protocol.value, protocol.negated)));
    out.push(m);
  }
  const source = (taken & SOURCE) === 0 ? rule.source : undefined;
  if (source) out.push(address(source, 'src', where, shared));
  const destination = (taken & DESTINATION) === 0 ? rule.destination : undefined;
  if (destination) out.push(address(destination, 'dst', where, shared));
  if (rule.inInterface) out.push(iface(rule.inInterface.value, rule.inInterface.negated, 'in'));
  if (rule.outInterface) out.push(iface(rule.outInterface.value, rule.outInterface.negated, 'out'));
  // The probe is never a second or later fragment.
  if (rule.fragment) out.push(() => rule.fragment?.negated === true);
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
