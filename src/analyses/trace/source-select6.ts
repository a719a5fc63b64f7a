/**
 * IPv6 source address selection as Linux does it (ipv6_dev_get_saddr, net/ipv6/addrconf.c; RFC 6724 §5):
 * the source MASQUERADE gives a packet (nf_nat_masquerade_ipv6) and a socket gets when it does not bind one.
 * Candidates are compared rule by rule; the first rule that tells two apart decides, and of equals the one
 * met first (devices in order, each device's addresses as `ip addr` lists them) stays.
 */
import { type Ip, type Prefix, inPrefix, makePrefix, parseIp } from '../../model/address';
import { ipv6Type } from './ipv6-type';

export interface SourceCandidate {
  readonly dev: string;
  readonly ip: Ip;
  readonly prefix: Prefix;
  /** `ip -6 addr` flags: tentative, dadfailed, deprecated, optimistic, temporary, ... */
  readonly flags: readonly string[];
}

/** The kernel's default address labels (net/ipv6/addrlabel.c, RFC 6724 §2.1 as Linux ships it). */
const LABELS: readonly { readonly prefix: Prefix; readonly label: number }[] = (
  [
    ['::1', 128, 0],
    ['::', 96, 3],
    ['::ffff:0:0', 96, 4],
    ['2001::', 32, 6],
    ['2001:10::', 28, 7],
    ['3ffe::', 16, 12],
    ['2002::', 16, 2],
    ['fec0::', 10, 11],
    ['fc00::', 7, 5],
    ['::', 0, 1],
  ] as const
).map(([a, len, label]) => ({ prefix: makePrefix(parseIp(a)!, len), label }));

/** Longest prefix first, so the first hit is the kernel's (ip6addrlbl_lookup walks its list that way). */
const labelOf = (ip: Ip) => LABELS.find((l) => inPrefix(ip, l.prefix))!.label;

const ORCHID = makePrefix(parseIp('2001:10::')!, 28);

/** Leading bits two addresses share (ipv6_addr_diff). */
function commonBits(a: Ip, b: Ip): number {
  const diff = a.value ^ b.value;
  return diff === 0n ? 128 : 128 - diff.toString(2).length;
}

/**
 * The rules of ipv6_get_saddr_eval in order, each scoring a candidate for a destination (higher wins).
 * Mobile IPv6 home addresses (rule 4) are not in the dumps and are left out.
 */
function rules(dst: Ip, outDev: string | undefined): readonly ((c: SourceCandidate) => number)[] {
  const dstType = ipv6Type(dst);
  const dstLabel = labelOf(dst);
  const dstOrchid = inPrefix(dst, ORCHID);
  return [
    // Rule 1: the destination itself.
    (c) => (c.ip.value === dst.value ? 1 : 0),
    // Rule 2: the smallest scope that still reaches the destination, else the widest too small one.
    (c) => {
      const scope = ipv6Type(c.ip).scope;
      return scope >= dstType.scope ? -scope : scope - 128;
    },
    // Rule 3: avoid deprecated (and, without optimistic_dad, optimistic) addresses.
    (c) => (ipv6Type(c.ip).alwaysPreferred || !c.flags.some((f) => f === 'deprecated' || f === 'optimistic') ? 1 : 0),
    // Rule 5: an address of the outgoing interface.
    (c) => (outDev === undefined || c.dev === outDev ? 1 : 0),
    // Rule 6: the same label as the destination.
    (c) => (labelOf(c.ip) === dstLabel ? 1 : 0),
    // Rule 7: public before temporary addresses (use_tempaddr < 2, the default).
    (c) => (c.flags.includes('temporary') ? 0 : 1),
    // Rule 7.5: ORCHID with ORCHID only.
    (c) => (inPrefix(c.ip, ORCHID) === dstOrchid ? 1 : 0),
    // Rule 8: the longest prefix shared with the destination, counted no further than the address's own prefix.
    (c) => Math.min(commonBits(c.ip, dst), c.prefix.length),
    // Rule 8.5: not optimistic.
    (c) => (c.flags.includes('optimistic') ? 0 : 1),
  ];
}

/** Can the address be a source at all: assigned (not tentative unless optimistic), not multicast, not ::. */
function usable(c: SourceCandidate): boolean {
  if (c.flags.includes('tentative') && !c.flags.includes('optimistic')) return false;
  const kind = ipv6Type(c.ip).kind;
  return kind !== 'any' && kind !== 'multicast';
}

/**
 * The source for a packet to `dst` leaving by `outDev` (undefined: not yet known). For a multicast or
 * link-scope destination only the out interface's addresses are candidates, else every interface's.
 */
export function selectSource6(
  candidates: readonly SourceCandidate[],
  dst: Ip,
  outDev: string | undefined,
): Ip | undefined {
  const dstType = ipv6Type(dst);
  const onlyOut = outDev !== undefined && (dstType.kind === 'multicast' || dstType.scope <= 0x2);
  const pool = candidates.filter((c) => usable(c) && (!onlyOut || c.dev === outDev));
  const score = rules(dst, outDev);
  let best: SourceCandidate | undefined;
  for (const c of pool) {
    if (!best) {
      best = c;
      continue;
    }
    for (const rule of score) {
      const a = rule(best);
      const b = rule(c);
      if (a === b) continue;
      if (b > a) best = c;
      break;
    }
  }
  return best?.ip;
}
