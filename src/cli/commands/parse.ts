import type { CommandModule } from 'yargs';
import { parseDocument } from '../../library/parse';
import { jsonPieces } from '../../report/json';
import { formatParseSummary } from '../../report/parse-summary';
import { type FailOn, diagnosticSeverities, exitCodeFor } from '../exit';
import { loadSections } from '../load';
import type { GlobalOptions } from '../options';
import { writeOut } from '../write';
import { settleV8For } from '../v8-settings';

interface ParseArgs extends GlobalOptions {
  inputs: string[];
}

export const parseCommand: CommandModule<GlobalOptions, ParseArgs> = {
  command: 'parse <inputs..>',
  describe: 'Find every dump in the inputs and report each section: its kind, lines, model and diagnostics',
  builder: (y) =>
    y.positional('inputs', {
      type: 'string',
      array: true,
      demandOption: true,
      describe: 'files, directories, .tar.gz bundles, or - for stdin',
    }),
  handler: async (args) => {
    settleV8For('parse');
    const found = await loadSections(args.inputs, { reportsSkipped: true });
    // Printed in pieces from the library's document rather than from its plain copy: a million entries once in memory.
    await writeOut(args.json ? [...jsonPieces(parseDocument(found)), '\n'] : [formatParseSummary(found)]);
    process.exitCode = exitCodeFor(diagnosticSeverities(found.sections), args.failOn as FailOn);
  },
};
