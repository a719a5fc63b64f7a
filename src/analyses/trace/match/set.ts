/**
 * set: membership of the packet in an ipset from the node's `ipset save`/`ipset list` dump. Each
 * dimension of the set type takes the source or destination side that `--match-set NAME src,dst` names.
 * A set the dumps do not hold, or a type nfwalk does not read, makes the rule undecidable.
 */
import { type IpSet, showsPart } from '../../../model/ipset';
import type { SetMatch } from '../../../model/match';
import { type Prefix, inPrefix, inRange, parseIp, parsePrefix } from '../../../model/address';
import type { Packet } from '../packet';
import { MASKED_IN_DUMP } from './address-test';
import { inPortRange } from './ports';
import { type Decision, type Matcher, type MatchContext, negate, unknown } from './decision';

type Side = 'src' | 'dst';
type Dimension = 'ip' | 'net' | 'port' | 'iface';

/** One element's test for one dimension. */
type Part = (p: Packet, side: Side) => boolean;

interface Element {
  readonly parts: readonly Part[];
  /** Prefix length of the net part, so the most specific element decides (hash:net `nomatch`). */
  readonly specificity: number;
  readonly nomatch: boolean;
}

const DIMENSIONS: Readonly<Record<string, Dimension>> = { ip: 'ip', net: 'net', port: 'port', iface: 'iface' };

function ipPart(text: string, netmask: number | undefined): { part: Part; length: number } | undefined {
  const dash = text.indexOf('-');
  if (dash > 0 && !text.includes('/')) {
    const from = parseIp(text.slice(0, dash));
    const to = parseIp(text.slice(dash + 1));
    if (!from || !to) return undefined;
    return { part: (p, side) => inRange(p[side], from, to), length: 0 };
  }
  const prefix: Prefix | undefined = parsePrefix(
    netmask !== undefined && !text.includes('/') ? `${text}/${netmask}` : text,
  );
  if (!prefix) return undefined;
  return { part: (p, side) => inPrefix(p[side], prefix), length: prefix.length };
}

/**
 * `tcp:80`, `udp:53-54`, or a bare port (hash types default to tcp). bitmap:port stores bare port numbers
 * and matches them for any protocol with ports.
 */
function portPart(text: string, anyProtocol: boolean): Part | undefined {
  const m = /^(?:([a-z0-9-]+):)?(\d+)(?:-(\d+))?$/.exec(text);
  if (!m) return undefined;
  const proto = m[1] ?? 'tcp';
  const range = { from: Number(m[2]), to: m[3] === undefined ? Number(m[2]) : Number(m[3]) };
  const protocolMatches = (p: Packet) =>
    anyProtocol || proto === p.proto || (proto === 'icmpv6' && p.proto === 'ipv6-icmp');
  return (p, side) => protocolMatches(p) && inPortRange(side === 'src' ? p.sport : p.dport, range);
}

function elementOf(set: IpSet, dims: readonly Dimension[], value: string, nomatch: boolean): Element | undefined {
  const bitmapPort = set.type.startsWith('bitmap:port');
  const words = bitmapPort ? [value] : value.split(',');
  if (words.length !== dims.length) return undefined;
  const netmask = typeof set.options.netmask === 'string' ? Number(set.options.netmask) : undefined;
  const parts: Part[] = [];
  let specificity = 0;
  for (const [i, dim] of dims.entries()) {
    const w = words[i]!;
    if (dim === 'port') {
      const part = portPart(w, bitmapPort);
      if (!part) return undefined;
      parts.push(part);
    } else if (dim === 'iface') {
      const name = w.replace(/^physdev:/, '');
      parts.push((p, side) => (side === 'src' ? p.in : p.out) === name);
    } else {
      const ip = ipPart(w, netmask);
      if (!ip) return undefined;
      parts.push(ip.part);
      specificity = Math.max(specificity, ip.length);
    }
  }
  return { parts, specificity, nomatch };
}

type Membership = (p: Packet, sides: readonly Side[]) => Decision;

const compiled = new WeakMap<IpSet, Membership>();

function membershipOf(set: IpSet, sets: ReadonlyMap<string, IpSet>, depth = 0): Membership {
  const known = compiled.get(set);
  if (known) return known;
  const question = (sides: readonly Side[]) => `set ${set.name} holds the packet's ${sides.join(',')}`;
  let result: Membership;
  const [kind, dimText] = set.type.split(':');
  if (kind === 'list' && depth < 8) {
    const members = set.members.map((m) => sets.get(m.value));
    result = (p, sides) => {
      let out: Decision = false;
      for (const member of members) {
        const d = member ? membershipOf(member, sets, depth + 1)(p, sides) : unknown(question(sides));
        if (d === true) return true;
        if (d !== false) out = d;
      }
      return out;
    };
  } else {
    const dims = (dimText ?? '').split(',').map((d) => DIMENSIONS[d]);
    const family = set.family === 'inet6' ? 'ipv6' : set.family === 'inet' ? 'ipv4' : undefined;
    const elements =
      (kind === 'hash' || kind === 'bitmap') && dims.every((d) => d !== undefined)
        ? set.members.map((m) => elementOf(set, dims as Dimension[], m.value, m.options.nomatch === true))
        : [];
    if (elements.length !== set.members.length || elements.some((e) => e === undefined)) {
      result = (_p, sides) => unknown(`${question(sides)} (type ${set.type} is not read)`);
    } else {
      const list = elements as Element[];
      const cut = showsPart(set);
      result = (p, sides) => {
        if (family && family !== p.family) return false;
        let best: Element | undefined;
        for (const e of list) {
          if (
            e.parts.every((part, i) => part(p, sides[i] ?? sides[sides.length - 1]!)) &&
            (!best || e.specificity > best.specificity)
          )
            best = e;
        }
        if (best) return !best.nomatch;
        return cut ? unknown(`${question(sides)} (the dump lists part of the set)`) : false;
      };
    }
  }
  compiled.set(set, result);
  return result;
}

export function setMatcher(m: SetMatch, ctx: MatchContext): Matcher {
  if (!m.matchSet) return () => true;
  const { name, directions } = m.matchSet.value;
  const negated = m.matchSet.negated;
  const set = ctx.sets.get(name);
  const counters =
    m.packetsEq ||
    m.packetsLt !== undefined ||
    m.packetsGt !== undefined ||
    m.bytesEq ||
    m.bytesLt !== undefined ||
    m.bytesGt !== undefined;
  const membership = set ? membershipOf(set, ctx.sets) : undefined;
  return (p) => {
    const masked = directions.some((side) => p[side].unknown);
    if (masked)
      return negate(unknown(`set ${name} holds the packet's ${directions.join(',')} ${MASKED_IN_DUMP}`), negated);
    const d = membership
      ? membership(p, directions)
      : unknown(`set ${name} (not in the dumps) holds the packet's ${directions.join(',')}`);
    const result = negate(d, negated);
    if (result !== false && counters)
      return unknown(`the counters of the ${name} element pass the rule's packet/byte test`);
    return result;
  };
}
