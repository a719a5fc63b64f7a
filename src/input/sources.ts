/**
 * The I/O edge of nfwalk: paths (files, directories, tar, tar.gz, tar.xz and zip bundles, `.gz` and `.xz`
 * files), `s3://` objects and prefixes (s3-sources.ts) and `-` (standard input) become sources that stream their text, so no dump needs to fit in memory
 * as one string. Archives are read member by member (archives.ts).
 */
import { closeSync, createReadStream, openSync, readSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative, sep } from 'node:path';
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
      yield { path: '<stdin>', node: 'stdin', chunks: () => decode(stdin()), bytes: () => stdin() };
      continue;
    }
    if (isS3Url(path)) {
      yield* s3Sources(path, failures);
      continue;
    }
    let files: string[];
    try {
      files = filesUnder(path, failures);
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
          bytes: async function* () {
            const compression = compressionOf(file);
            if (compression === undefined) yield* fileBytes(file);
            else yield* await decompressed(createReadStream(file, { highWaterMark: CHUNK }), compression);
          },
        };
    }
  }
}

/**
 * A file's bytes in pieces of CHUNK, read into one buffer used again for every piece: the reader copies what it
 * keeps, and a big table leaves no garbage of 64 KB buffers behind.
 */
function* fileBytes(file: string): Generator<Uint8Array> {
  const fd = openSync(file, 'r');
  try {
    const buffer = new Uint8Array(CHUNK);
    for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) yield buffer.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/**
 * A directory stands for the files below it, in a stable order. Links are not followed: one to a file of the same
 * folder (sos reports link their top level into `sos_commands`) is read where it lies, and one out of the folder,
 * which an unpacked bundle may point anywhere on this machine, is named as not read.
 */
function filesUnder(path: string, failures: InputFailure[], top = path): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((d) => {
      const entry = join(path, d.name);
      if (d.isDirectory()) return filesUnder(entry, failures, top);
      if (d.isFile()) return [entry];
      if (d.isSymbolicLink()) noteLink(entry, top, failures);
      return [];
    });
}

function noteLink(link: string, top: string, failures: InputFailure[]): void {
  let target: string;
  try {
    target = realpathSync(link);
  } catch {
    failures.push({ path: link, reason: 'a link to nothing' });
    return;
  }
  const fromTop = relative(realpathSync(top), target);
  if (fromTop.split(sep)[0] === '..' || isAbsolute(fromTop))
    failures.push({ path: link, reason: `a link out of the folder (to ${target}), not followed` });
}
