/** Shared first step of every command: read the inputs and find the dumps in them, or fail with exit 2. */
import { existsSync } from 'node:fs';
import { type FoundSections, findSections } from '../input/sections';
import { legacyTablesShown } from '../model/node';
import { type SkippedLines, isRulesetSection } from '../model/section';
import { UsageError } from './exit';

export interface LoadOptions {
  /** The command reports skipped lines itself (parse, analyze): no warning on stderr for them. */
  readonly reportsSkipped?: boolean;
}

/** A listing nfwalk recognises but does not read, said where it is: `FILE:1-6 is an nft ruleset (...)`. */
export const foreignListing = (s: SkippedLines) => `${s.path}:${s.startLine}-${s.endLine} is an ${s.reason}`;

/** Why inputs gave no dump: the first thing that could not be read, else the listing nfwalk does not read, if any. */
export function noDumpReason(found: FoundSections, inputs: string): string {
  const failure = found.failures[0];
  if (failure) return `cannot read ${failure.path}: ${failure.reason}`;
  const foreign = found.skipped.find((s) => s.foreign);
  return `no usable dump in ${inputs}${foreign ? `: ${foreignListing(foreign)}` : ''}`;
}

export async function loadSections(paths: readonly string[], options: LoadOptions = {}): Promise<FoundSections> {
  const missing = paths.find((p) => p !== '-' && p !== '/dev/stdin' && !existsSync(p));
  if (missing) throw new UsageError(`cannot read ${missing}: no such file or directory`);
  const found = await findSections(paths);
  if (found.sections.length === 0) throw new UsageError(noDumpReason(found, paths.map((p) => (p === '-' || p === '/dev/stdin' ? '<stdin>' : p)).join(', ')));
  for (const f of found.failures) process.stderr.write(`nfwalk: warning: cannot read ${f.path}: ${f.reason}\n`);
  if (!options.reportsSkipped) {
    const rulesets = found.sections.filter(isRulesetSection);
    for (const s of found.skipped) {
      if (s.foreign && !legacyTablesShown(s.foreign, rulesets)) process.stderr.write(`nfwalk: warning: ${foreignListing(s)}; those rules are not part of this answer\n`);
    }
  }
  return found;
}
