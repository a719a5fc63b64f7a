/**
 * The paste page's I/O edge: files and folders the browser was given become the same `InputSource`s that
 * src/input/sources.ts makes of paths, named the same way (a folder's files as `folder/…`, an archive's
 * members as `bundle.tgz/member`, the node from the bundle layout). Archives are read as src/input/archives.ts
 * reads them, with the browser's own tools: gzip by DecompressionStream, xz by xz-decompress (WebAssembly),
 * tar by tar-stream, zip by fflate (a zip is read from its end, so it is held whole, as a nested zip is there).
 */
import { unzipSync } from 'fflate';
import { extract } from 'tar-stream';
import { type Compression, archiveKind, compressionOf, isUnreadableArchive } from '../input/archive-names';
import { type ArchiveMember, type ArchiveReading, memberSources } from '../input/archive-walk';
import { nodeOf } from '../input/nodes';
import type { InputFailure } from '../model/section';
import type { InputSource } from '../input/text-input';

/** A file the page was given, with its path: its name, or `folder/…` for a file of a chosen folder. */
export interface PickedFile {
  readonly path: string;
  readonly file: Blob;
}

type Bytes = AsyncIterable<Uint8Array>;

/** Called with the count of bytes read from the picked files so far, for the progress bar. */
export type OnBytes = (read: number) => void;

export async function* browserSources(
  files: readonly PickedFile[],
  failures: InputFailure[],
  onBytes: OnBytes = () => {},
): AsyncGenerator<InputSource> {
  let read = 0;
  const counted = async function* (blob: Blob): Bytes {
    for await (const piece of iterate(blob.stream())) {
      read += piece.byteLength;
      onBytes(read);
      yield piece;
    }
  };
  for (const { path, file } of files) {
    const root = path.split('/')[0]!;
    const kind = archiveKind(path);
    if (kind) yield* memberSources(BROWSER_READING, { path, root, inBundle: path }, kind, failures, counted(file));
    else if (isUnreadableArchive(path))
      failures.push({ path, reason: 'archive format not supported (use tar, tar.gz, tar.xz or zip, or unpack it)' });
    else
      yield { path, node: nodeOf(root, path), chunks: () => decode(decompressed(counted(file), compressionOf(path))) };
  }
}

type Member = ArchiveMember<Bytes>;

const BROWSER_READING: ArchiveReading<Bytes> = {
  members: async (at, kind, bytes) =>
    kind === 'zip' ? zipMembers(bytes!) : tarMembers(decompressed(bytes!, compressionOf(at.path))),
  decode,
};

async function* decompressed(bytes: Bytes, compression: Compression | undefined): Bytes {
  if (compression === undefined) return yield* bytes;
  const stream = streamOf(bytes);
  if (compression === 'gzip')
    return yield* iterate(
      stream.pipeThrough(new DecompressionStream('gzip') as ReadableWritablePair<Uint8Array, Uint8Array>),
    );
  // Loaded as src/input/archives.ts loads it (the package is CommonJS).
  const { XzReadableStream } = (await import('xz-decompress')).default;
  yield* iterate(new XzReadableStream(stream) as ReadableStream<Uint8Array>);
}

async function* tarMembers(bytes: Bytes): AsyncGenerator<Member> {
  const tar = extract();
  void (async () => {
    for await (const piece of bytes)
      if (!tar.write(piece)) await new Promise<void>((go) => tar.once('drain', () => go()));
    // streamx's end() takes no callback (node's typings say otherwise): an argument would be written.
    (tar as unknown as { end(): void }).end();
  })().catch((e: Error) => tar.destroy(e));
  for await (const entry of tar) {
    const name = entry.header.name.replace(/^\.\//, '');
    if (entry.header.type !== 'file' || name === '') entry.resume();
    else yield { name, content: once(entry as AsyncIterable<Uint8Array>) };
  }
}

async function* zipMembers(bytes: Bytes): AsyncGenerator<Member> {
  const pieces: Uint8Array[] = [];
  for await (const piece of bytes) pieces.push(piece);
  const all = await new Blob(pieces as BlobPart[]).arrayBuffer();
  for (const [name, content] of Object.entries(unzipSync(new Uint8Array(all)))) {
    if (name.endsWith('/')) continue;
    yield { name: name.replace(/^\.\//, ''), content: once([content]) };
  }
}

/** One iterator however often it is iterated: the reader's pass, then the drain, see the same stream. */
function once(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Bytes {
  const it = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : toAsync(source[Symbol.iterator]());
  return {
    [Symbol.asyncIterator]: () => ({ next: () => it.next(), return: async () => ({ done: true, value: undefined }) }),
  };
}

function toAsync(it: Iterator<Uint8Array>): AsyncIterator<Uint8Array> {
  return { next: async () => it.next() };
}

async function* decode(bytes: Bytes): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  for await (const piece of bytes) yield decoder.decode(piece, { stream: true });
  const rest = decoder.decode();
  if (rest) yield rest;
}

async function* iterate(stream: ReadableStream<Uint8Array>): Bytes {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

function streamOf(bytes: Bytes): ReadableStream<Uint8Array> {
  const it = bytes[Symbol.asyncIterator]();
  return new ReadableStream({
    async pull(controller) {
      const { done, value } = await it.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
  });
}
