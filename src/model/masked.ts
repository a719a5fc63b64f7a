/** Whether a paste masked values in a ruleset (`-d 10.x.x.x/32`, `--to-destination <pod-ip>:8080`, `XX:XX:…`). */
import type { Match } from './match';
import type { Rule, Ruleset } from './ruleset';
import { isUnknownAddress } from './values';

/** An address of the rule's that the paste masked: which one it was is not in the dump. */
function holdsMaskedAddressIn(r: Rule): boolean {
  if ((r.source && isUnknownAddress(r.source.value)) || (r.destination && isUnknownAddress(r.destination.value)))
    return true;
  const target = r.target;
  if (target?.kind === 'DNAT') return target.toDestination.some((n) => isUnknownAddress(n.addresses));
  if (target?.kind === 'SNAT') return target.toSource.some((n) => isUnknownAddress(n.addresses));
  return false;
}

const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;

/** A match whose value the paste masked (`--mac-source XX:XX:XX:XX:XX:XX`, which iptables would not take). */
export const isMaskedMatch = (m: Match): boolean =>
  m.module === 'mac' && m.macSource !== undefined && !MAC.test(m.macSource.value);

/** A value of the rule's that the paste masked, an address or a match's: two such rules may have held different values. */
export const holdsMaskedValue = (r: Rule): boolean => holdsMaskedAddressIn(r) || r.matches.some(isMaskedMatch);

export function holdsMaskedAddress(ruleset: Ruleset): boolean {
  return ruleset.tables.some((t) => t.chains.some((c) => c.rules.some(holdsMaskedAddressIn)));
}
