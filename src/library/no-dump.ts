/** Why inputs gave no dump, said the same way by the library's error and by a bulk run's failed bundle. */
import type { FoundSections } from '../input/sections';
import { unwalkedTables } from '../model/nft-node';
import type { Section, SkippedLines } from '../model/section';

/** iptables' warning that the other backend's tables exist, said where it is: `FILE:1-1 is an iptables warning …`. */
export const foreignListing = (s: SkippedLines) => `${s.path}:${s.startLine}-${s.endLine} is an ${s.reason}`;

/** nft listings with tables the walk leaves out, each said where it is: `FILE:1-5 holds nft tables …`. */
export const unwalkedRulesets = (sections: readonly Section[]): string[] =>
  sections.flatMap((s) => {
    const tables = unwalkedTables(s);
    return tables.length
      ? [
          `${s.source.path}:${s.source.startLine}-${s.source.endLine} holds nft tables of families nfwalk reads but does not walk (${tables.join(', ')})`,
        ]
      : [];
  });

/** The first thing that could not be read, else iptables' warning about the other backend, if any. */
export function noDumpReason(found: FoundSections, inputs: string): string {
  const failure = found.failures[0];
  if (failure) return `cannot read ${failure.path}: ${failure.reason}`;
  const foreign = found.skipped.find((s) => s.foreign);
  return `no usable dump in ${inputs}${foreign ? `: ${foreignListing(foreign)}` : ''}`;
}
