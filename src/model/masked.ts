/** Whether a paste masked addresses in a ruleset (`-d 10.x.x.x/32`, `--to-destination <pod-ip>:8080`). */
import type { Ruleset } from './ruleset';
import { isUnknownAddress } from './values';

export function holdsMaskedAddress(ruleset: Ruleset): boolean {
  return ruleset.tables.some((t) =>
    t.chains.some((c) =>
      c.rules.some((r) => {
        if ((r.source && isUnknownAddress(r.source.value)) || (r.destination && isUnknownAddress(r.destination.value)))
          return true;
        const target = r.target;
        if (target?.kind === 'DNAT') return target.toDestination.some((n) => isUnknownAddress(n.addresses));
        if (target?.kind === 'SNAT') return target.toSource.some((n) => isUnknownAddress(n.addresses));
        return false;
      }),
    ),
  );
}
