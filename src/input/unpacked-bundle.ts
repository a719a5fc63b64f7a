/** Whether a folder is one bundle unpacked or a folder of bundles, from its name and its entries' names (bundles.md §1). */
import { basename } from 'node:path';
import { isBundleArchive } from './archive-names';

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

/** A directory (or an object store's prefix) that holds dumps rather than bundles: a collector's root, or only loose files. */
export function isUnpackedBundle(
  dir: string,
  children: readonly { readonly name: string; readonly at: { readonly directory: boolean } | undefined }[],
): boolean {
  if (BUNDLE_ROOT.test(basename(dir)) || children.some((c) => BUNDLE_INSIDE.has(c.name))) return true;
  return !children.some((c) => isBundleArchive(c.name) || c.at?.directory);
}
