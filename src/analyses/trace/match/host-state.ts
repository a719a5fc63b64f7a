/**
 * Matches that look at things a dump does not record: `recent` lists, rate-limit buckets, payload bytes,
 * sockets, MACs, TTLs. Each becomes a statement the walk assumes true on one path and false on the other.
 * The few that the probe does decide (a routed packet is not bridged; it is not IPsec; only local packets
 * have an owner) are decided here, with the reason next to them.
 */
import { printMatch } from '../../../../grammar/iptables-save/print';
import type { Match, OwnerMatch, PhysdevMatch, RecentMatch, TextOptionsMatch } from '../../../model/match';
import type { Family } from '../../../model/values';
import { type Decision, type Matcher, negate, unknown } from './decision';

const statement = (m: Match, family: Family) => `\`${printMatch(m, family).join(' ')}\` matches`;

export function recentMatcher(m: RecentMatch, family: Family): Matcher {
  // `--set` adds the address and always matches (xt_recent); the others depend on the list's history.
  if (!m.mode || m.mode.value === 'set') return () => !(m.mode?.negated ?? false);
  const side = m.side === 'rdest' ? 'destination' : 'source';
  const question = `recent list ${m.name ?? 'DEFAULT'} holds the packet's ${side} (${printMatch(m, family).join(' ')})`;
  const d = negate(unknown(question), m.mode.negated);
  // A list that holds nothing about the address: --rcheck, --update and --remove all fail.
  const fresh = m.mode.negated;
  return (p) => (p.newClient ? fresh : d);
}

/** The probe is a routed packet on an L3 interface; a bridged frame would need br_netfilter and a bridge. */
export function physdevMatcher(m: PhysdevMatch): Matcher {
  const opts = [m.physdevIsIn, m.physdevIn, m.physdevIsOut, m.physdevOut, m.physdevIsBridged].filter(
    (o) => o !== undefined,
  );
  const result = opts.every((o) => o.negated);
  return () => result;
}

/** xt_owner: a packet without a local socket fails every owner test that is not negated. */
export function ownerMatcher(m: OwnerMatch, family: Family): Matcher {
  const ids = [m.uidOwner, m.gidOwner].filter((o) => o !== undefined);
  const idQuestion = unknown(`the sending socket's owner passes ${printMatch(m, family).join(' ')}`);
  return (p) => {
    if (!p.local) return [m.socketExists, ...ids].every((o) => o === undefined || o.negated);
    if (m.socketExists?.negated) return false;
    return ids.length === 0 ? true : idQuestion;
  };
}

/** IPsec policy: the probe is plain traffic, so `--pol none` holds and `--pol ipsec` does not. */
export function policyMatcher(m: TextOptionsMatch, family: Family): Matcher {
  const pol = m.options.find((o) => o.name === 'pol');
  const value = pol?.args[0]?.text;
  if (value === 'none' || value === 'ipsec') {
    const others = m.options.some((o) => o.name !== 'pol' && o.name !== 'dir');
    if (!others) return () => (value === 'none') !== (pol?.negated ?? false);
  }
  const d = unknown(statement(m, family));
  return () => d;
}

/** Token buckets and connection counts belong to the rule (limit, connlimit): the same text in two rules is two questions. */
const PER_RULE = new Set(['limit', 'connlimit']);

/** A module the dumps cannot decide: one question the walk assumes both ways. */
export function hostStateMatcher(m: Match, family: Family, where: string): Matcher {
  const d: Decision = unknown(PER_RULE.has(m.module) ? `${statement(m, family)} in ${where}` : statement(m, family));
  return () => d;
}
