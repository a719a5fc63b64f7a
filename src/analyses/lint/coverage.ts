/**
 * Whether one rule matches every packet another matches: then, when the first decides, the second can never
 * be reached. Exact for the options whose meaning the model holds (addresses, interfaces, protocol, ports,
 * conntrack states, marks, and any match written the same way in both rules); a match it cannot compare
 * makes the answer "no", so a rule is only ever called dead when it is.
 */
import { printMatch } from '../../../grammar/iptables-save/print';
import type { Match, Opt } from '../../model/match';
import type { Rule } from '../../model/ruleset';
import { holdsMaskedValue, isMaskedMatch } from '../../model/masked';
import { type Family, type PortRange, type RuleAddress, isUnknownAddress } from '../../model/values';
import { inPrefix, prefixOfMask } from '../../model/address';
import { interfaceMatches } from '../trace/index';

/** Matches whose outcome is a draw or a count: equal text still does not make two of them agree. */
const UNREPEATABLE = new Set([
  'statistic',
  'recent',
  'limit',
  'hashlimit',
  'connlimit',
  'quota',
  'nth',
  'random',
  'time',
]);

/** Targets after which the chain never goes on to the next rule. */
const DECIDING = new Set([
  'ACCEPT',
  'DROP',
  'REJECT',
  'RETURN',
  'DNAT',
  'SNAT',
  'MASQUERADE',
  'REDIRECT',
  'NETMAP',
  'TPROXY',
]);

export function decides(rule: Rule): boolean {
  const t = rule.target;
  if (!t) return false;
  if (t.kind === 'jump') return t.goto;
  return DECIDING.has(t.kind);
}

function prefixCovers(a: Opt<RuleAddress> | undefined, b: Opt<RuleAddress> | undefined): boolean {
  if (!a) return true;
  // A masked address (`-s x.x.x.x`) may be any: it covers nothing, and only a rule without one covers it.
  if (!b || isUnknownAddress(a.value) || isUnknownAddress(b.value)) return false;
  if (a.negated !== b.negated || a.value.mask !== undefined || b.value.mask !== undefined) return false;
  const pa = prefixOfMask(a.value);
  const pb = prefixOfMask(b.value);
  // a ⊇ b for plain prefixes; for negated ones the complement turns it round.
  const [outer, inner] = a.negated ? [pb, pa] : [pa, pb];
  return outer.length <= inner.length && inPrefix({ family: inner.family, value: inner.network }, outer);
}

function ifaceCovers(a: Opt<string> | undefined, b: Opt<string> | undefined): boolean {
  if (!a) return true;
  if (!b || a.negated !== b.negated) return false;
  if (a.value === b.value) return true;
  // eth+ covers eth0 and eth1+; a negated pattern only covers itself.
  return !a.negated && a.value.endsWith('+') && interfaceMatches(a.value, b.value.replace(/\+$/, ''));
}

function optionCovers<T>(a: Opt<T> | undefined, b: Opt<T> | undefined, contains: (x: T, y: T) => boolean): boolean {
  if (!a) return true;
  if (!b || a.negated !== b.negated) return false;
  return a.negated ? contains(b.value, a.value) : contains(a.value, b.value);
}

const rangeContains = (x: PortRange, y: PortRange) => x.from <= y.from && y.to <= x.to;
const setContains = (x: readonly string[], y: readonly string[]) => y.every((v) => x.includes(v));

const printed = new WeakMap<Match, string>();
function matchText(m: Match, family: Family): string {
  let t = printed.get(m);
  if (t === undefined) printed.set(m, (t = printMatch(m, family).join(' ')));
  return t;
}

/** A match of `a` that every packet matching `b` passes, judged from b's own matches. */
function matchCovered(m: Match, b: Rule, family: Family): boolean {
  if (m.module === 'comment') return true;
  // A masked value stands for one the dump does not show: it covers nothing, not even a match written alike.
  if (UNREPEATABLE.has(m.module) || isMaskedMatch(m)) return false;
  const text = matchText(m, family);
  if (b.matches.some((x) => x.module === m.module && matchText(x, family) === text)) return true;
  const same = b.matches.filter((x) => x.module === m.module);
  switch (m.module) {
    case 'tcp':
    case 'udp':
    case 'sctp':
      if (('tcpFlags' in m && m.tcpFlags) || ('tcpOption' in m && m.tcpOption) || ('chunkTypes' in m && m.chunkTypes))
        return false;
      return same.some((x) => {
        const y = x as typeof m;
        return optionCovers(m.dport, y.dport, rangeContains) && optionCovers(m.sport, y.sport, rangeContains);
      });
    case 'conntrack':
      if (Object.keys(m).some((k) => k !== 'module' && k !== 'ctstate')) return false;
      return [...same, ...b.matches.filter((x) => x.module === 'state')].some((x) =>
        'ctstate' in x
          ? optionCovers(m.ctstate, x.ctstate, setContains)
          : 'state' in x && optionCovers(m.ctstate, x.state, setContains),
      );
    case 'state':
      return [...same, ...b.matches.filter((x) => x.module === 'conntrack')].some((x) =>
        'state' in x
          ? optionCovers(m.state, x.state, setContains)
          : 'ctstate' in x && Object.keys(x).length === 2 && optionCovers(m.state, x.ctstate, setContains),
      );
    // Covered only by a match that reads the same (above).
    case 'icmp':
    case 'icmp6':
    case 'addrtype':
    case 'statistic':
    case 'mark':
    case 'connmark':
    case 'multiport':
    case 'set':
    case 'recent':
    case 'physdev':
    case 'socket':
    case 'owner':
    case 'iprange':
    case 'limit':
    case 'hashlimit':
    case 'mac':
    case 'length':
    case 'string':
    case 'pkttype':
    case 'ttl':
    case 'hl':
    case 'connlimit':
    case 'rpfilter':
    case 'opaque':
    case 'u32':
    case 'bpf':
    case 'policy':
    case 'ipvs':
    case 'dscp':
    case 'tos':
    case 'helper':
    case 'nfacct':
    case 'cgroup':
    case 'devgroup':
    case 'cpu':
    case 'quota':
    case 'time':
    case 'realm':
    case 'tcpmss':
    case 'dccp':
    case 'esp':
    case 'ah':
    case 'ecn':
    case 'frag':
    case 'rt':
    case 'ipv6header':
    case 'mh':
    case 'hbh':
    case 'dst':
    case 'osf':
    case 'cluster':
    case 'connbytes':
    case 'connlabel':
    case 'ipcomp':
    case 'l2tp':
    case 'condition':
    case 'geoip':
      return false;
    default:
      return m satisfies never;
  }
}

/** Every packet `b` matches, `a` matches too. */
export function covers(a: Rule, b: Rule, family: Family): boolean {
  if (a.protocol && (!b.protocol || a.protocol.negated !== b.protocol.negated || a.protocol.value !== b.protocol.value))
    return false;
  if (a.fragment && (!b.fragment || a.fragment.negated !== b.fragment.negated)) return false;
  if (!prefixCovers(a.source, b.source) || !prefixCovers(a.destination, b.destination)) return false;
  if (!ifaceCovers(a.inInterface, b.inInterface) || !ifaceCovers(a.outInterface, b.outInterface)) return false;
  return a.matches.every((m) => matchCovered(m, b, family));
}

/**
 * A rule whose matches give the same answer twice for one packet: a copy of it adds nothing. Not one with a value
 * the paste masked: two rules written alike may have held different values.
 */
export const repeatable = (r: Rule) => !r.matches.some((m) => UNREPEATABLE.has(m.module)) && !holdsMaskedValue(r);

/** The rule without where it is and what it counted: two rules with the same key do the same thing. */
export function ruleKey(r: Rule, printed: (r: Rule) => string): string {
  return printed({ ...r, counters: undefined });
}

/**
 * What two rules with the same key have in common, checked before printing them: the target, and the match
 * modules in order. Printing every rule to compare it was most of lint on a 10,000-service dump.
 */
export function mayBeSame(a: Rule, b: Rule): boolean {
  const [x, y] = [a.target, b.target];
  if (x?.kind !== y?.kind || (x?.kind === 'jump' && y?.kind === 'jump' && (x.chain !== y.chain || x.goto !== y.goto)))
    return false;
  return a.matches.length === b.matches.length && a.matches.every((m, i) => m.module === b.matches[i]!.module);
}
