/**
 * What a rule pins to one value: the host an address option names, the destination port its one tcp/udp/sctp
 * match names. Long chains are indexed by them, by the walk (a packet only meets the rules for its own
 * destination or port, and the rules that pin none) and by lint (a rule can only be covered by rules that pin
 * the same value or none).
 */
import type { Opt } from '../model/match';
import type { Rule } from '../model/ruleset';
import { type RuleAddress, isUnknownAddress } from '../model/values';
import { isHostPrefix, prefixOfMask } from '../model/address';

/** The one host a `-s`/`-d` option names (not negated, a full-length prefix, not masked), as its address value. */
export function pinnedHost(o: Opt<RuleAddress> | undefined): bigint | undefined {
  if (!o || o.negated || isUnknownAddress(o.value)) return undefined;
  const p = prefixOfMask(o.value);
  return isHostPrefix(p) ? p.network : undefined;
}

export interface PinnedPort {
  readonly module: 'tcp' | 'udp' | 'sctp';
  readonly port: number;
}

/**
 * The destination port of a rule's only tcp/udp/sctp match, when it names one (not negated, not a range).
 * A packet the rule matches has that protocol and port: the match tests the packet's protocol too.
 */
export function pinnedPort(r: Rule): PinnedPort | undefined {
  let pinned: PinnedPort | undefined;
  let l4 = 0;
  for (const m of r.matches) {
    if (m.module !== 'tcp' && m.module !== 'udp' && m.module !== 'sctp') continue;
    l4++;
    if (m.dport && !m.dport.negated && m.dport.value.from === m.dport.value.to)
      pinned = { module: m.module, port: m.dport.value.from };
  }
  return l4 === 1 ? pinned : undefined;
}
