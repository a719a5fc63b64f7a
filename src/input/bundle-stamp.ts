/**
 * What a bundle looked like when it was analysed, so that a resumed run can tell whether it changed: its
 * size and time (an archive's own; a directory's total and latest over the files below it), and on request
 * a SHA-256 of its content (each file's path inside it and bytes). An object store's listing brings its own
 * content hash (the ETag), used as is.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BundlePath } from './bundles';
import { isS3Url } from './s3';

export interface BundleStamp {
  readonly size: number;
  readonly mtimeMs: number;
  readonly hash?: string;
}

/** Files below a directory in a stable order, with their paths inside it. */
function filesOf(dir: string, inside = ''): { path: string; inside: string }[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((d) => {
      const path = join(dir, d.name);
      const name = inside ? `${inside}/${d.name}` : d.name;
      return d.isDirectory() ? filesOf(path, name) : d.isFile() ? [{ path, inside: name }] : [];
    });
}

export async function bundleStamp(bundle: BundlePath, withHash: boolean): Promise<BundleStamp> {
  if (isS3Url(bundle.path))
    return { size: bundle.size, mtimeMs: bundle.mtimeMs, ...(bundle.etag ? { hash: bundle.etag } : {}) };
  let files: { path: string; inside: string }[];
  try {
    files = statSync(bundle.path).isDirectory() ? filesOf(bundle.path) : [{ path: bundle.path, inside: '' }];
  } catch {
    return { size: -1, mtimeMs: -1 };
  }
  let size = 0;
  let mtimeMs = 0;
  const hash = createHash('sha256');
  for (const f of files) {
    const s = statSync(f.path);
    size += s.size;
    mtimeMs = Math.max(mtimeMs, s.mtimeMs);
    if (!withHash) continue;
    hash.update(`${f.inside}\u0000${s.size}\u0000`);
    for await (const piece of createReadStream(f.path)) hash.update(piece as Buffer);
  }
  return { size, mtimeMs, ...(withHash ? { hash: hash.digest('hex') } : {}) };
}

/** Whether the bundle is as it was: by content when asked and known, else by size and time. */
export function sameBundle(before: BundleStamp, now: BundleStamp, byHash: boolean): boolean {
  if (byHash && now.hash !== undefined) return before.hash === now.hash && before.size === now.size;
  return before.size === now.size && before.mtimeMs === now.mtimeMs;
}
