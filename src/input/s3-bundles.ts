/**
 * The bundles under an `s3://bucket/prefix` URL, as a local folder's (bundles.ts): an object is one bundle;
 * a prefix is a folder of bundles (each archive object and each sub-prefix in it), unless it is itself an
 * unpacked bundle. A sub-prefix bundle's size and time are the sum and the latest of its objects', and its
 * content hash one over their ETags, so a rerun sees any object below it change.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { isBundleArchive } from './archive-names';
import type { BundlePath } from './bundles';
import { type S3Location, type S3Object, headObject, listObjects, parseS3Url, s3Reason, s3Url } from './s3';
import { isUnpackedBundle } from './unpacked-bundle';

const nameIn = (prefix: string, key: string) => key.slice(prefix.length).replace(/\/$/, '');

/** An unpacked bundle under a prefix: every object below it. */
async function prefixBundle(bucket: string, prefix: string, key: string): Promise<BundlePath> {
  let size = 0;
  let mtimeMs = 0;
  const etags = createHash('sha256');
  for await (const page of listObjects({ bucket, key: prefix }, false))
    for (const o of page.objects) {
      size += o.size;
      mtimeMs = Math.max(mtimeMs, o.mtimeMs);
      etags.update(`${o.key}\u0000${o.etag ?? o.size}\n`);
    }
  return { path: s3Url(bucket, prefix), key, size, mtimeMs, etag: etags.digest('hex') };
}

const objectBundle = (bucket: string, o: S3Object, key: string): BundlePath => ({
  path: s3Url(bucket, o.key),
  key,
  size: o.size,
  mtimeMs: o.mtimeMs,
  ...(o.etag ? { etag: o.etag } : {}),
});

export async function listS3Bundles(url: string): Promise<BundlePath[]> {
  let at: S3Location;
  try {
    at = parseS3Url(url);
    if (at.key !== '' && !at.key.endsWith('/')) {
      const object = await headObject(at);
      if (object) return [objectBundle(at.bucket, object, posix.basename(at.key))];
      at = { bucket: at.bucket, key: `${at.key}/` };
    }
    const objects: S3Object[] = [];
    const prefixes: string[] = [];
    for await (const page of listObjects(at, true)) {
      objects.push(...page.objects.filter((o) => o.key !== at.key));
      prefixes.push(...page.prefixes);
    }
    const children = [
      ...objects.map((o) => ({ name: nameIn(at.key, o.key), at: { directory: false } })),
      ...prefixes.map((p) => ({ name: nameIn(at.key, p), at: { directory: true } })),
    ];
    if (children.length === 0) return [];
    if (isUnpackedBundle(at.key || at.bucket, children))
      return [await prefixBundle(at.bucket, at.key, posix.basename(at.key) || at.bucket)];
    const bundles: BundlePath[] = [];
    for (const o of objects) {
      const name = nameIn(at.key, o.key);
      if (!name.startsWith('.') && isBundleArchive(name)) bundles.push(objectBundle(at.bucket, o, name));
    }
    for (const p of prefixes) {
      const name = nameIn(at.key, p);
      if (!name.startsWith('.')) bundles.push(await prefixBundle(at.bucket, p, name));
    }
    return bundles.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  } catch (e) {
    throw new Error(`${url}: ${s3Reason(e)}`);
  }
}
