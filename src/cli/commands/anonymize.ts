import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { finished } from 'node:stream/promises';
import type { CommandModule } from 'yargs';
import { NodeNames } from '../../anonymize/node-names';
import { Pseudonyms } from '../../anonymize/pseudonyms';
import { anonymizeLine } from '../../anonymize/rewrite';
import { openSources } from '../../input/sources';
import type { InputFailure } from '../../input/text-input';
import { UsageError } from '../exit';
import type { GlobalOptions } from '../options';
import { writeOut } from '../write';

interface AnonymizeArgs extends GlobalOptions {
  inputs: string[];
  out: string;
  key?: string;
}

/**
 * Where a file of an input goes under --out: its path from the input's folder. An archive is unpacked
 * into a folder named after it, unless its members already sit in such a folder (`eks_…/networking/…`).
 */
function outputPath(input: string, file: string): string {
  if (file === '<stdin>') return 'stdin.txt';
  const path = relative(dirname(input), file);
  const member = /^(.*?)\.(?:tar\.gz|tgz|tar)\/(?:\.\/)?(.*)$/i.exec(path);
  if (!member) return path;
  const [, stem, inside] = member as unknown as [string, string, string];
  return inside.startsWith(`${basename(stem)}/`) ? join(dirname(stem), inside) : join(stem, inside);
}

/** Writes the text rewritten line by line; false, writing nothing, when it is binary (NUL bytes). */
async function copyAnonymised(chunks: AsyncIterable<string>, target: string, rewrite: (line: string) => string): Promise<boolean> {
  let out: ReturnType<typeof createWriteStream> | undefined;
  let rest = '';
  try {
    for await (const chunk of chunks) {
      if (!out) {
        if (chunk.includes('\u0000')) return false;
        mkdirSync(dirname(target), { recursive: true });
        out = createWriteStream(target);
      }
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      if (lines.length && !out.write(`${lines.map(rewrite).join('\n')}\n`)) await new Promise<void>((r) => out?.once('drain', () => r()));
    }
    if (!out) {
      mkdirSync(dirname(target), { recursive: true });
      out = createWriteStream(target);
    }
    out.end(rest ? rewrite(rest) : '');
    await finished(out);
    return true;
  } catch (e) {
    // A member cut off mid-way is left out rather than shared half-written.
    out?.destroy();
    rmSync(target, { force: true });
    throw e;
  }
}

export const anonymizeCommand: CommandModule<GlobalOptions, AnonymizeArgs> = {
  command: 'anonymize <inputs..>',
  describe: 'Write a copy of bundles or dumps with addresses, names, comments and MACs replaced consistently (prefix-preserving), to share them; analyses find the same on the copy',
  builder: (y) =>
    y
      .positional('inputs', { type: 'string', array: true, demandOption: true, describe: 'bundles (directories, archives) or dump files' })
      .option('out', { type: 'string', demandOption: true, describe: 'directory to write the anonymised copy to (archives are written unpacked)' })
      .option('key', { type: 'string', describe: 'secret that fixes the mapping, to anonymise several runs alike (default: random, so the mapping cannot be reversed)' }),
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
          if (await copyAnonymised(source.chunks(), target, (line) => anonymizeLine(line, p, nodes))) written.push(target);
          else skipped.push(source.path);
        } catch (e) {
          failures.push({ path: source.path, reason: (e as Error).message });
        }
      }
    }
    for (const f of failures) process.stderr.write(`nfwalk: warning: cannot read ${f.path}: ${f.reason}\n`);
    for (const s of skipped) process.stderr.write(`nfwalk: warning: ${s}: binary, left out of the copy\n`);
    if (written.length === 0) throw new UsageError(`nothing to anonymise in ${args.inputs.map((i) => basename(i)).join(', ')}`);
    await writeOut([`anonymised ${written.length} files into ${args.out}\n`]);
  },
};
