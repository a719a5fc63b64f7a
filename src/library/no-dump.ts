/** Why inputs gave no dump, said the same way by the library's error and by a bulk run's failed bundle. */
import type { FoundSections } from '../model/section';
import { dumpName, kubeChainsOnlyInNft, nftTableSources } from '../model/nft-iptables';
import { unwalkedTables } from '../model/nft-node';
import { groupBy } from '../model/group-by';
import { nodesOfInputs } from '../model/node';
import type { Section, SkippedLines } from '../model/section';

/** iptables' warning that the other backend's tables exist, said where it is: `FILE:1-1 is an iptables warning …`. */
export const foreignListing = (s: SkippedLines) => `${s.path}:${s.startLine}-${s.endLine} is an ${s.reason}`;

/**
 * nft listings whose iptables-nft tables hold kube-proxy's iptables-mode chains that no iptables-save shows: walked,
 * but their services are not read from the listing. Said where each is.
 */
export function kubeChainsInListings(sections: readonly Section[]): string[] {
  return nodesOfInputs(sections).flatMap((node) =>
    [...groupBy(kubeChainsOnlyInNft(node), (x) => x.section).entries()].map(
      ([s, tables]) =>
        `${s.source.path}:${s.source.startLine}-${s.source.endLine} holds kube-proxy's iptables-mode chains in iptables-nft's tables (${tables.map((x) => `${x.table.family} ${x.table.name}`).join(', ')}), whose services nfwalk reads from the node's iptables-save`,
    ),
  );
}

/**
 * What the nft listings leave to others, each said where it is: a listing whose tables are all iptables-nft's, with
 * the node's iptables-nft-save among the inputs, is walked from that dump; tables of families the walk does not run
 * (arp, bridge, netdev) are named.
 */
export function unwalkedRulesets(sections: readonly Section[]): string[] {
  return nodesOfInputs(sections).flatMap((node) => {
    const sources = nftTableSources(node);
    return node.sections.flatMap((s) => {
      if (s.kind !== 'nft') return [];
      const at = `${s.source.path}:${s.source.startLine}-${s.source.endLine}`;
      const own = sources.filter((x) => x.section === s);
      const from = own[0]?.analysedFrom;
      const tables = unwalkedTables(s);
      return [
        ...(from && own.every((x) => x.analysedFrom)
          ? [
              `${at} is an nft listing of iptables-nft's tables, walked from ${from.source.path}:${from.source.startLine} (${dumpName(from)}) instead`,
            ]
          : []),
        ...(tables.length
          ? [`${at} holds nft tables of families nfwalk reads but does not walk (${tables.join(', ')})`]
          : []),
      ];
    });
  });
}

/** The first thing that could not be read, else iptables' warning about the other backend, if any. */
export function noDumpReason(found: FoundSections, inputs: string): string {
  const failure = found.failures[0];
  if (failure) return `cannot read ${failure.path}: ${failure.reason}`;
  const foreign = found.skipped.find((s) => s.foreign);
  return `no usable dump in ${inputs}${foreign ? `: ${foreignListing(foreign)}` : ''}`;
}
