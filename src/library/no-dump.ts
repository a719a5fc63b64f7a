/** Why inputs gave no dump, said the same way by the library's error and by a bulk run's failed bundle. */
import type { FoundSections } from '../input/sections';
import type { SkippedLines } from '../model/section';

/** A listing nfwalk recognises but does not read, said where it is: `FILE:1-6 is an nft ruleset (...)`. */
export const foreignListing = (s: SkippedLines) => `${s.path}:${s.startLine}-${s.endLine} is an ${s.reason}`;

/** The first thing that could not be read, else the listing nfwalk does not read, if any. */
export function noDumpReason(found: FoundSections, inputs: string): string {
  const failure = found.failures[0];
  if (failure) return `cannot read ${failure.path}: ${failure.reason}`;
  const foreign = found.skipped.find((s) => s.foreign);
  return `no usable dump in ${inputs}${foreign ? `: ${foreignListing(foreign)}` : ''}`;
}
