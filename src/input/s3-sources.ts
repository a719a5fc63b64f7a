/**
 * An `s3://` input as sources, like a local path's (sources.ts): an object is a file or an archive, a prefix
 * (ending in `/`) a directory of them. Each object is streamed as it is read; a zip, which is read from its
 * end, goes through a temporary file rather than memory, and the file is removed once read.
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { archiveKind, compressionOf, isUnreadableArchive } from './archive-names';
import { archiveMembers, decode, decompressed } from './archives';
import { nodeOf } from './nodes';
import { type S3Location, listObjects, objectStream, parseS3Url, s3Reason, s3Url } from './s3';
import type { InputFailure } from '../model/section';
import type { InputSource } from './text-input';

async function* objectSources(
  at: S3Location,
  root: string,
  inBundle: string,
  failures: InputFailure[],
): AsyncGenerator<InputSource> {
  const path = s3Url(at.bucket, at.key);
  const kind = archiveKind(at.key);
  if (isUnreadableArchive(at.key)) {
    failures.push({ path, reason: 'archive format not supported (use tar, tar.gz, tar.xz or zip, or unpack it)' });
    return;
  }
  if (kind === 'zip') {
    // node:os taken here: loading it is part of every start otherwise.
    const dir = mkdtempSync(join(process.getBuiltinModule('node:os').tmpdir(), 'nfwalk-s3-'));
    try {
      const file = join(dir, 'bundle.zip');
      await pipeline(await objectStream(at), createWriteStream(file));
      yield* archiveMembers({ path, root, inBundle, file }, kind, failures);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } else if (kind) yield* archiveMembers({ path, root, inBundle }, kind, failures, await objectStream(at));
  else
    yield {
      path,
      node: nodeOf(root, inBundle),
      chunks: async function* () {
        yield* decode(await decompressed(await objectStream(at), compressionOf(at.key)));
      },
    };
}

export async function* s3Sources(url: string, failures: InputFailure[]): AsyncGenerator<InputSource> {
  try {
    const at = parseS3Url(url);
    if (!at.key.endsWith('/') && at.key !== '') {
      const root = posix.basename(at.key);
      yield* objectSources(at, root, root, failures);
      return;
    }
    const root = posix.basename(at.key) || at.bucket;
    for await (const page of listObjects(at))
      for (const o of page.objects)
        if (!o.key.endsWith('/'))
          yield* objectSources(
            { bucket: at.bucket, key: o.key },
            root,
            posix.join(root, o.key.slice(at.key.length)),
            failures,
          );
  } catch (e) {
    failures.push({ path: url, reason: s3Reason(e) });
  }
}
