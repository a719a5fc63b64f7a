import type { CommandModule } from 'yargs';
import { toJson } from '../../report/json';
import { formatParseSummary } from '../../report/parse-summary';
import { type FailOn, exitCodeFor } from '../exit';
import { loadSections } from '../load';
import type { GlobalOptions } from '../options';

interface ParseArgs extends GlobalOptions {
  inputs: string[];
}

export const parseCommand: CommandModule<GlobalOptions, ParseArgs> = {
  command: 'parse <inputs..>',
  describe: 'Read dumps and report every section found, with its typed model and diagnostics',
  builder: (y) => y.positional('inputs', { type: 'string', array: true, demandOption: true, describe: 'files, directories or - for stdin' }),
  handler: (args) => {
    const { sections, unrecognised } = loadSections(args.inputs);
    process.stdout.write(args.json ? `${toJson({ sections, unrecognised })}\n` : formatParseSummary(sections));
    process.exitCode = exitCodeFor(sections.flatMap((s) => s.diagnostics.map((d) => d.severity)), args.failOn as FailOn);
  },
};
