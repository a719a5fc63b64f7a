/**
 * Archive names, in one place: which members nfwalk reads (tar, plain, gzipped or xz-compressed, and zip),
 * which it recognises only to say it cannot read them, and how a member of a read archive is named
 * (`bundle.tgz/member`).
 */
const READABLE = String.raw`tar\.gz|tgz|tar\.xz|txz|tar|zip`;
/** Archives of a whole bundle that nfwalk cannot open; with a lone `.bz2`/`.zst` they are named, not read. */
const UNREADABLE_BUNDLE = String.raw`tar\.bz2|tbz2?|tar\.zst|tzst|7z|rar`;

const READABLE_ARCHIVE = new RegExp(String.raw`\.(?:${READABLE})$`, 'i');
const UNREADABLE_BUNDLE_ARCHIVE = new RegExp(String.raw`\.(?:${UNREADABLE_BUNDLE})$`, 'i');
const UNREADABLE_ARCHIVE = new RegExp(String.raw`\.(?:${UNREADABLE_BUNDLE}|bz2|zst)$`, 'i');
/** An archive suffix, or a lone `.gz` or `.xz`, that a node name drops (case kept: `.TGZ` names are rare and odd). */
const NODE_NAME_SUFFIX = new RegExp(String.raw`\.(?:${READABLE}|gz|xz)$`);
const MEMBER = new RegExp(String.raw`^(.*?)\.(?:${READABLE})\/(?:\.\/)?(.*)$`, 'i');

/** Archives nested deeper than this are named as failures, not opened: no collector nests more. */
export const MAX_DEPTH = 3;

/** A member name that would lead out of its archive (absolute or `..`): named as a failure, never read. */
export const leavesArchive = (name: string) => name.startsWith('/') || name.split('/').includes('..');

export type ArchiveKind = 'tar' | 'zip';
export type Compression = 'gzip' | 'xz';

/** How an archive nfwalk reads is packed, from its name (its compression aside); undefined for anything else. */
export function archiveKind(name: string): ArchiveKind | undefined {
  if (!READABLE_ARCHIVE.test(name)) return undefined;
  return /\.zip$/i.test(name) ? 'zip' : 'tar';
}

/** How a file or tarball is compressed, from its name: `.gz`/`.tgz`, `.xz`/`.txz`; undefined when not. */
export function compressionOf(name: string): Compression | undefined {
  if (/\.t?gz$/i.test(name)) return 'gzip';
  return /\.t?xz$/i.test(name) ? 'xz' : undefined;
}

export const isUnreadableArchive = (name: string): boolean => UNREADABLE_ARCHIVE.test(name);

/** Any archive a bulk run counts as a bundle, readable or not (an unreadable one is reported, not skipped). */
export const isBundleArchive = (name: string): boolean =>
  READABLE_ARCHIVE.test(name) || UNREADABLE_BUNDLE_ARCHIVE.test(name);

export const withoutArchiveSuffix = (name: string): string => name.replace(NODE_NAME_SUFFIX, '');

/** `x/bundle.tgz/./a/b` → the archive path without its suffix and the member path; undefined outside archives. */
export function archiveMember(path: string): { readonly stem: string; readonly inside: string } | undefined {
  const m = MEMBER.exec(path);
  return m ? { stem: m[1]!, inside: m[2]! } : undefined;
}
