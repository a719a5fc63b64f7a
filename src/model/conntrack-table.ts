/**
 * A node's conntrack table from all its listings. Collectors often keep two views of one table (sos:
 * `conntrack -L -o extended` and a copy of /proc/net/nf_conntrack), or complementary ones (EKS: `conntrack -L`
 * for IPv4, `conntrack -L -f ipv6`). The kernel holds one entry per original tuple and zone, so an entry whose
 * tuple an earlier listing of the node already holds is the same connection and is left out of later ones.
 */
import type { ConntrackEntry } from './conntrack';
import type { Section } from './section';

export type ConntrackSection = Extract<Section, { kind: 'conntrack' }>;

function tupleKey(e: ConntrackEntry): string {
  const o = e.orig;
  return `${e.family} ${e.protoNum} ${e.zone ?? 0} ${o.src} ${o.dst} ${o.sport ?? ''} ${o.dport ?? ''} ${o.type ?? ''} ${o.code ?? ''} ${o.id ?? ''} ${o.srckey ?? ''} ${o.dstkey ?? ''}`;
}

/** The listings with entries already listed left out; a single listing (the usual case) is kept as it is. */
export function conntrackTable(sections: readonly Section[]): readonly ConntrackSection[] {
  const listings = sections.filter((s): s is ConntrackSection => s.kind === 'conntrack');
  if (listings.filter((s) => s.entries.length > 0).length < 2) return listings;
  const seen = new Set<string>();
  return listings.map((s) => {
    // Event lines are changes, each its own record, not a second view of an entry.
    const entries = s.entries.filter((e) => {
      if (e.event !== undefined) return true;
      const key = tupleKey(e);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    return entries.length === s.entries.length ? s : { ...s, entries };
  });
}
