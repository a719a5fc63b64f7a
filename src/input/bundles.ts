/**
 * The bundles a bulk run is given: an archive is one bundle; a directory is a folder of bundles (each
 * archive or directory in it), unless it is itself an unpacked bundle (a collector's root name, its
 * top-level folders, or only loose files); a quoted glob is expanded, each match a bundle; an `s3://` URL is
 * an object or a prefix, read the same way (s3-bundles.ts). A bundle found twice is listed once. Hidden entries are skipped, and so are loose
 * files in a folder of bundles; a link whose target is gone is not. Each bundle keeps its path relative to
 * what it was found through: a distributed run shards by it (analyses/bulk/shard.ts).
 */
import { lstatSync, readdirSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { isBundleArchive } from './archive-names';
import { isS3Url } from './s3';
import { listS3Bundles } from './s3-bundles';
import { isUnpackedBundle } from './unpacked-bundle';

export interface BundlePath {
  /** The bundle as given or found: a local path, or an `s3://bucket/key` URL. */
  readonly path: string;
  /** Its path relative to the folder, glob or prefix it was found through (its own name when given itself). */
  readonly key: string;
  readonly mtimeMs: number;
  /** Bytes of an archive; for a directory, what its stamp (bundle-stamp.ts) finds below it. */
  readonly size: number;
  /** An object store's content hash (S3's ETag), when the listing gives one. */
  readonly etag?: string;
}

/** A path as listing sees it: a directory (a folder, or a bundle unpacked), or anything else. */
interface Listed {
  readonly entry: BundlePath;
  readonly directory: boolean;
  /** A symlink whose target is gone. */
  readonly dangling: boolean;
}

/**
 * One stat per path. A symlink whose target is gone is still listed, from the link's own stat: analysing it
 * then fails with the reason, so it is reported rather than dropped or allowed to stop the run.
 */
function listed(path: string, key: string): Listed | undefined {
  for (const stat of [statSync, lstatSync]) {
    try {
      const s = stat(path);
      return {
        entry: { path, key, mtimeMs: s.mtimeMs, size: s.isDirectory() ? 0 : s.size },
        directory: s.isDirectory(),
        dangling: stat === lstatSync,
      };
    } catch {
      continue;
    }
  }
  return undefined;
}

/** The folders of a glob before its first pattern: what its matches are found through. */
function globBase(pattern: string): string {
  const parts = pattern.split('/');
  const first = parts.findIndex((p) => isDynamicPattern(p));
  return parts.slice(0, first).join('/') || (isAbsolute(pattern) ? '/' : '.');
}

const keyOf = (path: string, base: string) => relative(resolve(base), resolve(path)).split(sep).join('/');

export async function listBundles(args: readonly string[]): Promise<{ bundles: BundlePath[]; missing: string[] }> {
  const bundles: BundlePath[] = [];
  const missing: string[] = [];
  for (const arg of args) {
    if (isS3Url(arg)) {
      const found = await listS3Bundles(arg);
      if (found.length === 0) missing.push(arg);
      bundles.push(...found);
      continue;
    }
    // A path that is there is read as itself, even when its name has glob characters (`incidents (2024)`).
    if (isDynamicPattern(arg) && !listed(arg, arg)) {
      // Matches are named as the pattern was written: absolute for an absolute pattern.
      const matches = (
        await glob(arg, { onlyFiles: false, expandDirectories: false, dot: false, absolute: isAbsolute(arg) })
      )
        .map((m) => m.replace(/\/$/, ''))
        .sort();
      if (matches.length === 0) missing.push(arg);
      const base = globBase(arg);
      for (const m of matches) {
        const at = listed(m, keyOf(m, base));
        if (at) bundles.push(at.entry);
      }
      continue;
    }
    const self = listed(arg, basename(resolve(arg)));
    if (!self) {
      missing.push(arg);
      continue;
    }
    if (!self.directory) {
      bundles.push(self.entry);
      continue;
    }
    const children = readdirSync(arg)
      .filter((c) => !c.startsWith('.'))
      .sort()
      .map((name) => ({ name, at: listed(join(arg, name), name) }));
    if (isUnpackedBundle(arg, children)) {
      bundles.push(self.entry);
      continue;
    }
    for (const { name, at } of children) {
      // A child that is neither file nor folder any more (a dangling link) may have been either: it is listed.
      if (at && (isBundleArchive(name) || at.directory || at.dangling)) bundles.push(at.entry);
    }
  }
  // A bundle named twice (a folder and a glob into it) is one bundle, as a merge of shards counts it.
  const seen = new Set<string>();
  return { bundles: bundles.filter((b) => !seen.has(b.path) && seen.add(b.path)), missing };
}
