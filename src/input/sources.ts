/**
 * The I/O edge of nfwalk: paths (files, directories, `.tar`/`.tar.gz`/`.tgz` bundles, `.gz` files) and `-`
 * (standard input) become sources that stream their text, so no dump needs to fit in memory as one string.
 * Archives are read with tar-stream: each member is a source, consumed before the next one is read.
 */
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';
import { isGzippedArchive, isReadableArchive, isUnreadableArchive } from './archive-names';
import { nodeOf } from './nodes';
import type { InputFailure, InputSource } from './text-input';

const CHUNK = 64 * 1024;

export async function* openSources(paths: readonly string[], failures: InputFailure[], stdin: () => Readable = () => process.stdin): AsyncGenerator<InputSource> {
  for (const path of paths) {
    if (path === '-' || path === '/dev/stdin') {
      yield { path: '<stdin>', node: 'stdin', chunks: () => decode(stdin()) };
      continue;
    }
    let files: string[];
    try {
      files = filesUnder(path);
    } catch (e) {
      failures.push({ path, reason: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message });
      continue;
    }
    const root = basename(path);
    for (const file of files) {
      const inBundle = join(root, relative(path, file));
      if (isReadableArchive(file)) yield* archiveMembers(file, inBundle, failures);
      else if (isUnreadableArchive(file)) failures.push({ path: file, reason: 'archive format not supported (use .tar, .tar.gz or .tgz, or unpack it)' });
      else yield { path: file, node: nodeOf(root, inBundle), chunks: () => decode(open(file)) };
    }
  }
}

function open(file: string): Readable {
  const stream = createReadStream(file, { highWaterMark: CHUNK });
  return /\.gz$/i.test(file) ? stream.pipe(createGunzip()) : stream;
}

async function* archiveMembers(file: string, inBundle: string, failures: InputFailure[]): AsyncGenerator<InputSource> {
  const root = basename(file);
  const tar = extract();
  const raw = createReadStream(file, { highWaterMark: CHUNK });
  const input = isGzippedArchive(file) ? raw.pipe(createGunzip()) : raw;
  input.on('error', (e: Error) => tar.destroy(e));
  input.pipe(tar);
  try {
    for await (const entry of tar) {
      const name = entry.header.name.replace(/^\.\//, '');
      if (entry.header.type !== 'file' || name === '') {
        entry.resume();
        continue;
      }
      const member = `${file}/${name}`;
      yield { path: member, node: nodeOf(root, `${inBundle}/${name}`), chunks: () => decode(entry as unknown as Readable) };
      // Whatever the reader left (a binary member it gave up on) must drain before the next member arrives.
      for await (const _ of entry) void _;
    }
  } catch (e) {
    failures.push({ path: file, reason: `broken archive: ${(e as Error).message}` });
  }
}

async function* decode(stream: Readable): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  for await (const piece of stream) yield decoder.decode(piece as Uint8Array, { stream: true });
  const rest = decoder.decode();
  if (rest) yield rest;
}

/** A directory stands for the files below it, in a stable order; symlinks are not followed out of the tree. */
function filesUnder(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((d) => (d.isDirectory() ? filesUnder(join(path, d.name)) : d.isFile() ? [join(path, d.name)] : []));
}
