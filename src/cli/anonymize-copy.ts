/** The file side of `nfwalk anonymize`: where each input file goes in the copy, and writing it rewritten. */
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { finished } from 'node:stream/promises';
import { archiveMember } from '../input/archive-names';

/**
 * Where a file of an input goes under --out: its path from the input's folder. An archive is unpacked
 * into a folder named after it, unless its members already sit in such a folder (`eks_…/networking/…`).
 */
export function outputPath(input: string, file: string): string {
  if (file === '<stdin>') return 'stdin.txt';
  const path = relative(dirname(input), file);
  const member = archiveMember(path);
  if (!member) return path;
  const { stem, inside } = member;
  return inside.startsWith(`${basename(stem)}/`) ? join(dirname(stem), inside) : join(stem, inside);
}

/** Writes the text rewritten line by line; false, writing nothing, when it is binary (NUL bytes). */
export async function copyAnonymised(
  chunks: AsyncIterable<string>,
  target: string,
  rewrite: (line: string) => string,
): Promise<boolean> {
  let out: ReturnType<typeof createWriteStream> | undefined;
  const open = () => {
    mkdirSync(dirname(target), { recursive: true });
    return createWriteStream(target);
  };
  let rest = '';
  try {
    for await (const chunk of chunks) {
      if (!out) {
        if (chunk.includes('\u0000')) return false;
        out = open();
      }
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      if (lines.length && !out.write(`${lines.map(rewrite).join('\n')}\n`))
        await new Promise<void>((r) => out?.once('drain', () => r()));
    }
    out ??= open();
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
