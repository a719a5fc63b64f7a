import { randomBytes } from 'node:crypto';
import { basename, join } from 'node:path';
import type { CommandModule } from 'yargs';
import { NodeNames } from '../../anonymize/node-names';
import { Pseudonyms } from '../../anonymize/pseudonyms';
import { anonymizeLine } from '../../anonymize/rewrite';
import { openSources } from '../../input/sources';
import type { InputFailure } from '../../model/section';
import { copyAnonymised, outputPath } from '../anonymize-copy';
import { UsageError } from '../exit';
import type { GlobalOptions } from '../options';
import { writeOut } from '../write';

interface AnonymizeArgs extends GlobalOptions {
  inputs: string[];
  out: string;
  key?: string;
}

export const anonymizeCommand: CommandModule<GlobalOptions, AnonymizeArgs> = {
  command: 'anonymize <inputs..>',
  describe:
    'Write a copy of bundles or dumps with addresses, names, comments and MACs replaced consistently (prefix-preserving), to share them; analyses find the same on the copy',
  builder: (y) =>
    y
      .positional('inputs', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'bundles (directories, archives) or dump files',
      })
      .option('out', {
        type: 'string',
        demandOption: true,
        describe: 'directory to write the anonymised copy to (archives are written unpacked)',
      })
      .option('key', {
        type: 'string',
        describe:
          'secret that fixes the mapping, to anonymise several runs alike (default: random, so the mapping cannot be reversed)',
      }),
  handler: async (args) => {
    const p = new Pseudonyms(args.key ?? randomBytes(32).toString('hex'));
    const nodes = new NodeNames(p);
    const failures: InputFailure[] = [];
    const written: string[] = [];
    const skipped: string[] = [];
    for (const input of args.inputs) {
      for await (const source of openSources([input], failures)) {
        nodes.add(source.node);
        const target = join(args.out, nodes.replace(outputPath(input, source.path)));
        try {
          if (await copyAnonymised(source.chunks(), target, (line) => anonymizeLine(line, p, nodes)))
            written.push(target);
          else skipped.push(source.path);
        } catch (e) {
          failures.push({ path: source.path, reason: (e as Error).message });
        }
      }
    }
    for (const f of failures) process.stderr.write(`nfwalk: warning: cannot read ${f.path}: ${f.reason}\n`);
    for (const s of skipped) process.stderr.write(`nfwalk: warning: ${s}: binary, left out of the copy\n`);
    if (written.length === 0)
      throw new UsageError(`nothing to anonymise in ${args.inputs.map((i) => basename(i)).join(', ')}`);
    await writeOut([`anonymised ${written.length} files into ${args.out}\n`]);
  },
};
