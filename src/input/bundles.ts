/**
 * The bundles a bulk run is given: an archive is one bundle; a directory is a folder of bundles (each
 * archive or directory in it), unless it is itself an unpacked bundle (a collector's root name, its
 * top-level folders, or only loose files); a quoted glob is expanded, each match a bundle. Hidden
 * entries are skipped, and so are loose files in a folder of bundles; a link whose target is gone is not.
 */
import { lstatSync, readdirSync, statSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { isBundleArchive } from './archive-names';

export interface BundlePath {
  readonly path: string;
  readonly mtimeMs: number;
}

/** Names of a bundle's root, or of the folders collectors put at its top (bundles.md §1). */
const BUNDLE_ROOT = /^(sosreport-|eks_i-|scc_|cilium-bugtool-|calico-diags|support-bundle-)/;
const BUNDLE_INSIDE = new Set([
  'sos_commands',
  'sos_reports',
  'networking',
  'sysctls',
  'ipamd',
  'nodes',
  'host-collectors',
  'cluster-resources',
  'systeminfo',
]);

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
function listed(path: string): Listed | undefined {
  for (const stat of [statSync, lstatSync]) {
    try {
      const s = stat(path);
      return { entry: { path, mtimeMs: s.mtimeMs }, directory: s.isDirectory(), dangling: stat === lstatSync };
    } catch {
      continue;
    }
  }
  return undefined;
}

/** A directory that holds dumps rather than bundles: a collector's root, or only loose files. */
function isUnpackedBundle(
  dir: string,
  children: readonly { readonly name: string; readonly at: Listed | undefined }[],
): boolean {
  if (BUNDLE_ROOT.test(basename(dir)) || children.some((c) => BUNDLE_INSIDE.has(c.name))) return true;
  return !children.some((c) => isBundleArchive(c.name) || c.at?.directory);
}

export async function listBundles(args: readonly string[]): Promise<{ bundles: BundlePath[]; missing: string[] }> {
  const bundles: BundlePath[] = [];
  const missing: string[] = [];
  for (const arg of args) {
    if (isDynamicPattern(arg)) {
      // Matches are named as the pattern was written: absolute for an absolute pattern.
      const matches = (
        await glob(arg, { onlyFiles: false, expandDirectories: false, dot: false, absolute: isAbsolute(arg) })
      )
        .map((m) => m.replace(/\/$/, ''))
        .sort();
      if (matches.length === 0) missing.push(arg);
      for (const m of matches) {
        const at = listed(m);
        if (at) bundles.push(at.entry);
      }
      continue;
    }
    const self = listed(arg);
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
      .map((name) => ({ name, at: listed(join(arg, name)) }));
    if (isUnpackedBundle(arg, children)) {
      bundles.push(self.entry);
      continue;
    }
    for (const { name, at } of children) {
      // A child that is neither file nor folder any more (a dangling link) may have been either: it is listed.
      if (at && (isBundleArchive(name) || at.directory || at.dangling)) bundles.push(at.entry);
    }
  }
  return { bundles, missing };
}
