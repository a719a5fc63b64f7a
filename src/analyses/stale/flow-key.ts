/**
 * Which conntrack entries the walk can answer once for all: two original tuples that every rule able to
 * rewrite the destination (raw, mangle and nat) tells apart in no way get the same DNAT choices. The key
 * holds the destination, the protocol and, of the source, only what those rules test: the prefixes and
 * ranges they name, its address type, the interface it arrives on, its port when a rule tests source
 * ports. A rule that tests the source in a way not listed here makes the whole address part of the key.
 */
import type { Match } from '../../model/match';
import type { Rule, Ruleset, TableName } from '../../model/ruleset';
import { type Ip, type Prefix, inPrefix, inRange, isHostPrefix, parseIp, prefixOfMask } from '../trace/address';
import type { NodeNetwork } from '../trace/network';

/** The tables that run before or at destination NAT and so can change where a new connection goes. */
const NAT_DECIDING: ReadonlySet<TableName> = new Set(['raw', 'mangle', 'nat']);

export interface FlowFacts {
  readonly proto: string;
  readonly src: Ip;
  readonly dst: string;
  readonly sport?: number;
  readonly dport?: number;
  readonly icmpType?: number;
  readonly local: boolean;
  readonly in?: string;
}

interface SourceTests {
  hosts: Set<bigint>;
  prefixes: Map<string, Prefix>;
  ranges: Map<string, { from: Ip; to: Ip }>;
  addrtype: boolean;
  sport: boolean;
  iface: boolean;
  /** A rule tests the source in a way the key does not model: key on the address itself. */
  whole: boolean;
}

function noteMatch(m: Match, t: SourceTests): void {
  switch (m.module) {
    case 'tcp':
    case 'udp':
    case 'sctp':
      if (m.sport) t.sport = true;
      return;
    case 'multiport':
      if (m.sports || m.ports) t.sport = true;
      return;
    case 'iprange':
      if (m.srcRange) {
        const from = parseIp(m.srcRange.value.from);
        const to = parseIp(m.srcRange.value.to);
        if (from && to) t.ranges.set(`${m.srcRange.value.from}-${m.srcRange.value.to}`, { from, to });
        else t.whole = true;
      }
      return;
    case 'addrtype':
      if (m.srcType) t.addrtype = true;
      if (m.limitIfaceIn) t.iface = true;
      return;
    case 'set':
      if (m.matchSet?.value.directions.includes('src')) t.whole = true;
      return;
    case 'conntrack':
      if (m.ctorigsrc || m.ctreplsrc || m.ctrepldst || m.ctorigsrcport || m.ctreplsrcport || m.ctrepldstport) t.whole = true;
      return;
    case 'rpfilter':
    case 'socket':
    case 'opaque':
      t.whole = true;
      return;
    default:
      return;
  }
}

function noteRule(r: Rule, t: SourceTests): void {
  if (r.source) {
    const prefix = prefixOfMask(r.source.value);
    if (isHostPrefix(prefix)) t.hosts.add(prefix.network);
    else t.prefixes.set(`${prefix.network}/${prefix.length}`, prefix);
  }
  if (r.inInterface) t.iface = true;
  for (const m of r.matches) noteMatch(m, t);
}

export type FlowKey = (f: FlowFacts) => string;

/** The key function for one ruleset and node: equal keys, equal walks up to and including DNAT. */
export function flowKeyOf(ruleset: Ruleset, network: NodeNetwork): FlowKey {
  const t: SourceTests = { hosts: new Set(), prefixes: new Map(), ranges: new Map(), addrtype: false, sport: false, iface: false, whole: false };
  for (const table of ruleset.tables) {
    if (!NAT_DECIDING.has(table.name)) continue;
    for (const chain of table.chains) for (const r of chain.rules) noteRule(r, t);
  }
  const prefixes = [...t.prefixes.values()];
  const ranges = [...t.ranges.values()];
  return (f) => {
    let source: string;
    if (t.whole) source = f.src.value.toString(36);
    else {
      source = t.hosts.has(f.src.value) ? f.src.value.toString(36) : '';
      for (const p of prefixes) source += inPrefix(f.src, p) ? '1' : '0';
      for (const r of ranges) source += inRange(f.src, r.from, r.to) ? '1' : '0';
      if (t.addrtype) source += network.addrType(f.src);
    }
    return `${f.proto}|${f.dst}|${f.dport ?? f.icmpType ?? ''}|${f.local ? 'L' : ''}|${t.iface ? (f.in ?? '?') : ''}|${t.sport ? (f.sport ?? '') : ''}|${source}`;
  };
}
