/**
 * The I/O edge of nfwalk: paths (files, directories, tar, tar.gz, tar.xz and zip bundles, `.gz` and `.xz`
 * files), `s3://` objects and prefixes (s3-sources.ts) and `-` (standard input) become sources that stream their text, so no dump needs to fit in memory
 * as one string. Archives are read member by member (archives.ts).
 */
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import type { Readable } from 'node:stream';
import { archiveKind, compressionOf, isUnreadableArchive } from './archive-names';
import { archiveMembers, decode, decompressed } from './archives';
import { nodeOf } from './nodes';
import { isS3Url } from './s3';
import { s3Sources } from './s3-sources';
import type { InputFailure } from '../model/section';
import type { InputSource } from './text-input';

const CHUNK = 64 * 1024;

export async function* openSources(
  paths: readonly string[],
  failures: InputFailure[],
  stdin: () => Readable = () => process.stdin,
): AsyncGenerator<InputSource> {
  for (const path of paths) {
    if (path === '-' || path === '/dev/stdin') {
      yield { path: '<stdin>', node: 'stdin', chunks: () => decode(stdin()) };
      continue;
    }
    if (isS3Url(path)) {
      yield* s3Sources(path, failures);
      continue;
    }
    let files: string[];
    try {
      files = filesUnder(path);
    } catch (e) {
      failures.push({
        path,
        reason: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message,
      });
      continue;
    }
    const root = basename(path);
    for (const file of files) {
      const inBundle = join(root, relative(path, file));
      const kind = archiveKind(file);
      if (kind) yield* archiveMembers({ path: file, root, inBundle }, kind, failures);
      else if (isUnreadableArchive(file))
        failures.push({
          path: file,
          reason: 'archive format not supported (use tar, tar.gz, tar.xz or zip, or unpack it)',
        });
      else
        yield {
          path: file,
          node: nodeOf(root, inBundle),
          chunks: async function* () {
            yield* decode(await decompressed(createReadStream(file, { highWaterMark: CHUNK }), compressionOf(file)));
          },
        };
    }
  }
}

/** A directory stands for the files below it, in a stable order; symlinks are not followed out of the tree. */
function filesUnder(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((d) => (d.isDirectory() ? filesUnder(join(path, d.name)) : d.isFile() ? [join(path, d.name)] : []));
}
