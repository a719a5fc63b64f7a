import type { CommandModule } from 'yargs';
import { printRuleset } from '../../../grammar/iptables-save/index';
import { formatDiagnostic } from '../../report/diagnostics';
import { type FailOn, exitCodeFor } from '../exit';
import { loadSections } from '../load';
import type { GlobalOptions } from '../options';

interface FmtArgs extends GlobalOptions {
  input: string;
}

export const fmtCommand: CommandModule<GlobalOptions, FmtArgs> = {
  command: 'fmt <input>',
  describe: 'Print an iptables-save dump back in canonical iptables-save form (diagnostics on stderr)',
  builder: (y) => y.positional('input', { type: 'string', demandOption: true, describe: 'a file or - for stdin' }),
  handler: (args) => {
    const { sections } = loadSections([args.input]);
    for (const s of sections) {
      process.stdout.write(printRuleset(s.ruleset));
      for (const d of s.diagnostics) process.stderr.write(`${formatDiagnostic(s.source.path, d)}\n`);
    }
    process.exitCode = exitCodeFor(sections.flatMap((s) => s.diagnostics.map((d) => d.severity)), args.failOn as FailOn);
  },
};
