/**
 * The bundles a bulk run is given: an archive is one bundle; a directory is a folder of bundles (each
 * archive or directory in it), unless it is itself an unpacked bundle (a collector's root name, its
 * top-level folders, or only loose files); a quoted glob is expanded, each match a bundle. Hidden
 * entries are skipped.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { isBundleArchive } from './archive-names';

export interface BundlePath {
  readonly path: string;
  readonly mtimeMs: number;
}

/** Names of a bundle's root, or of the folders collectors put at its top (bundles.md §1). */
const BUNDLE_ROOT = /^(sosreport-|eks_i-|scc_|cilium-bugtool-|calico-diags|support-bundle-)/;
const BUNDLE_INSIDE = new Set(['sos_commands', 'sos_reports', 'networking', 'sysctls', 'ipamd', 'nodes', 'host-collectors', 'cluster-resources', 'systeminfo']);

/** A directory that holds dumps rather than bundles: a collector's root, or only loose files. */
function isUnpackedBundle(dir: string, children: readonly string[]): boolean {
  if (BUNDLE_ROOT.test(basename(dir)) || children.some((c) => BUNDLE_INSIDE.has(c))) return true;
  return !children.some((c) => isBundleArchive(c) || statSync(join(dir, c)).isDirectory());
}

function entryOf(path: string): BundlePath | undefined {
  try {
    return { path, mtimeMs: statSync(path).mtimeMs };
  } catch {
    return undefined;
  }
}

export async function listBundles(args: readonly string[]): Promise<{ bundles: BundlePath[]; missing: string[] }> {
  const bundles: BundlePath[] = [];
  const missing: string[] = [];
  for (const arg of args) {
    if (isDynamicPattern(arg)) {
      // Matches are named as the pattern was written: absolute for an absolute pattern.
      const matches = (await glob(arg, { onlyFiles: false, expandDirectories: false, dot: false, absolute: isAbsolute(arg) })).map((m) => m.replace(/\/$/, '')).sort();
      if (matches.length === 0) missing.push(arg);
      for (const m of matches) bundles.push(...[entryOf(m)].filter((b) => b !== undefined));
      continue;
    }
    const self = entryOf(arg);
    if (!self) {
      missing.push(arg);
      continue;
    }
    if (!statSync(arg).isDirectory()) {
      bundles.push(self);
      continue;
    }
    const children = readdirSync(arg).filter((c) => !c.startsWith('.')).sort();
    if (isUnpackedBundle(arg, children)) {
      bundles.push(self);
      continue;
    }
    for (const c of children) {
      const path = join(arg, c);
      const entry = entryOf(path);
      if (entry && (isBundleArchive(c) || statSync(path).isDirectory())) bundles.push(entry);
    }
  }
  return { bundles, missing };
}
