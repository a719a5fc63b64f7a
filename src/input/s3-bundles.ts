/**
 * The bundles under an `s3://bucket/prefix` URL, as a local folder's (bundles.ts): an object is one bundle;
 * a prefix is a folder of bundles (each archive object and each folder in it), unless it is itself an
 * unpacked bundle. One listing of every object below the prefix gives both the folders and, for a folder
 * that is a bundle, its size and time (the sum and the latest of its objects') and a content hash over its
 * objects' ETags, so a rerun sees any object below it change. (A delimited listing would name the folders
 * alone, but a second request per folder would then be needed, and not every S3-compatible server names a
 * folder that holds only folders.)
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { isBundleArchive } from './archive-names';
import type { BundlePath } from './bundles';
import { type S3Location, type S3Object, headObject, listObjects, parseS3Url, s3Reason, s3Url } from './s3';
import { isUnpackedBundle } from './unpacked-bundle';

interface Folder {
  size: number;
  mtimeMs: number;
  readonly etags: ReturnType<typeof createHash>;
}

const objectBundle = (bucket: string, o: S3Object, key: string): BundlePath => ({
  path: s3Url(bucket, o.key),
  key,
  size: o.size,
  mtimeMs: o.mtimeMs,
  ...(o.etag ? { etag: o.etag } : {}),
});

const folderBundle = (bucket: string, prefix: string, key: string, f: Folder): BundlePath => ({
  path: s3Url(bucket, prefix),
  key,
  size: f.size,
  mtimeMs: f.mtimeMs,
  etag: f.etags.digest('hex'),
});

const addTo = (f: Folder, o: S3Object) => {
  f.size += o.size;
  f.mtimeMs = Math.max(f.mtimeMs, o.mtimeMs);
  f.etags.update(`${o.key}\u0000${o.etag ?? o.size}\n`);
};
const folder = (): Folder => ({ size: 0, mtimeMs: 0, etags: createHash('sha256') });

export async function listS3Bundles(url: string): Promise<BundlePath[]> {
  try {
    let at: S3Location = parseS3Url(url);
    if (at.key !== '' && !at.key.endsWith('/')) {
      const object = await headObject(at);
      if (object) return [objectBundle(at.bucket, object, posix.basename(at.key))];
      at = { bucket: at.bucket, key: `${at.key}/` };
    }
    const files: S3Object[] = [];
    const folders = new Map<string, Folder>();
    const whole = folder();
    for await (const page of listObjects(at))
      for (const o of page.objects) {
        const rest = o.key.slice(at.key.length);
        if (rest === '' || rest.endsWith('/')) continue;
        addTo(whole, o);
        const slash = rest.indexOf('/');
        if (slash < 0) files.push(o);
        else {
          const name = rest.slice(0, slash);
          const f = folders.get(name) ?? folder();
          folders.set(name, f);
          addTo(f, o);
        }
      }
    const children = [
      ...files.map((o) => ({ name: o.key.slice(at.key.length), at: { directory: false } })),
      ...[...folders.keys()].map((name) => ({ name, at: { directory: true } })),
    ];
    if (children.length === 0) return [];
    const name = posix.basename(at.key) || at.bucket;
    if (isUnpackedBundle(name, children)) return [folderBundle(at.bucket, at.key, name, whole)];
    const bundles: BundlePath[] = [];
    for (const o of files) {
      const child = o.key.slice(at.key.length);
      if (!child.startsWith('.') && isBundleArchive(child)) bundles.push(objectBundle(at.bucket, o, child));
    }
    for (const [child, f] of folders)
      if (!child.startsWith('.')) bundles.push(folderBundle(at.bucket, `${at.key}${child}/`, child, f));
    return bundles.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  } catch (e) {
    throw new Error(`${url}: ${s3Reason(e)}`);
  }
}
