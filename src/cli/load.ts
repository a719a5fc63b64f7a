/** Shared first step of every command: the library reads the inputs; the CLI warns on stderr about what it could not use. */
import { legacyTablesShown } from '../model/node';
import { isRulesetSection } from '../model/section';
import { type Inputs, readInputs } from '../library/inputs';
import { foreignListing, unwalkedRulesets } from '../library/no-dump';

export interface LoadOptions {
  /** The command reports skipped lines itself (parse, analyze): no warning on stderr for them. */
  readonly reportsSkipped?: boolean;
}

export async function loadSections(paths: readonly string[], options: LoadOptions = {}): Promise<Inputs> {
  const found = await readInputs(paths);
  for (const f of found.failures) process.stderr.write(`nfwalk: warning: cannot read ${f.path}: ${f.reason}\n`);
  if (!options.reportsSkipped) {
    const rulesets = found.sections.filter(isRulesetSection);
    for (const s of found.skipped) {
      if (s.foreign && !legacyTablesShown(s.foreign, rulesets))
        process.stderr.write(`nfwalk: warning: ${foreignListing(s)}; those rules are not part of this answer\n`);
    }
    for (const nft of unwalkedRulesets(found.sections))
      process.stderr.write(`nfwalk: warning: ${nft}; those rules are not part of this answer\n`);
  }
  return found;
}
