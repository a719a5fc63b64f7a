/**
 * The members of an archive as sources, streamed one after another: a tar (plain, gzip or xz) as it
 * arrives, with tar-stream; a zip from its central directory, with yauzl. An archive inside an archive (the
 * bugtool tarballs of a Cilium sysdump, a node's zip in a Periscope export) is read the same way, down to
 * MAX_DEPTH; a zip inside another archive is held in memory for that, since a zip is read from its end.
 * The readers and decompressors are loaded on first use, so runs without such archives do not pay for them
 * (zlib was about a twentieth of a small parse's start, tar-stream's modules 5-7 ms). zlib is taken
 * synchronously, so that nothing comes between opening a stream and piping it on.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Extract } from 'tar-stream';
import { type ArchiveKind, type Compression, compressionOf } from './archive-names';
import { type ArchiveAt, type ArchiveMember, type ArchiveReading, memberSources } from './archive-walk';
import type { InputFailure } from '../model/section';
import type { InputSource } from './text-input';

const CHUNK = 64 * 1024;

/** The stream decompressed; xz in WebAssembly (no native code to build). */
export async function decompressed(stream: Readable, compression: Compression | undefined): Promise<Readable> {
  if (compression === 'gzip') return stream.pipe(process.getBuiltinModule('node:zlib').createGunzip());
  if (compression !== 'xz') return stream;
  const { XzReadableStream } = (await import('xz-decompress')).default;
  const compressed = Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array>;
  return Readable.fromWeb(new XzReadableStream(compressed) as unknown as WebReadableStream<Uint8Array>);
}

/** Every file member of the archive at `at`, `bytes` being its content when it is itself a member. */
export const archiveMembers = (
  at: ArchiveAt,
  kind: ArchiveKind,
  failures: InputFailure[],
  bytes?: Readable,
): AsyncGenerator<InputSource> => memberSources(NODE_READING, at, kind, failures, bytes);

const NODE_READING: ArchiveReading<Readable> = {
  members: async (at, kind, bytes) => {
    if (kind === 'zip') return zipMembers(at.file ?? at.path, bytes);
    // Loaded before the file is opened, so that nothing is awaited between opening it and reading it.
    const { extract } = await import('tar-stream');
    const input = await decompressed(
      bytes ?? createReadStream(at.file ?? at.path, { highWaterMark: CHUNK }),
      compressionOf(at.path),
    );
    return tarMembers(extract(), input);
  },
  decode,
};

type Member = ArchiveMember<Readable>;

async function* tarMembers(tar: Extract, input: Readable): AsyncGenerator<Member> {
  input.on('error', (e: Error) => tar.destroy(e));
  input.pipe(tar);
  for await (const entry of tar) {
    const name = entry.header.name.replace(/^\.\//, '');
    if (entry.header.type !== 'file' || name === '') entry.resume();
    else yield { name, content: entry as unknown as Readable };
  }
}

async function* zipMembers(path: string, bytes: Readable | undefined): AsyncGenerator<Member> {
  const yauzl = (await import('yauzl')).default;
  const options = { lazyEntries: true, autoClose: true, strictFileNames: false };
  const zip = bytes
    ? await yauzl.fromBufferPromise(Buffer.concat(await bytes.toArray()), options)
    : await yauzl.openPromise(path, options);
  for await (const entry of zip.eachEntry()) {
    if (entry.fileName.endsWith('/')) continue;
    yield { name: entry.fileName.replace(/^\.\//, ''), content: await zip.openReadStreamPromise(entry) };
  }
}

/**
 * A stream's text, decoded as UTF-8 with the WHATWG decoder's result (invalid bytes as U+FFFD, a leading byte
 * order mark dropped): node's StringDecoder gives the same text without TextDecoder's start-up, about 30 ms
 * of every run's first piece.
 */
export async function* decode(stream: Readable): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let started = false;
  for await (const piece of stream) {
    const text = decoder.write(piece as Buffer);
    if (!started && text) {
      started = true;
      yield text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    } else yield text;
  }
  const rest = decoder.end();
  if (rest) yield !started && rest.charCodeAt(0) === 0xfeff ? rest.slice(1) : rest;
}
