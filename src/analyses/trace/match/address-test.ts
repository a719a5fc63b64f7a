/**
 * `-s`/`-d`: whether the packet's address lies in the rule's prefix. An address masked in the dump, on
 * either side (`-d x.x.x.x/32`, or a packet DNATed to `10.x.x.x`), leaves the answer open unless the part
 * the paste still shows decides it: then the walk splits, as on any fact the dumps do not hold.
 */
import { type RuleAddress, isUnknownAddress } from '../../../model/values';
import {
  type Ip,
  type Prefix,
  formatIp,
  hostPrefix,
  inPrefix,
  prefixOfMask,
  visiblePrefix,
} from '../../../model/address';
import type { Packet } from '../packet';
import { type Decision, type Matcher, negate, unknown } from './decision';

/** Whether some address lies in both (masks need not be contiguous: iptables allows dotted ones). */
function overlap(a: Prefix, b: Prefix): boolean {
  return a.family === b.family && (a.network & b.mask) === (b.network & a.mask);
}

function contains(outer: Prefix, inner: Prefix): boolean {
  return (
    outer.family === inner.family && (outer.mask & ~inner.mask) === 0n && (inner.network & outer.mask) === outer.network
  );
}

/** What a rule's address tells for certain: the prefix it shows, and whether that is all of it. */
interface RuleSide {
  readonly shown: Prefix;
  readonly whole: boolean;
  readonly text: string;
}

function ruleSide(value: RuleAddress, where: string): RuleSide {
  if (!isUnknownAddress(value))
    return { shown: prefixOfMask(value), whole: true, text: `${value.address}/${value.mask ?? value.prefix}` };
  const shown = visiblePrefix(value, value.prefix);
  return { shown, whole: shown.length === value.prefix, text: `${value.unknown} ${MASKED} ${where})` };
}

/** What every statement about a masked address says, so that a reader of the assumptions can tell them apart. */
const MASKED = '(masked in';

/** How a statement names an address the packet carries that was masked in the dump. */
export const MASKED_IN_DUMP = `${MASKED} the dump)`;

/** Whether a path's assumptions include one about an address masked in the dump. */
export const restsOnMaskedAddress = (assumptions: readonly string[]) => assumptions.some((a) => a.includes(MASKED));

function decide(ip: Ip, rule: RuleSide, whose: string): Decision {
  const shown = ip.unknown?.visible ?? hostPrefix(ip);
  if (!overlap(shown, rule.shown)) return false;
  if (rule.whole && contains(rule.shown, shown)) return true;
  return unknown(`the packet's ${whose} ${formatIp(ip)}${ip.unknown ? ` ${MASKED_IN_DUMP}` : ''} is in ${rule.text}`);
}

/** `where` names the rule in statements about a masked address of the rule's; a fully shown one's never does. */
export function addressMatcher(value: RuleAddress, negated: boolean, side: 'src' | 'dst', where: string): Matcher {
  const whose = side === 'src' ? 'source' : 'destination';
  if (!isUnknownAddress(value)) {
    // Every address known: one AND and one compare, as before masked addresses were read. What the rule shows is
    // worked out when a packet with a masked address first asks: 30,000 rules of a big ruleset name a host.
    const prefix = prefixOfMask(value);
    let rule: RuleSide | undefined;
    return (p: Packet) => {
      const ip = p[side];
      return ip.unknown
        ? negate(decide(ip, (rule ??= ruleSide(value, where)), whose), negated)
        : inPrefix(ip, prefix) !== negated;
    };
  }
  const rule = ruleSide(value, where);
  return (p: Packet) => negate(decide(p[side], rule, whose), negated);
}
