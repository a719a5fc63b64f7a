import type { CommandModule } from 'yargs';
import { printRuleset } from '../../../grammar/iptables-save/index';
import { printNftSection } from '../../../grammar/nft/index';
import { isRulesetSection } from '../../model/section';
import { formatDiagnostic } from '../../report/diagnostics';
import { UsageError, type FailOn, diagnosticSeverities, exitCodeFor } from '../exit';
import { loadSections } from '../load';
import type { GlobalOptions } from '../options';

interface FmtArgs extends GlobalOptions {
  input: string;
}

export const fmtCommand: CommandModule<GlobalOptions, FmtArgs> = {
  command: 'fmt <input>',
  describe:
    'Print the iptables-save dumps and iptables -L listings of an input in canonical iptables-save form (diagnostics on stderr)',
  builder: (y) => y.positional('input', { type: 'string', demandOption: true, describe: 'a file or - for stdin' }),
  handler: async (args) => {
    const { sections } = await loadSections([args.input]);
    const rulesets = sections.filter((s) => isRulesetSection(s) || s.kind === 'nft');
    if (rulesets.length === 0) throw new UsageError(`no iptables-save dump or iptables -L listing in ${args.input}`);
    for (const s of rulesets) {
      if (s.kind === 'nft') {
        process.stdout.write(printNftSection(s));
        for (const d of s.diagnostics) process.stderr.write(`${formatDiagnostic(s.source.path, d)}\n`);
        continue;
      }
      // A listing has no iptables-save text of its own: say where this one comes from, so a diff against a real dump is read right.
      if (s.kind === 'iptables-list' || s.kind === 'ip6tables-list')
        process.stdout.write(
          `# Converted by nfwalk from ${s.source.command ? `\`${s.source.command}\`` : 'an iptables -L listing'} at ${s.source.path}:${s.source.startLine}${s.shows.verbose ? '' : ' (no -v: interfaces not shown)'}\n`,
        );
      process.stdout.write(printRuleset(s.ruleset));
      for (const d of s.diagnostics) process.stderr.write(`${formatDiagnostic(s.source.path, d)}\n`);
    }
    process.exitCode = exitCodeFor(diagnosticSeverities(rulesets), args.failOn as FailOn);
  },
};
